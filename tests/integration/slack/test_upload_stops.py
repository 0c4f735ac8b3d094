"""A picture upload that stops partway fails in bounded time, as one short error."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.adapters.slack.delivery import SlackPoster
from tests.slack.fake_api import FakeSlack
from topology.errors import DeliveryError

HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n"


class StoppingUploads:
    """An upload URL on 127.0.0.1 that answers a few bytes of its body, then drips or drops."""

    def __init__(self, *, drip: bool) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}/upload/F1"
        self._drip = drip
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        connection, _ = self._server.accept()
        with connection:
            connection.recv(65_536)
            connection.sendall(HEADERS + b"OK")
            while self._drip and not self._stop.wait(0.2):
                connection.sendall(b".")

    def close(self) -> None:
        self._stop.set()
        self._server.close()
        self._thread.join(5)


class UploadsTo(WebClient):
    """A Web API client on the fake Slack whose upload URLs lead to `url`."""

    def __init__(self, base_url: str, url: str) -> None:
        super().__init__(token="xoxb-test", base_url=base_url, timeout=5)
        self._url = url

    def files_getUploadURLExternal(self, **_: object) -> dict[str, str]:  # type: ignore[override]  # noqa: N802 - Slack's name
        return {"file_id": "F1", "upload_url": self._url}


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    yield fake
    fake.close()


@pytest.mark.parametrize("drip", [False, True], ids=["dropped", "dripping"])
def test_an_upload_that_stops_partway_is_one_delivery_error_within_the_timeout(slack, drip):
    uploads = StoppingUploads(drip=drip)
    poster = SlackPoster(UploadsTo(f"{slack.url}/api/", uploads.url), upload_timeout_s=1.0)
    started = time.monotonic()
    try:
        with pytest.raises(DeliveryError) as caught:
            poster.upload("C1", b"\x89PNG", filename="a.png", title="a", alt_text="a")
    finally:
        uploads.close()
    assert time.monotonic() - started < 4
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith("Slack files.upload failed:")
    assert "files.completeUploadExternal" not in slack.methods()
