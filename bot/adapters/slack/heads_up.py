"""`SlackHeadsUp`: an early warning posted in its owner's channel, with a sealed mute button.

The owner is the team of the service (of an edge `parent->child`, the callee's team, else
the caller's), reached in its Slack channel. The message is posted, then edited to carry
its "Mute for 24h" button, sealed to the channel and message it went to; the picture of
the neighbourhood goes in its thread. Once posted nothing raises, so it is never posted
twice; a button or picture that failed is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.adapters.slack.delivery import SlackPoster
from bot.slack.seals import Sealer
from bot.slack.warning_view import heads_up_message, mute_value, sealed_subject, with_mute_button
from topology.errors import DeliveryError, NoticeError, SvcmapError
from topology.ownership import Catalog, Team
from topology.picture import Picture
from topology.rca.edges import edge_parts
from topology.warnings.track import KeptWarning

log = logging.getLogger(__name__)


def owner_of(subject: str, catalog: Catalog) -> Team | None:
    """The team to tell about `subject`, when it has a channel."""
    names = reversed(edge_parts(subject)) if "->" in subject else (subject,)
    for name in names:
        team = catalog.team_of(name)
        if team is not None and team.slack_channel:
            return team
    return None


class SlackHeadsUp:
    """A `HeadsUp` posting in Slack."""

    def __init__(
        self,
        poster: SlackPoster,
        sealer: Sealer,
        *,
        catalog: Callable[[], Catalog],
        draw: Callable[[Picture], bytes],
    ) -> None:
        self._poster = poster
        self._sealer = sealer
        self._catalog = catalog
        self._draw = draw

    def post(self, warning: KeptWarning, picture: Picture | None) -> bool:
        """Post `warning`; False when its owner has no channel. Raises NoticeError."""
        finding = warning.finding
        team = owner_of(finding.subject, self._catalog())
        if team is None or team.slack_channel is None:
            return False
        message = heads_up_message(finding, team.name)
        try:
            channel, ts = self._poster.post_in(team.slack_channel, message.blocks, message.text)
        except DeliveryError as error:
            raise NoticeError(str(error), status=error.status, retryable=error.retryable) from None
        key = sealed_subject(finding.subject, finding.metric)
        value = mute_value(finding.subject, finding.metric, self._sealer.seal(channel, ts, key))
        try:
            if value is not None:
                button = with_mute_button(message, value)
                self._poster.update(channel, ts, button.blocks, button.text)
            if picture is not None:
                self._poster.upload(
                    channel,
                    self._draw(picture),
                    filename="svcmap-warning.png",
                    title=f"Around {finding.subject}"[:200],
                    alt_text=f"map around {finding.subject}"[:200],
                    thread_ts=ts,
                )
        except SvcmapError as error:
            log.warning("heads-up about %s posted without all of it: %s", finding.subject, error)
        return True
