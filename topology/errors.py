"""The small hierarchy of errors svcmap raises to its callers."""


class SvcmapError(Exception):
    """Base of every error svcmap reports to a user."""


class TraceFormatError(SvcmapError):
    """A trace document could not be read; the message says where and why."""


class UnknownServiceError(SvcmapError):
    """A question named a service the map does not know."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown service {name!r}{hint}")


class CatalogError(SvcmapError):
    """The ownership catalog could not be read."""


class StoreError(SvcmapError):
    """The store could not be reached or migrated."""


class UsageError(SvcmapError):
    """A question was asked with options that do not make sense."""
