"""The trace document formats svcmap reads (`topology.parsing` reads them)."""

from __future__ import annotations

import enum


class TraceFormat(enum.Enum):
    """A trace document format."""

    JAEGER = "jaeger"
    ZIPKIN = "zipkin"
    OTLP = "otlp"

    @property
    def label(self) -> str:
        """The format's name as people write it."""
        return _LABELS[self]


_LABELS = {TraceFormat.JAEGER: "Jaeger", TraceFormat.ZIPKIN: "Zipkin", TraceFormat.OTLP: "OTLP"}
