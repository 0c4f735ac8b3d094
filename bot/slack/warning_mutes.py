"""The "Mute for 24h" button of a heads-up: checked against its seal, then kept in the store.

The value is untrusted: read strictly (`read_mute_value`), it mutes only the warning it
was sealed for, pressed on the message it was posted as. The outcome is shown to the
presser alone.
"""

from __future__ import annotations

import logging

from bot.adapters.store.early_warnings import WarningLog
from bot.bootstrap import App
from bot.slack.incident_buttons import Pressed
from bot.slack.mrkdwn import escape
from bot.slack.warning_view import MUTE_S, mute_sealer, read_mute_value, sealed_subject
from topology.errors import StoreError
from topology.timespec import format_time

log = logging.getLogger(__name__)


class WarningMutes:
    """Handles presses of the mute buttons for one built `App`."""

    def __init__(self, app: App, log_of: WarningLog | None = None) -> None:
        self._app = app
        self._warnings = log_of or WarningLog(app.engine)

    def mute(self, pressed: Pressed) -> None:
        """Mute the warning the button names for 24 hours, if its seal holds."""
        read = read_mute_value(pressed.value)
        secret = self._app.settings.slack_signing_secret
        if read is None or secret is None:
            self._tell(pressed, "That button carried nothing svcmap can mute.")
            return
        subject, metric, seal = read
        sealer = mute_sealer(secret.get_secret_value())
        key = sealed_subject(subject, metric)
        if not sealer.holds(seal, pressed.channel, pressed.message_ts, key):
            self._tell(pressed, "That button does not belong to this message; nothing muted.")
            return
        until = self._app.now() + MUTE_S
        try:
            found = self._warnings.mute((subject, metric), until)
        except StoreError as error:
            log.warning("could not mute a warning: %s", error)
            self._tell(pressed, "svcmap could not reach its store; nothing muted. Try again.")
            return
        if not found:
            self._tell(pressed, "svcmap no longer keeps that warning; nothing muted.")
            return
        self._tell(pressed, f"Muted warnings about {escape(subject)} until {format_time(until)}.")

    def _tell(self, pressed: Pressed, text: str) -> None:
        try:
            pressed.respond(text=text, response_type="ephemeral", replace_original=False)
        except OSError as error:
            log.warning("could not answer the presser: %s", error)
