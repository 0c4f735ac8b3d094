"""CSRF tokens for the web view's own POSTs: one per session, sent back in a header."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping, MutableMapping

HEADER = "x-csrf-token"
SESSION_KEY = "csrf"


def csrf_token(session: MutableMapping[str, object]) -> str:
    """The session's token, made when it has none yet."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def csrf_valid(session: Mapping[str, object], sent: str | None) -> bool:
    """Whether `sent` is the session's token (constant time); never without one."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not sent:
        return False
    return hmac.compare_digest(token.encode(), sent.encode())
