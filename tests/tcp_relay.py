"""A TCP relay on 127.0.0.1 in front of a real server, to make the server hang or vanish."""

from __future__ import annotations

import contextlib
import socket
import threading


class TcpRelay:
    """Relays to `target`; `freeze()` stops forwarding (a hung server), `cut()` closes it all."""

    def __init__(self, target: tuple[str, int], *, port: int = 0) -> None:
        """Listen on `port` (any free one by default; a cut relay's, to bring it back)."""
        self._target = target
        self._frozen = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", port))
        self.port: int = self._listener.getsockname()[1]
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def freeze(self) -> None:
        """Keep every connection open but forward nothing more, either way."""
        self._frozen.set()

    def cut(self) -> None:
        """Close the listener and every connection through it."""
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self._listener.close()
        for connection in self._open:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self._target)
            self._open += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if not self._frozen.is_set():
                    sink.sendall(data)
