"""A fake Socket Mode endpoint on 127.0.0.1: says hello, sends envelopes, records the acks."""

from __future__ import annotations

import json
import queue
import threading

from websockets.sync.server import ServerConnection, serve


class FakeSocketMode:
    """One WebSocket server; `send` queues an envelope for the connected client."""

    def __init__(self) -> None:
        self.acks: queue.Queue[dict[str, object]] = queue.Queue()
        self._outbox: queue.Queue[dict[str, object]] = queue.Queue()
        self._server = serve(self._talk, "127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/link"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def send(self, kind: str, payload: dict[str, object], envelope_id: str) -> None:
        self._outbox.put(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind == "slash_commands",
            }
        )

    def close(self) -> None:
        self._server.shutdown()

    def _talk(self, connection: ServerConnection) -> None:
        hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A111"}}
        connection.send(json.dumps(hello))
        while True:
            try:
                envelope = self._outbox.get(timeout=0.05)
            except queue.Empty:
                envelope = None
            if envelope is not None:
                connection.send(json.dumps(envelope))
            try:
                message = connection.recv(timeout=0.05)
            except TimeoutError:
                continue
            except Exception:  # noqa: BLE001 -- the client went away: the talk is over
                return
            if isinstance(message, str):
                self.acks.put(json.loads(message))
