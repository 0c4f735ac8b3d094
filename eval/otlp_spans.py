"""The spans of OTLP JSON trace documents, as the evaluations read them: raw, with their service."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence


def raw_spans(documents: Sequence[dict[str, object]]) -> Iterator[tuple[dict[str, object], str]]:
    """Each span of `documents` as decoded, with its resource's `service.name` ("" if none)."""
    for document in documents:
        for resource in _items(document, "resourceSpans"):
            attributes = _items(resource.get("resource"), "attributes")
            named = [a.get("value") for a in attributes if a.get("key") == "service.name"]
            value = named[0] if named else None
            service = str(value.get("stringValue", "")) if isinstance(value, dict) else ""
            for scope in _items(resource, "scopeSpans"):
                for raw in _items(scope, "spans"):
                    yield raw, service


def entry_service(documents: Sequence[dict[str, object]]) -> str | None:
    """The service that starts the most traces (spans with no parent); None if no span does.

    That is where users' requests come in: the symptom an alert would be about. Ties go
    to the first name in order.
    """
    roots = Counter(
        service for raw, service in raw_spans(documents) if service and not raw.get("parentSpanId")
    )
    if not roots:
        return None
    most = max(roots.values())
    return min(name for name, count in roots.items() if count == most)


def _items(parent: object, key: str) -> list[dict[str, object]]:
    found = parent.get(key) if isinstance(parent, dict) else None
    return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []
