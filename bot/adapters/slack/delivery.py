"""Sending to Slack through its Web API client: messages, ephemeral notes, pictures.

A message may carry Slack message metadata (`event_type`, `event_payload`), by which it is
found again in its channel's history (`find_marked`): Slack has no idempotency key for
`chat.postMessage`, so that is how a post whose answer was lost is told from one never made.
"""

from __future__ import annotations

import re
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from http.client import HTTPException, IncompleteRead

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from topology.errors import DeliveryError

CHANNEL_PROBLEMS = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "no_permission"}
)
"""Errors that mean the bot cannot post in the channel, though Slack itself is fine."""
PASSING = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable"})
"""Errors Slack answers while it is busy or failing: asking again later may work."""
SERVER_ERROR = 500
HISTORY_PAGE = 200
"""Messages asked for at a time when looking for a marked one (Slack allows up to 999)."""
HISTORY_PAGES = 10
"""Pages of history read at most when looking for a marked message."""
CHANNEL_PAGES = 20
"""Pages of 1,000 channels read at most when looking for a channel's ID by its name."""
CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{6,}")
"""What a Slack conversation ID looks like (a name does not: lower case, or a `#`)."""
UPLOAD_TIMEOUT_S = 20.0
"""How long sending a picture's bytes to Slack may take, all told."""
_CHUNK = 65_536


def refused(message: str, code: str = "", *, status: int | None = None) -> DeliveryError:
    """The `DeliveryError` for Slack's answer: `code` is Slack's error code when it gave one.

    Asking again later may work when Slack did not answer, answered a 5xx or 429, or said
    it is busy; some codes say the bot cannot post in the channel at all.
    """
    return DeliveryError(
        message,
        code=code,
        status=status,
        retryable=_retryable(status, code),
        channel_problem=code in CHANNEL_PROBLEMS,
    )


def _retryable(status: int | None, code: str) -> bool:
    if status is None:
        return not code
    return status >= SERVER_ERROR or status == 429 or code in PASSING  # noqa: PLR2004 - Too Many Requests


class SlackPoster:
    """Posts messages and uploads pictures with the `WebClient` it is given."""

    def __init__(self, client: WebClient, *, upload_timeout_s: float = UPLOAD_TIMEOUT_S) -> None:
        self._client = client
        self._upload_timeout_s = upload_timeout_s
        self._ids: dict[str, str] = {}
        """Channel name -> ID, as Slack answered a post or a `conversations.list`."""

    def post(
        self,
        channel: str,
        blocks: Sequence[dict[str, object]],
        text: str,
        *,
        thread_ts: str | None = None,
    ) -> str:
        """Post a message; its `ts`, which threads and updates refer to."""
        return self.post_in(channel, blocks, text, thread_ts=thread_ts)[1]

    def post_in(
        self,
        channel: str,
        blocks: Sequence[dict[str, object]],
        text: str,
        *,
        thread_ts: str | None = None,
        metadata: Mapping[str, object] | None = None,
    ) -> tuple[str, str]:
        """Post a message; the channel's ID (a name was maybe given) and the message's `ts`.

        `metadata` is Slack message metadata (`event_type` and `event_payload`).
        """
        try:
            response = self._client.chat_postMessage(
                channel=channel,
                blocks=list(blocks),
                text=text,
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
                metadata=dict(metadata) if metadata is not None else None,
            )
        except (SlackApiError, SlackClientError, OSError) as error:
            raise _delivery_error("chat.postMessage", error) from None
        ts = response.get("ts")
        if not isinstance(ts, str):
            raise refused("chat.postMessage answered without a message ts")
        posted_in = response.get("channel")
        if not isinstance(posted_in, str) or not posted_in:
            return channel, ts
        if posted_in != channel:
            self._ids[channel.removeprefix("#")] = posted_in
        return posted_in, ts

    def find_marked(
        self,
        channel: str,
        metadata: Mapping[str, object],
        *,
        since_s: int,
        thread_ts: str | None = None,
    ) -> tuple[str, str] | None:
        """The channel ID and `ts` of a message carrying `metadata`, posted since `since_s`.

        Read from the channel's history (`conversations.history`), or the thread's
        (`conversations.replies`) when `thread_ts` is given, newest first, up to
        `HISTORY_PAGES` pages; a channel named (not an ID) is looked up first
        (`conversations.list`). None when no such message is there, or no such channel.
        """
        try:
            found = self.channel_id(channel)
            if found is None:
                return None
            for message in self._history(found, since_s=since_s, thread_ts=thread_ts):
                ts = message.get("ts")
                if _same_metadata(message.get("metadata"), metadata) and isinstance(ts, str):
                    return found, ts
        except (SlackApiError, SlackClientError, OSError) as error:
            method = "conversations.replies" if thread_ts else "conversations.history"
            raise _delivery_error(method, error) from None
        return None

    def channel_id(self, channel: str) -> str | None:
        """The ID of `channel` (an ID already, or a name with or without `#`); None if unknown.

        A name is looked up once (`conversations.list`), unless a post in it told its ID.
        Raises SlackApiError and the client's errors.
        """
        if CHANNEL_ID.fullmatch(channel):
            return channel
        name = channel.removeprefix("#")
        if name in self._ids:
            return self._ids[name]
        cursor = None
        for _ in range(CHANNEL_PAGES):
            response = self._client.conversations_list(
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=1000,
                cursor=cursor,
            )
            for item in _dicts(response.get("channels")):
                if item.get("name") == name and isinstance(item.get("id"), str):
                    self._ids[name] = str(item["id"])
                    return self._ids[name]
            cursor = _next_cursor(response.get("response_metadata"))
            if cursor is None:
                break
        return None

    def _history(
        self, channel: str, *, since_s: int, thread_ts: str | None
    ) -> Iterator[Mapping[str, object]]:
        cursor = None
        for _ in range(HISTORY_PAGES):
            if thread_ts is None:
                response = self._client.conversations_history(
                    channel=channel, oldest=str(since_s), limit=HISTORY_PAGE,
                    include_all_metadata=True, cursor=cursor,
                )  # fmt: skip
            else:
                response = self._client.conversations_replies(
                    channel=channel, ts=thread_ts, oldest=str(since_s), limit=HISTORY_PAGE,
                    include_all_metadata=True, cursor=cursor,
                )  # fmt: skip
            yield from _dicts(response.get("messages"))
            cursor = _next_cursor(response.get("response_metadata"))
            if cursor is None or not response.get("has_more"):
                return

    def update(self, channel: str, ts: str, blocks: Sequence[dict[str, object]], text: str) -> None:
        """Replace the message `ts` in `channel` (a channel ID) with `blocks`."""
        try:
            self._client.chat_update(channel=channel, ts=ts, blocks=list(blocks), text=text)
        except (SlackApiError, SlackClientError, OSError) as error:
            raise _delivery_error("chat.update", error) from None

    def permalink(self, channel: str, ts: str) -> str | None:
        """The link to message `ts` in `channel`, or None when Slack gives none."""
        try:
            response = self._client.chat_getPermalink(channel=channel, message_ts=ts)
        except (SlackApiError, SlackClientError, OSError) as error:
            raise _delivery_error("chat.getPermalink", error) from None
        link = response.get("permalink")
        return link if isinstance(link, str) and link.startswith("https://") else None

    def whisper(self, channel: str, user: str, text: str, *, thread_ts: str | None = None) -> None:
        """Show `text` (escaped mrkdwn) to `user` alone in `channel`."""
        try:
            self._client.chat_postEphemeral(
                channel=channel, user=user, text=text, thread_ts=thread_ts
            )
        except (SlackApiError, SlackClientError, OSError) as error:
            raise _delivery_error("chat.postEphemeral", error) from None

    def upload(
        self,
        channel: str,
        content: bytes,
        *,
        filename: str,
        title: str,
        alt_text: str,
        thread_ts: str | None = None,
    ) -> None:
        """Share a picture in `channel` through Slack's external upload flow.

        The bytes go to the upload URL Slack gives within `upload_timeout_s` all told, so
        an upload that stops partway fails instead of holding a worker.
        """
        try:
            issued = self._client.files_getUploadURLExternal(
                filename=filename, length=len(content), alt_txt=alt_text
            )
            file_id, url = issued.get("file_id"), issued.get("upload_url")
            if not isinstance(file_id, str) or not isinstance(url, str):
                raise refused("Slack files.getUploadURLExternal gave no upload URL")
            _send(url, content, timeout_s=self._upload_timeout_s)
            self._client.files_completeUploadExternal(
                files=[{"id": file_id, "title": title}], channel_id=channel, thread_ts=thread_ts
            )
        except (SlackApiError, SlackClientError, OSError, HTTPException) as error:
            raise _delivery_error("files.upload", error) from None


def _same_metadata(found: object, wanted: Mapping[str, object]) -> bool:
    if not isinstance(found, dict):
        return False
    return all(found.get(key) == wanted.get(key) for key in ("event_type", "event_payload"))


def _dicts(value: object) -> list[Mapping[str, object]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _next_cursor(metadata: object) -> str | None:
    cursor = metadata.get("next_cursor") if isinstance(metadata, dict) else None
    return cursor if isinstance(cursor, str) and cursor else None


def _send(url: str, content: bytes, *, timeout_s: float) -> None:
    """POST `content` to an upload URL Slack issued, within `timeout_s` seconds all told."""
    if not url.startswith(("https://", "http://")):
        raise refused("Slack gave an upload URL that is not http(s)")
    deadline = time.monotonic() + timeout_s
    request = urllib.request.Request(url, data=content, method="POST")  # noqa: S310 - http(s), checked
    with urllib.request.urlopen(request, timeout=timeout_s) as answer:  # noqa: S310 - as above
        while answer.read1(_CHUNK):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the upload took over {timeout_s:g}s")
        if answer.length:  # the connection closed before the answer's end
            raise IncompleteRead(b"", answer.length)
        status = answer.status
    if status != 200:  # noqa: PLR2004 - OK
        raise refused(f"Slack files.upload failed: HTTP {status}", status=status)


def _delivery_error(
    method: str, error: SlackClientError | OSError | HTTPException
) -> DeliveryError:
    if isinstance(error, SlackApiError):
        response = error.response
        status = response.status_code if response is not None else None
        code = str(response.get("error", "")) if response is not None else ""
        if status is not None and status != 200:  # noqa: PLR2004 - a non-JSON body is no code
            code = ""
        said = code or f"HTTP {status if status is not None else '?'}"
        return refused(f"Slack {method} failed: {said}", code, status=status)
    return refused(f"Slack {method} failed: {type(error).__name__}: {error}")
