"""The catalog the answers use, kept fresh while the process runs."""

from __future__ import annotations

import threading
from collections.abc import Callable

from topology.ownership import Catalog, overlay


class LiveCatalog:
    """The catalog file's entries laid over the last catalog a source read successfully.

    Before any successful read, and whenever reads fail, the last good catalog stays in
    use (at first: the file's alone). Safe to read from any thread while one updates.
    Both are named as the map names services: `name` (redaction) is applied to each.
    """

    def __init__(
        self, local: Catalog | None = None, *, name: Callable[[Catalog], Catalog] | None = None
    ) -> None:
        self._name = name or (lambda catalog: catalog)
        self._local = self._name(local or Catalog())
        self._current = self._local
        self._lock = threading.Lock()

    def current(self) -> Catalog:
        """The catalog to answer with now."""
        return self._current

    def update(self, remote: Catalog) -> None:
        """Use `remote`, a fresh read of the catalog source, under the file's entries."""
        with self._lock:
            self._current = overlay(self._name(remote), self._local)
