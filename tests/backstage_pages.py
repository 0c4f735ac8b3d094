"""Backstage by-query answers built from the recorded entity descriptors."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

API = Path(__file__).resolve().parent / "fixtures" / "api"
INTEGRATION_KEY = "0123456789abcdef0123456789abcdef"
"""The dummy key of the recorded PagerDuty-annotated component."""


def entities(name: str) -> list[dict[str, object]]:
    """The entities of a recorded descriptor file (one or several YAML documents)."""
    text = (API / name).read_text(encoding="utf-8")
    return [document for document in yaml.safe_load_all(text) if document]


def page(items: list[dict[str, object]], next_cursor: str | None = None) -> bytes:
    """A by-query answer holding `items`, as Backstage writes it (`pageInfo: {}` when last)."""
    info = {"nextCursor": next_cursor} if next_cursor else {}
    return json.dumps({"items": items, "totalItems": len(items), "pageInfo": info}).encode()


def component(name: str, **spec: object) -> dict[str, object]:
    """A minimal Component in the shape of the recorded ones, with `spec` as given."""
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"type": "service", "lifecycle": "production", **spec},
    }
