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


class CommandError(UsageError):
    """The command text cannot be read; `help` is the usage of the subcommand it names."""

    def __init__(self, message: str, help_text: str) -> None:
        super().__init__(message)
        self.help = help_text


class UnknownCallError(SvcmapError):
    """Both services are on the map, but one does not call the other."""


class SettingsError(SvcmapError):
    """A setting has a value svcmap cannot use."""


class RenderError(SvcmapError):
    """A picture could not be rendered; the caller answers with text instead."""


class SnapshotError(SvcmapError):
    """An incident snapshot could not be read; the message names the source and the place."""


class RemoteError(SvcmapError):
    """A remote server could not be asked, or refused; says whether asking again may help.

    `status` is the HTTP status when the server answered; `retryable` says whether asking
    again later may help (429, 5xx, connection errors, timeouts); `retry_after_s` is the
    server's `Retry-After`, in seconds, when it gave one.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.retry_after_s = retry_after_s


class SourceError(RemoteError):
    """A trace or edge source could not be read; the message names the source and what failed."""


class PagingError(RemoteError):
    """A page could not be sent; the message says what the paging service answered."""


class NoticeError(RemoteError):
    """A post could not be sent; the message says what the chat service answered."""


class DeliveryError(RemoteError):
    """The chat service refused or did not answer a call; `code` is its error code, if any.

    The adapter that met the refusal says whether asking again later may work
    (`retryable`) and whether the bot cannot post in the channel at all (`channel_problem`:
    not invited, archived, ...).
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        status: int | None = None,
        retryable: bool = False,
        channel_problem: bool = False,
    ) -> None:
        super().__init__(message, status=status, retryable=retryable)
        self.code = code
        self.channel_problem = channel_problem


class AlertFormatError(SvcmapError):
    """An alert webhook body could not be read; the message says where and why."""
