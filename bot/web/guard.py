"""The door of every HTTP surface: allowed hosts, bearer tokens, sign-in and CSRF.

`decide` is the pure rule; `Guard` is the ASGI middleware that asks it of each request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.settings import Settings
from bot.settings_fields import SecretStr
from bot.web.admission import (
    SLACK_ISSUER,
    Network,
    Rules,
    admit,
    for_source,
    from_trusted_proxy,
    identity_from_proxy,
    networks,
)
from bot.web.auth import bearer_matches
from bot.web.csrf import HEADER, csrf_valid
from bot.web.hosts import allowed_hosts, host_allowed

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_USER = "user"
SIGNIN_PATH = "/auth/signin"


class Surface(Enum):
    """What a path is, for the guard."""

    HEALTH = "health"  # open: orchestrators probe it by the pod's address
    OWN_CHECK = "own check"  # Slack's signature, the webhook credential, the demo's loopback rule
    OTLP = "otlp"
    METRICS = "metrics"
    SIGNIN = "sign-in"
    VIEW = "view"


_EXACT = {
    "/livez": Surface.HEALTH,
    "/readyz": Surface.HEALTH,
    "/healthz": Surface.HEALTH,
    "/slack/events": Surface.OWN_CHECK,
    "/alerts/alertmanager": Surface.OWN_CHECK,
    "/v1/traces": Surface.OTLP,
    "/v1/logs": Surface.OTLP,
    "/v1/metrics": Surface.OTLP,
    "/metrics": Surface.METRICS,
}


def surface_of(path: str) -> Surface:
    """The surface a request path belongs to; anything unknown is the view's."""
    if path in _EXACT:
        return _EXACT[path]
    if path.startswith("/demo/"):
        return Surface.OWN_CHECK
    if path.startswith("/auth/"):
        return Surface.SIGNIN
    return Surface.VIEW


@dataclass(frozen=True, slots=True)
class Protection:
    """What guards each surface, from the settings."""

    hosts: frozenset[str]
    otlp_tokens: tuple[SecretStr, ...] = ()
    metrics_tokens: tuple[SecretStr, ...] = ()
    proxies: tuple[Network, ...] = ()
    user_header: str = "x-forwarded-user"
    email_header: str = "x-forwarded-email"
    signin: bool = False
    rules: Rules = field(default_factory=Rules)
    lifetime_s: int = 12 * 3600

    @property
    def view_guarded(self) -> bool:
        """Whether the web view asks who is there."""
        return self.signin or bool(self.proxies)


def protection(settings: Settings, listen_host: str) -> Protection:
    """The guard's configuration from the settings, for a server listening on `listen_host`."""
    issuer = settings.oidc_issuer.rstrip("/")
    return Protection(
        hosts=allowed_hosts(settings.allowed_hosts, listen_host),
        otlp_tokens=settings.otlp_tokens,
        metrics_tokens=settings.metrics_tokens,
        proxies=networks(settings.web_trusted_proxies),
        user_header=settings.web_proxy_user_header.lower(),
        email_header=settings.web_proxy_email_header.lower(),
        signin=bool(issuer),
        rules=Rules(
            emails=frozenset(settings.web_allowed_emails),
            groups=frozenset(settings.web_allowed_groups),
            slack_workspace=settings.web_slack_workspace if issuer == SLACK_ISSUER else "",
            slack_groups=frozenset(settings.slack_allowed_groups if issuer == SLACK_ISSUER else ()),
        ),
        lifetime_s=settings.web_session_lifetime,
    )


@dataclass(frozen=True, slots=True)
class Asked:
    """What the guard reads of a request."""

    path: str
    method: str = "GET"
    query: str = ""
    host: str | None = None
    authorization: str | None = None
    client: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    session: Mapping[str, object] = field(default_factory=dict)
    now: float = 0.0


@dataclass(frozen=True, slots=True)
class Refusal:
    """A request turned away: its status and why; a redirect when `location` is set."""

    status: int
    message: str
    location: str = ""
    challenge: str = ""


def decide(asked: Asked, guard: Protection) -> Refusal | None:
    """Whether a request may go on (None), or how it is refused."""
    surface = surface_of(asked.path)
    if surface in (Surface.HEALTH, Surface.OWN_CHECK):
        return None
    tokens = {Surface.OTLP: guard.otlp_tokens, Surface.METRICS: guard.metrics_tokens}.get(surface)
    if tokens:
        return _bearer(
            asked, tokens, "svcmap-otlp" if surface is Surface.OTLP else "svcmap-metrics"
        )
    if not host_allowed(asked.host, guard.hosts):
        return Refusal(400, "svcmap does not answer to this host name (SVCMAP_ALLOWED_HOSTS)")
    refused = _who(asked, guard) if surface is Surface.VIEW and guard.view_guarded else None
    unsafe = surface in (Surface.VIEW, Surface.SIGNIN) and asked.method not in SAFE_METHODS
    if refused is None and unsafe and not csrf_valid(asked.session, asked.headers.get(HEADER)):
        refused = Refusal(403, f"missing or wrong {HEADER}: reload the page")
    return refused


def _bearer(asked: Asked, tokens: tuple[SecretStr, ...], realm: str) -> Refusal | None:
    """A route taking bearer tokens: they alone decide, whatever the host name."""
    if bearer_matches(asked.authorization, tokens):
        return None
    return Refusal(401, "send Authorization: Bearer <token>", challenge=f'Bearer realm="{realm}"')


def _who(asked: Asked, guard: Protection) -> Refusal | None:
    """None when the request comes from someone let in; else how to refuse it."""
    if from_trusted_proxy(asked.client, guard.proxies):
        person = identity_from_proxy(
            asked.headers.get(guard.user_header), asked.headers.get(guard.email_header)
        )
        if person is not None:
            verdict = admit(person, for_source(guard.rules, slack=False), {})
            return None if verdict.allowed else Refusal(403, verdict.reason)
    if signed_in(asked.session, asked.now, guard.lifetime_s):
        return None
    api = asked.path.startswith("/api/") or asked.method not in SAFE_METHODS
    if guard.signin and not api:
        target = asked.path + (f"?{asked.query}" if asked.query else "")
        return Refusal(303, "sign in first", location=f"{SIGNIN_PATH}?next={quote(target)}")
    how = "sign in at /auth/signin" if guard.signin else "come through the sign-in proxy"
    return Refusal(401, f"who are you? {how}")


def signed_in(session: Mapping[str, object], now: float, lifetime_s: int) -> bool:
    """Whether the session holds a sign-in younger than `lifetime_s`."""
    user = session.get(SESSION_USER)
    if not isinstance(user, dict):
        return False
    at = user.get("at")
    return isinstance(at, int | float) and 0 <= now - at < lifetime_s


class Guard:
    """ASGI middleware refusing what `decide` refuses; the session must be in the scope."""

    def __init__(
        self, app: ASGIApp, *, guard: Protection, clock: Callable[[], float] = time.time
    ) -> None:
        self.app = app
        self.guard = guard
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse the request, or pass it on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        session: MutableMapping[str, object] = scope.get("session", {})
        asked = Asked(
            path=request.url.path,
            method=request.method,
            query=request.url.query,
            host=request.headers.get("host"),
            authorization=request.headers.get("authorization"),
            client=request.client.host if request.client else None,
            headers=request.headers,
            session=session,
            now=self.clock(),
        )
        refusal = decide(asked, self.guard)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        await _response(refusal)(scope, receive, send)


def _response(refusal: Refusal) -> Response:
    if refusal.location:
        return RedirectResponse(refusal.location, status_code=refusal.status)
    headers = {"www-authenticate": refusal.challenge} if refusal.challenge else None
    return JSONResponse({"error": refusal.message}, refusal.status, headers=headers)
