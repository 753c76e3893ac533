"""The book's searchnet (tests/pci_searchnet.py) with its three SQLite
tables replaced by plain Python dictionaries: the same algorithm, no
database.  The peer "a plain-Python dict port" of the search-net issue."""

from __future__ import annotations

from pci_searchnet import searchnet


class _NoDatabase:
    def commit(self) -> None:  # the book commits after each update: nothing to commit here
        pass


class dictnet(searchnet):
    def __init__(self) -> None:  # no SQLite connection
        self.con = _NoDatabase()
        self.hidden: dict[str, int] = {}
        self.links: tuple[dict, dict] = ({}, {})  # layer -> {(fromid, toid): strength}
        self.word_hidden: dict = {}  # wordid -> {hiddenid: None}
        self.url_hidden: dict = {}  # urlid -> {hiddenid: None}

    def __del__(self) -> None:
        pass

    def maketables(self) -> None:
        pass

    def getstrength(self, fromid, toid, layer):
        return self.links[layer].get((fromid, toid), -0.2 if layer == 0 else 0)

    def setstrength(self, fromid, toid, layer, strength):
        if (fromid, toid) not in self.links[layer]:
            if layer == 0:
                self.word_hidden.setdefault(fromid, {})[toid] = None
            else:
                self.url_hidden.setdefault(toid, {})[fromid] = None
        self.links[layer][(fromid, toid)] = strength

    def generatehiddennode(self, wordids, urls):
        if len(wordids) > 3:
            return None
        createkey = "_".join(sorted(str(i) for i in wordids))
        if createkey not in self.hidden:
            hiddenid = self.hidden[createkey] = len(self.hidden) + 1
            for wordid in wordids:
                self.setstrength(wordid, hiddenid, 0, 1.0 / len(wordids))
            for urlid in urls:
                self.setstrength(hiddenid, urlid, 1, 0.1)

    def getallhiddenids(self, wordids, urlids):
        l1 = {}
        for wordid in wordids:
            l1.update(self.word_hidden.get(wordid, {}))
        for urlid in urlids:
            l1.update(self.url_hidden.get(urlid, {}))
        return list(l1.keys())
