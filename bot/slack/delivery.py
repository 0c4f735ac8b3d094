"""Sending to Slack through its Web API client: messages, ephemeral notes, pictures."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from topology.errors import SvcmapError

CHANNEL_PROBLEMS = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "no_permission"}
)
"""Errors that mean the bot cannot post in the channel, though Slack itself is fine."""


class DeliveryError(SvcmapError):
    """Slack refused or did not answer a call; `code` is Slack's error code when it gave one."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code

    @property
    def channel_problem(self) -> bool:
        """Whether the bot cannot post in the channel (not invited, archived, ...)."""
        return self.code in CHANNEL_PROBLEMS


class SlackPoster:
    """Posts messages and uploads pictures with the `WebClient` it is given."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    def post(
        self,
        channel: str,
        blocks: Sequence[dict[str, object]],
        text: str,
        *,
        thread_ts: str | None = None,
    ) -> str:
        """Post a message; its `ts`, which threads and updates refer to."""
        try:
            response = self._client.chat_postMessage(
                channel=channel,
                blocks=list(blocks),
                text=text,
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
            )
        except (SlackApiError, SlackClientError, OSError) as error:
            raise _delivery_error("chat.postMessage", error) from None
        ts = response.get("ts")
        if not isinstance(ts, str):
            raise DeliveryError("chat.postMessage answered without a message ts")
        return ts

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
        """Share a picture in `channel` through Slack's external upload flow."""
        try:
            self._client.files_upload_v2(
                channel=channel,
                content=content,
                filename=filename,
                title=title,
                alt_txt=alt_text,
                thread_ts=thread_ts,
            )
        except (SlackApiError, SlackClientError, OSError) as error:
            raise _delivery_error("files.upload", error) from None


def _delivery_error(method: str, error: SlackClientError | OSError) -> DeliveryError:
    if isinstance(error, SlackApiError):
        code = str(error.response.get("error", "")) if error.response is not None else ""
        status = error.response.status_code if error.response is not None else "?"
        return DeliveryError(f"Slack {method} failed: {code or f'HTTP {status}'}", code)
    return DeliveryError(f"Slack {method} failed: {type(error).__name__}: {error}")
