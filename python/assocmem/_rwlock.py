"""A readers-writer lock: many readers at once, one writer alone.

Recalls are readers and run in parallel (the kernels release the GIL); a
``store`` is a writer: it waits until the recalls in flight have finished,
and recalls that start while a writer waits queue behind it (writer
preference, so a stream of recalls cannot starve a store).  Not reentrant:
code holding the lock must not take it again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class RWLock:
    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._cond = threading.Condition(self._mutex)
        self._readers = 0
        self._writer = False
        self._waiting_writers = 0

    def acquire_read(self) -> None:
        """Shared acquisition (hot paths call this and release_read in a
        try/finally: cheaper than the read() context manager)."""
        with self._mutex:
            while self._writer or self._waiting_writers:
                self._cond.wait()
            self._readers += 1

    def release_read(self) -> None:
        with self._mutex:
            self._readers -= 1
            if self._readers == 0 and self._waiting_writers:
                self._cond.notify_all()

    @contextmanager
    def read(self) -> Iterator[None]:
        self.acquire_read()
        try:
            yield
        finally:
            self.release_read()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._mutex:
            self._waiting_writers += 1
            try:
                while self._writer or self._readers:
                    self._cond.wait()
            finally:
                self._waiting_writers -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._mutex:
                self._writer = False
                self._cond.notify_all()
