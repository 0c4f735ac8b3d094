"""A fake Slack Web API on 127.0.0.1 that answers with Slack's recorded payloads and records
every call: `chat.*`, the external file upload flow, `usergroups.users.list`, `users.info`,
and the `response_url` hooks Slack gives each command and button press.

`chat.update`, `chat.getPermalink` and `users.info` have no recorded answers in the shared
fixtures; they answer in the shape Slack's method pages document. Channel names are answered
with a channel ID, as Slack does.

Messages posted are kept per channel, with their message metadata, and read back by
`conversations.history` (top-level messages, newest first, metadata only when
`include_all_metadata` is set), `conversations.replies` (a thread, oldest first) and
`conversations.list` (the channels named in any call), in the shapes their method pages
document. `stall` makes a method answer late, `lose` makes it act on nothing (a request
that never reached Slack), `before` runs a function before a method answers."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

API = Path(__file__).resolve().parents[1] / "fixtures" / "api"


def recorded(name: str) -> dict[str, object]:
    """A recorded Slack payload from the shared fixtures."""
    data = json.loads((API / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@dataclass
class Call:
    """One request the fake received."""

    path: str
    params: dict[str, object]
    headers: dict[str, str]
    body: bytes = b""

    @property
    def method(self) -> str:
        return self.path.removeprefix("/api/")

    def blocks(self) -> list[dict[str, object]]:
        value = self.params.get("blocks", [])
        blocks = json.loads(value) if isinstance(value, str) else value
        assert isinstance(blocks, list)
        return blocks

    def text_of_blocks(self) -> str:
        """Every piece of text in the blocks, joined: what a reader sees."""
        return "\n".join(_texts(self.blocks()))

    def mrkdwn_of_blocks(self) -> str:
        """The text Slack reads as mrkdwn (where mentions and links work), joined."""
        return "\n".join(_texts(self.blocks(), kind="mrkdwn"))


@dataclass
class FakeSlack:
    """The fake server; `fail` makes a method answer Slack's error for a channel."""

    members: dict[str, list[str]] = field(default_factory=dict)
    people: dict[str, dict[str, object]] = field(default_factory=dict)
    """User ID -> the user's `profile` as `users.info` gives it."""
    fail: dict[tuple[str, str], str] = field(default_factory=dict)
    """(method, channel or "*") -> Slack's error code, answered with HTTP 200."""
    status: dict[tuple[str, str], int] = field(default_factory=dict)
    """(method, channel or "*") -> an HTTP status answered with a body that is not JSON."""
    calls: list[Call] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    socket_url: str = ""
    messages: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    """Channel ID -> the messages posted in it, oldest first."""
    stall: dict[str, float] = field(default_factory=dict)
    """Method -> seconds it waits before answering (once it did its work)."""
    lose: set[str] = field(default_factory=set)
    """Methods whose requests are acted on by nothing (they still wait `stall`)."""
    before: dict[str, Callable[[], None]] = field(default_factory=dict)
    """Method -> a function run before it answers."""
    live_ts: bool = False
    """Whether a message's `ts` is the time it was posted (else fixed seconds, 1700000000)."""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        self._counter = 0
        self._names: dict[str, str] = {}
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str = "1") -> str:
        return f"{self.url}/hooks/{name}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def of(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """The calls of `method` once there are `count` of them; fails after `timeout`."""
        with self._done:
            ok = self._done.wait_for(
                lambda: sum(c.method == method for c in self.calls) >= count, timeout
            )
            found = [call for call in self.calls if call.method == method]
        assert ok, f"expected {count} {method} call(s), got {len(found)}: {self.methods()}"
        return found

    def methods(self) -> list[str]:
        with self._lock:
            return [call.method for call in self.calls]

    def answer(self, call: Call) -> tuple[int, bytes, str]:
        with self._done:
            self.calls.append(call)
            self._counter += 1
            number = self._counter
            self._done.notify_all()
        if call.path.startswith("/hooks/"):
            return 200, b"ok", "text/plain"
        if call.path.startswith("/upload/"):
            with self._lock:
                self.uploads[call.path.rsplit("/", 1)[-1]] = call.body
            return 200, f"OK - {len(call.body)}".encode(), "text/plain"
        channel = str(call.params.get("channel") or call.params.get("channel_id") or "")
        status = self.status.get((call.method, channel)) or self.status.get((call.method, "*"))
        if status:
            return status, b"<html>upstream connect error</html>", "text/html"
        error = self.fail.get((call.method, channel)) or self.fail.get((call.method, "*"))
        if error:
            return 200, json.dumps({"ok": False, "error": error}).encode(), "application/json"
        if channel.startswith("#"):  # a channel of the workspace, for conversations.list
            with self._lock:
                self._names[channel[1:]] = channel_id(channel)
        result = {"ok": True} if call.method in self.lose else self._result(call, number)
        time.sleep(self.stall.get(call.method, 0.0))
        if call.method in self.before:
            self.before[call.method]()
        return 200, json.dumps(result).encode(), "application/json"

    def posted_in(self, channel: str) -> list[dict[str, object]]:
        """The messages kept in `channel` (an ID or a name), oldest first."""
        with self._lock:
            return list(self.messages.get(channel_id(channel), []))

    def _keep(self, channel: str, message: dict[str, object]) -> None:
        with self._lock:
            self.messages.setdefault(channel, []).append(message)

    def _read(self, call: Call) -> dict[str, object]:
        """The answer of `conversations.history`, `.replies` or `.list`."""
        params = call.params
        if call.method == "conversations.list":
            with self._lock:
                named = sorted(self._names.items())
            channels = [{"id": cid, "name": name, "is_channel": True} for name, cid in named]
            return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}
        channel = str(params.get("channel", ""))
        if not channel or channel.startswith("#"):
            return {"ok": False, "error": "channel_not_found"}
        with self._lock:
            kept = list(self.messages.get(channel, []))
        oldest = float(str(params.get("oldest") or 0))
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        if call.method == "conversations.replies":
            thread = str(params.get("ts", ""))
            found = [m for m in kept if m["ts"] == thread or m.get("thread_ts") == thread]
            if not found:
                return {"ok": False, "error": "thread_not_found"}
        else:
            found = [m for m in reversed(kept) if m.get("thread_ts") in (None, m["ts"])]
        found = [m for m in found if float(str(m["ts"])) > oldest]
        start = int(str(params.get("cursor") or 0))
        limit = int(str(params.get("limit") or 100))
        page = found[start : start + limit]
        more = start + limit < len(found)
        shown = [m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
                 for m in page]  # fmt: skip
        return {
            "ok": True,
            "messages": shown,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _result(self, call: Call, number: int) -> dict[str, object]:  # noqa: PLR0911, PLR0912 -- one per method
        method = call.method
        ts = f"{int(time.time()) if self.live_ts else 1_700_000_000}.{number:06d}"
        if method == "chat.postMessage":
            answer = recorded("slack_chat_postMessage_response.json")
            message = dict(answer["message"])  # type: ignore[call-overload]
            message.update(ts=ts, text=call.params.get("text", ""))
            named = str(call.params.get("channel", ""))
            channel = channel_id(named)
            metadata = call.params.get("metadata")
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            kept = {**message, "metadata": metadata} if metadata else dict(message)
            if call.params.get("thread_ts"):
                kept["thread_ts"] = call.params["thread_ts"]
            self._keep(channel, kept)
            return {**answer, "channel": channel, "ts": ts, "message": message}
        if method.startswith("conversations."):
            return self._read(call)
        if method == "chat.update":
            message = {"text": call.params.get("text", ""), "type": "message", "bot_id": "B111"}
            channel, ts = str(call.params.get("channel", "")), call.params.get("ts")
            return {
                "ok": True,
                "channel": channel,
                "ts": ts,
                "text": message["text"],
                "message": message,
            }
        if method == "chat.getPermalink":
            channel, ts = (
                str(call.params.get("channel", "")),
                str(call.params.get("message_ts", "")),
            )
            link = f"https://ghostbusters.slack.com/archives/{channel}/p{ts.replace('.', '')}"
            return {"ok": True, "channel": channel, "permalink": link}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "files.getUploadURLExternal":
            answer = recorded("slack_files_getUploadURLExternal_response.json")
            file_id = f"F{number:08d}"
            return {**answer, "file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            answer = recorded("slack_files_completeUploadExternal_response.json")
            files = json.loads(str(call.params.get("files", "[]")))
            first = answer["files"][0]  # type: ignore[index]
            return {**answer, "files": [{**first, **f} for f in files]}
        if method == "usergroups.users.list":
            group = str(call.params.get("usergroup", ""))
            if group not in self.members:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": self.members[group]}
        if method == "users.info":
            user = str(call.params.get("user", ""))
            if user not in self.people:
                return {"ok": False, "error": "user_not_found"}
            profile = self.people[user]
            return {
                "ok": True,
                "user": {"id": user, "name": user.lower(), "real_name": profile.get("real_name")}
                | {"profile": profile},
            }
        if method == "apps.connections.open":
            if not self.socket_url:
                return {"ok": False, "error": "invalid_auth"}
            return {"ok": True, "url": self.socket_url}
        if method == "auth.test":
            return {"ok": True, "user_id": "U0SVCMAP", "team_id": "T111", "bot_id": "B111"}
        return {"ok": False, "error": "unknown_method"}


def channel_id(channel: str) -> str:
    """The ID the fake gives a channel: a name (`#web`) gets a stable `C...` ID."""
    if not channel.startswith("#"):
        return channel
    return "C" + hashlib.blake2b(channel.encode(), digest_size=4).hexdigest().upper()


def _texts(value: object, kind: str | None = None) -> list[str]:
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                if kind is None or value.get("type") == kind:
                    found.append(item)
            else:
                found.extend(_texts(item, kind))
        return found
    if isinstance(value, list):
        return [text for item in value for text in _texts(item, kind)]
    return []


def _handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            params: dict[str, object] = dict(parse_qsl(urlsplit(self.path).query))
            call = Call(urlsplit(self.path).path, params, dict(self.headers.items()))
            self._reply(*fake.answer(call))

        def _reply(self, status: int, answer: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            kind = self.headers.get("Content-Type", "")
            params: dict[str, object] = {}
            if "json" in kind:
                loaded = json.loads(body or b"{}")
                params = loaded if isinstance(loaded, dict) else {}
            elif "form" in kind and self.path.startswith("/api/"):
                params = dict(parse_qsl(body.decode("utf-8")))
            params.update(parse_qsl(urlsplit(self.path).query))
            call = Call(urlsplit(self.path).path, params, dict(self.headers.items()), body)
            status, answer, content_type = fake.answer(call)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 -- silenced
            pass

    return Handler
