"""Checking the credential Alertmanager's `http_config` sends: a bearer token or basic auth."""

from __future__ import annotations

import base64
import binascii
import hmac

from bot.settings import Settings


def configured(settings: Settings) -> bool:
    """Whether any credential is set for the alert webhook."""
    return settings.alert_token is not None or (
        bool(settings.alert_user) and settings.alert_password is not None
    )


def authorized(header: str | None, settings: Settings) -> bool:
    """Whether the `Authorization` header carries a configured credential (constant time)."""
    if not header:
        return False
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    scheme = scheme.lower()
    if scheme == "bearer" and settings.alert_token is not None:
        return _same(value, settings.alert_token.get_secret_value())
    if scheme == "basic" and settings.alert_user and settings.alert_password is not None:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, colon, password = decoded.partition(":")
        expected = settings.alert_password.get_secret_value()
        # Both compared, always, so the time taken does not say which one was wrong.
        same_user = _same(user, settings.alert_user)
        same_password = _same(password, expected)
        return bool(colon) and same_user and same_password
    return False


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
