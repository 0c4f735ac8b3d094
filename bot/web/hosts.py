"""Which names a request may call svcmap by (the `Host` header), against DNS rebinding (pure)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
ANY_ADDRESS = ("0.0.0.0", "::", "")  # noqa: S104 - names compared with, not listened on


def is_loopback(host: str) -> bool:
    """Whether listening on `host` takes connections from this machine only."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def allowed_hosts(configured: Iterable[str], listen_host: str) -> frozenset[str]:
    """The loopback names, the configured ones, and the address svcmap listens on."""
    names = {*LOOPBACK_NAMES, *(name.lower() for name in configured)}
    listen = listen_host.strip().lower()
    if listen not in ANY_ADDRESS:
        names.add(_bracketed(listen))
    return frozenset(names)


def host_allowed(header: str | None, allowed: frozenset[str]) -> bool:
    """Whether a `Host` header (with or without its port) names one of `allowed`.

    `*.example.com` in `allowed` takes any name under example.com, not example.com itself.
    """
    name = _without_port((header or "").strip().lower())
    if not name:
        return False
    if name in allowed:
        return True
    return any(
        entry.startswith("*.") and name.endswith(entry[1:]) and len(name) > len(entry) - 1
        for entry in allowed
    )


def _without_port(host: str) -> str:
    if host.startswith("["):
        end = host.find("]")
        rest = host[end + 1 :]
        if end < 0 or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
            return ""
        return host[: end + 1]
    name, colon, port = host.partition(":")
    if colon and not port.isdigit():
        return ""
    return name


def _bracketed(host: str) -> str:
    """An IPv6 address as a `Host` header writes it: in brackets."""
    bare = host.strip("[]")
    try:
        return f"[{bare}]" if ipaddress.ip_address(bare).version == 6 else bare  # noqa: PLR2004 - IPv6 is version 6
    except ValueError:
        return host
