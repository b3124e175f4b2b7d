"""Results computed over the whole data of an area, kept until that data changes.

Each entry remembers the data version (portal/data_version.py) it was computed at; a request that reads a
newer version recomputes. The version is read before the numbers, and writers bump it in the same
transaction as their data, so an entry is never older than its version. One cache per app and process:
gunicorn workers each fill their own, which costs one computation per worker after each change.
"""
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app, g

from portal import data_version
from portal.extensions import db

ENTRIES = 512  # areas × filters in use at once; a city has 1 + 3 + 15 areas above RT level


class SummaryCache:
    def __init__(self, entries: int = ENTRIES):
        self._entries = entries
        self._items: OrderedDict[Hashable, tuple[int, object]] = OrderedDict()
        self._lock = threading.Lock()  # gthread workers serve requests on several threads

    def get(self, key: Hashable, version: int, compute: Callable[[], object]):
        with self._lock:
            found = self._items.get(key)
            if found and found[0] == version:
                self._items.move_to_end(key)
                return found[1]
        value = compute()
        with self._lock:
            self._items[key] = (version, value)
            self._items.move_to_end(key)
            while len(self._items) > self._entries:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def init_app(app) -> None:
    app.extensions["summary_cache"] = SummaryCache()


def cached(key: Hashable, compute: Callable[[], object]):
    """`compute()`, or its result from an earlier call with the same key and unchanged data."""
    if "data_version" not in g:  # once per request: GET pages that show summaries write nothing
        g.data_version = data_version.current(db.session)
    return current_app.extensions["summary_cache"].get(key, g.data_version, compute)
