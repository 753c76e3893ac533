"""A faithful port of the searchnet of "Programming Collective Intelligence"
(Segaran, 2007, ch. 4): SQLite-backed, pure Python.  The reference for
assocmem.SearchNet(rules="pci") and the peer in its benchmarks.

Changes from the book: Python 3, parameterised SQL instead of string
formatting, and optional indexes (``indexed=True``) so the peer is not
handicapped by full table scans.
"""

from __future__ import annotations

import sqlite3
from math import tanh


def dtanh(y: float) -> float:
    return 1.0 - y * y


class searchnet:
    def __init__(self, dbname: str = ":memory:", indexed: bool = True) -> None:
        self.con = sqlite3.connect(dbname)
        self.indexed = indexed

    def __del__(self) -> None:
        self.con.close()

    def maketables(self) -> None:
        self.con.execute("create table hiddennode(create_key)")
        self.con.execute("create table wordhidden(fromid,toid,strength)")
        self.con.execute("create table hiddenurl(fromid,toid,strength)")
        if self.indexed:
            self.con.execute("create index hk on hiddennode(create_key)")
            for t in ("wordhidden", "hiddenurl"):
                self.con.execute(f"create index {t}_ft on {t}(fromid,toid)")
                self.con.execute(f"create index {t}_t on {t}(toid)")
        self.con.commit()

    def getstrength(self, fromid, toid, layer):
        table = "wordhidden" if layer == 0 else "hiddenurl"
        res = self.con.execute(f"select strength from {table} where fromid=? and toid=?", (fromid, toid)).fetchone()
        if res is None:
            if layer == 0:
                return -0.2
            if layer == 1:
                return 0
        return res[0]

    def setstrength(self, fromid, toid, layer, strength):
        table = "wordhidden" if layer == 0 else "hiddenurl"
        res = self.con.execute(f"select rowid from {table} where fromid=? and toid=?", (fromid, toid)).fetchone()
        if res is None:
            self.con.execute(f"insert into {table} (fromid,toid,strength) values (?,?,?)", (fromid, toid, strength))
        else:
            self.con.execute(f"update {table} set strength=? where rowid=?", (strength, res[0]))

    def generatehiddennode(self, wordids, urls):
        if len(wordids) > 3:
            return None
        sorted_words = sorted(str(i) for i in wordids)
        createkey = "_".join(sorted_words)
        res = self.con.execute("select rowid from hiddennode where create_key=?", (createkey,)).fetchone()
        if res is None:
            cur = self.con.execute("insert into hiddennode (create_key) values (?)", (createkey,))
            hiddenid = cur.lastrowid
            for wordid in wordids:
                self.setstrength(wordid, hiddenid, 0, 1.0 / len(wordids))
            for urlid in urls:
                self.setstrength(hiddenid, urlid, 1, 0.1)
            self.con.commit()

    def getallhiddenids(self, wordids, urlids):
        l1 = {}
        for wordid in wordids:
            for row in self.con.execute("select toid from wordhidden where fromid=?", (wordid,)):
                l1[row[0]] = 1
        for urlid in urlids:
            for row in self.con.execute("select fromid from hiddenurl where toid=?", (urlid,)):
                l1[row[0]] = 1
        return list(l1.keys())

    def setupnetwork(self, wordids, urlids):
        self.wordids = wordids
        self.hiddenids = self.getallhiddenids(wordids, urlids)
        self.urlids = urlids
        self.ai = [1.0] * len(self.wordids)
        self.ah = [1.0] * len(self.hiddenids)
        self.ao = [1.0] * len(self.urlids)
        self.wi = [[self.getstrength(w, h, 0) for h in self.hiddenids] for w in self.wordids]
        self.wo = [[self.getstrength(h, u, 1) for u in self.urlids] for h in self.hiddenids]

    def feedforward(self):
        for i in range(len(self.wordids)):
            self.ai[i] = 1.0
        for j in range(len(self.hiddenids)):
            total = 0.0
            for i in range(len(self.wordids)):
                total = total + self.ai[i] * self.wi[i][j]
            self.ah[j] = tanh(total)
        for k in range(len(self.urlids)):
            total = 0.0
            for j in range(len(self.hiddenids)):
                total = total + self.ah[j] * self.wo[j][k]
            self.ao[k] = tanh(total)
        return self.ao[:]

    def getresult(self, wordids, urlids):
        self.setupnetwork(wordids, urlids)
        return self.feedforward()

    def backPropagate(self, targets, N=0.5):
        output_deltas = [0.0] * len(self.urlids)
        for k in range(len(self.urlids)):
            error = targets[k] - self.ao[k]
            output_deltas[k] = dtanh(self.ao[k]) * error
        hidden_deltas = [0.0] * len(self.hiddenids)
        for j in range(len(self.hiddenids)):
            error = 0.0
            for k in range(len(self.urlids)):
                error = error + output_deltas[k] * self.wo[j][k]
            hidden_deltas[j] = dtanh(self.ah[j]) * error
        for j in range(len(self.hiddenids)):
            for k in range(len(self.urlids)):
                change = output_deltas[k] * self.ah[j]
                self.wo[j][k] = self.wo[j][k] + N * change
        for i in range(len(self.wordids)):
            for j in range(len(self.hiddenids)):
                change = hidden_deltas[j] * self.ai[i]
                self.wi[i][j] = self.wi[i][j] + N * change

    def trainquery(self, wordids, urlids, selectedurl):
        self.generatehiddennode(wordids, urlids)
        self.setupnetwork(wordids, urlids)
        self.feedforward()
        targets = [0.0] * len(urlids)
        targets[urlids.index(selectedurl)] = 1.0
        self.backPropagate(targets)
        self.updatedatabase()

    def updatedatabase(self):
        for i in range(len(self.wordids)):
            for j in range(len(self.hiddenids)):
                self.setstrength(self.wordids[i], self.hiddenids[j], 0, self.wi[i][j])
        for j in range(len(self.hiddenids)):
            for k in range(len(self.urlids)):
                self.setstrength(self.hiddenids[j], self.urlids[k], 1, self.wo[j][k])
        self.con.commit()
