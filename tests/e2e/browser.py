"""A headless Debian Chromium driven by Playwright, or a skip saying why there is none."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def chromium_page() -> Iterator[object]:
    """A fresh page of a headless Chromium (Debian's, never a download); closed after."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip("Chromium is missing: scripts/test installs it with apt-get as root")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        # The page's CSP forbids eval, which Playwright's waits use; bypassing it also shows
        # that escaping alone keeps hostile names inert.
        page = browser.new_page(viewport={"width": 1600, "height": 1000}, bypass_csp=True)
        try:
            yield page
        finally:
            browser.close()


def screenshot(page: object, name: str) -> Path:
    """Save a screenshot of `page` under test-artifacts/ (ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
