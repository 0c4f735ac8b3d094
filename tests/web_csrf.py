"""The web view's CSRF token, read from its page as its script reads it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def csrf_of(client: httpx.Client) -> str:
    """The token of the page at `/`; `client` keeps the session cookie it belongs to."""
    page = client.get("/")
    assert page.status_code == 200, page.text
    return token_in(page.text)


def token_in(page: str) -> str:
    """The CSRF token a page of the web view carries."""
    found = META.search(page)
    assert found is not None
    return found.group(1)


@contextmanager
def asking_client(base_url: str) -> Iterator[httpx.Client]:
    """A client of the web view at `base_url` sending its session's CSRF token, as the page does."""
    with httpx.Client(base_url=base_url, timeout=10) as client:
        client.headers["x-csrf-token"] = csrf_of(client)
        yield client
