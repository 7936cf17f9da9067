"""The board report's Word and PDF files, kept while what they show is unchanged.

Laying out the PDF takes WeasyPrint seconds: at 1,000 cases the table of reviews in
progress is about 280 rows over twenty landscape pages. The business office asks for the
same report several times while preparing a board (Word to edit, PDF to circulate,
again after checking a figure), so a file is built once and served again while the
report it shows is the same.

The key is a SHA-256 of the format and the report rendered as the print HTML, which
holds every value either file shows (the parameters, the counts, each row, each update
and its note): any change to the data or the parameters gives a new key, so a cached
file is never stale, and two people who would get the same report get the same bytes,
never more. (A value added to the Word file must be added to that template too; they
show the same report.)

Files are kept in this process's memory only, a few at a time and for
``FILE_CACHE_MINUTES``: nothing is written to disk, and a case's text leaves the cache
within minutes of leaving the database. Each gunicorn worker builds its own copy once.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import render_template

from portal.clock import utcnow

from .board import BoardReport

PRINT_TEMPLATE = "reports/board-report-print.html"
FILE_CACHE_MINUTES = 15
FILE_CACHE_SIZE = 6  # about 100 KB each


def print_html(report: BoardReport) -> str:
    return render_template(PRINT_TEMPLATE, report=report)


class FileCache:
    """A small LRU of built files with an expiry, safe to share between a worker's threads."""

    def __init__(self, size: int = FILE_CACHE_SIZE, minutes: int = FILE_CACHE_MINUTES):
        self.size, self.lifetime = size, timedelta(minutes=minutes)
        self._files: OrderedDict[str, tuple[datetime, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_build(self, key: str, build: Callable[[], bytes]) -> bytes:
        now = utcnow()
        with self._lock:
            found = self._files.get(key)
            if found is not None and now - found[0] < self.lifetime:
                self._files.move_to_end(key)
                self.hits += 1
                return found[1]
        body = build()  # outside the lock: another report can be served meanwhile
        with self._lock:
            self.misses += 1
            self._files[key] = (now, body)
            self._files.move_to_end(key)
            while len(self._files) > self.size:
                self._files.popitem(last=False)
        return body

    def clear(self) -> None:
        with self._lock:
            self._files.clear()
            self.hits = self.misses = 0


cache = FileCache()


def build_file(extension: str, report: BoardReport, render: Callable[[BoardReport, str], bytes]) -> bytes:
    """The file of ``report`` in ``extension``; ``render(report, html)`` builds it when not cached."""
    html = print_html(report)
    key = hashlib.sha256(f"{extension}\n{html}".encode()).hexdigest()
    return cache.get_or_build(key, lambda: render(report, html))
