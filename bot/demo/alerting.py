"""Deliver the demo's alerts to the Alertmanager webhook path, as Alertmanager would."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from bot.demo.alerts import Alert, webhook_payload

WEBHOOK_PATH = "/alerts/alertmanager"
KEPT = 50
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One webhook call: which alert, and the HTTP status it got (0: not delivered)."""

    alert: Alert
    status: int

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        alert = self.alert
        return {
            "alert": alert.name,
            "service": alert.service,
            "state": alert.status,
            "summary": alert.summary,
            "at": alert.starts_at if alert.ends_at is None else alert.ends_at,
            "http_status": self.status,
        }


class AlertmanagerWebhook:
    """Posts each alert group to `POST /alerts/alertmanager` of svcmap, over `client`."""

    def __init__(self, client: httpx.Client, *, external_url: str, token: str = "") -> None:
        self._client = client
        self._external_url = external_url
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._unwired = False
        self.sent: deque[Delivery] = deque(maxlen=KEPT)

    def send(self, alerts: Sequence[Alert]) -> None:
        """Post one webhook per alert; a 404 (no receiver in this build) is logged once."""
        for alert in alerts:
            body = webhook_payload([alert], external_url=self._external_url)
            try:
                answer = self._client.post(WEBHOOK_PATH, json=body, headers=self._headers)
                status = answer.status_code
            except httpx.HTTPError as error:
                log.warning("demo alert %s %s not delivered: %s", alert.name, alert.service, error)
                status = 0
            if status == httpx.codes.NOT_FOUND:
                if not self._unwired:
                    log.info("%s answers 404: this build has no alert receiver", WEBHOOK_PATH)
                self._unwired = True
            elif status >= httpx.codes.BAD_REQUEST:
                log.warning(
                    "%s answered %d to %s %s", WEBHOOK_PATH, status, alert.name, alert.service
                )
            self.sent.append(Delivery(alert, status))
