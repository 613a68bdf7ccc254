"""Public pages rendered once and kept for a few seconds.

Every community's hall screen reloads its ranking board each minute and the board is the
same for whoever asks, so rendering it afresh for each screen is wasted work. Each process
keeps its own copies (no shared store to fail or to go stale across a deploy); the cost is
that a board may show a newly published snapshot, or drop a member who asked to be hidden,
up to ``PUBLIC_PAGE_SECONDS`` late. 0 turns the cache off (the test suite does, so a test
sees what it just wrote).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import TypeVar
from collections.abc import Callable, Hashable

from flask import Flask, current_app

T = TypeVar("T")


class PageCache:
    """Rendered pages by key, each kept ``seconds``; the least recently used go past ``most``."""

    def __init__(self, seconds: float, most: int = 2048, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self.most = most
        self.clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()  # gthread workers serve several requests at once

    def fetch(self, key: Hashable, render: Callable[[], T]) -> T:
        if self.seconds <= 0:
            return render()
        now = self.clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] > now:
                self._entries.move_to_end(key)
                return entry[1]  # type: ignore[return-value]
        # Rendered outside the lock: two requests may both render a missing page, which is
        # cheaper than making every other page wait behind one render.
        page = render()
        with self._lock:
            self._entries[key] = (now + self.seconds, page)
            self._entries.move_to_end(key)
            while len(self._entries) > self.most:
                self._entries.popitem(last=False)
        return page

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def install(app: Flask) -> None:
    app.extensions["public_pages"] = PageCache(float(app.config.get("PUBLIC_PAGE_SECONDS", 0)))


def public_page(key: Hashable, render: Callable[[], T]) -> T:
    return current_app.extensions["public_pages"].fetch(key, render)
