"""OpenID Connect sign-in to the web view (Authlib): Slack's by default, any issuer's.

`/auth/signin` sends the browser to the issuer; `/auth/callback` takes the code back,
checks the ID token (signature from the issuer's JWKS, issuer, audience, nonce, expiry),
applies the allow rules and keeps who signed in in the signed session cookie.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Mapping

import httpx
import jinja2
from joserfc.errors import JoseError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.settings import Settings
from bot.web.admission import SLACK_ISSUER, Identity, admit, for_source, identity_from_claims
from bot.web.guard import SESSION_USER, Protection

log = logging.getLogger(__name__)

ISSUER_TIMEOUT_S = 10.0
NEXT_CHARS = 2_000
MembersOf = Callable[[frozenset[str]], Mapping[str, frozenset[str]]]
"""Slack user group -> its members, for the groups asked about."""

_PAGE = jinja2.Environment(autoescape=True).from_string(
    "<!doctype html><html lang=en><meta charset=utf-8><title>svcmap</title>"
    "<body><h1>svcmap</h1><p>{{ message }}</p>"
    '<p><a href="/auth/signin">Sign in{{ " again" if again else "" }}</a></p></body></html>'
)
_PAGE_HEADERS = {
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


def signin_routes(
    settings: Settings,
    guard: Protection,
    *,
    members_of: MembersOf | None = None,
    clock: Callable[[], float] = time.time,
) -> list[Route]:
    """The sign-in routes; `members_of` answers for `SVCMAP_SLACK_ALLOWED_GROUPS`."""
    with warnings.catch_warnings(record=True, action="ignore", category=DeprecationWarning):
        # Imported here, only when sign-in is on: Authlib costs 0.4 s at start-up. It
        # warns, once, on import, that it prefers httpx2; httpx is what svcmap uses.
        from authlib.common.errors import AuthlibBaseError  # noqa: PLC0415 - only with sign-in on
        from authlib.integrations.starlette_client import OAuth  # noqa: PLC0415 - only with sign-in on
    issuer = settings.oidc_issuer.rstrip("/")
    secret = settings.oidc_client_secret
    oauth = OAuth()
    client = oauth.register(
        "svcmap",
        client_id=settings.oidc_client_id,
        client_secret=secret.get_secret_value() if secret else None,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": settings.oidc_scopes, "timeout": ISSUER_TIMEOUT_S},
    )
    rules = for_source(guard.rules, slack=issuer == SLACK_ISSUER)

    async def signin(request: Request) -> Response:
        request.session["next"] = safe_next(request.query_params.get("next"))
        callback = (
            f"{settings.web_url.rstrip('/')}/auth/callback"
            if settings.web_url
            else str(request.url_for("signin_callback"))
        )
        try:
            redirect: Response = await client.authorize_redirect(request, callback)
        except (httpx.HTTPError, AuthlibBaseError, ValueError, KeyError, RuntimeError) as error:
            log.warning("cannot reach the sign-in issuer %s: %s", issuer, type(error).__name__)
            return _page("The sign-in service does not answer; try again later.", 502)
        return redirect

    async def callback(request: Request) -> Response:
        try:
            token = await client.authorize_access_token(
                request, claims_options={"iss": {"essential": True, "values": [issuer]}}
            )
        except (httpx.HTTPError, AuthlibBaseError, JoseError, ValueError, KeyError) as error:
            log.warning("sign-in refused: %s", type(error).__name__)
            return _page("Sign-in did not work out.", 400, again=True)
        claims = token.get("userinfo") if isinstance(token, dict) else None
        who = identity_from_claims(claims, settings.oidc_groups_claim) if claims else None
        if who is None:
            return _page("The sign-in service sent no ID token naming you.", 400, again=True)
        known = await run_in_threadpool(members_of, rules.slack_groups) if members_of else {}
        verdict = admit(who, rules, known)
        if not verdict.allowed:
            log.info("sign-in of %r refused: %s", who.subject, verdict.reason)
            return _page(f"Signed in, but not let in: {verdict.reason}.", 403)
        target = safe_next(request.session.get("next"))
        request.session.clear()  # a new session for the signed-in person (no fixation)
        request.session[SESSION_USER] = {"name": _shown(who), "at": int(clock())}
        return RedirectResponse(target, status_code=303)

    async def signout(request: Request) -> Response:
        request.session.clear()
        return JSONResponse({"signed_out": True})

    async def signed_out(_: Request) -> Response:
        return _page("You are signed out.", 200)

    return [
        Route("/auth/signin", signin, methods=["GET"]),
        Route("/auth/callback", callback, methods=["GET"], name="signin_callback"),
        Route("/auth/signout", signout, methods=["POST"]),
        Route("/auth/signed-out", signed_out, methods=["GET"]),
    ]


def safe_next(value: object) -> str:
    """Where to go after signing in: a path of this site, never another site."""
    if not isinstance(value, str) or len(value) > NEXT_CHARS:
        return "/"
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if not value.isprintable():
        return "/"
    return value


def _shown(who: Identity) -> str:
    return who.email or who.slack_user or who.subject


def signed_in_name(session: Mapping[str, object]) -> str:
    """The name of whoever the session says signed in, or ""."""
    user = session.get(SESSION_USER)
    name = user.get("name") if isinstance(user, dict) else None
    return name if isinstance(name, str) else ""


def _page(message: str, status: int, *, again: bool = False) -> Response:
    return HTMLResponse(_PAGE.render(message=message, again=again), status, headers=_PAGE_HEADERS)
