"""`POST /v1/traces`: the OTLP/HTTP trace receiver, protobuf or JSON, gzip or not."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable

from google.protobuf.message import Message  # type: ignore[import-untyped]  # no stubs
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceResponse,
)
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.bootstrap import App
from bot.usecases.receiving import OTLP_SOURCE, Received, Receiver
from bot.web.body import BadEncodingError, BodyTooLargeError, decoded, read_body
from bot.web.metrics import WebMetrics
from topology.errors import SvcmapError, TraceFormatError
from topology.parsing import TraceFormat, parse_traces
from topology.parsing.otlp_proto import OtlpExport, read_otlp_protobuf

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
_ENCODINGS = ("", "identity", "gzip")
INVALID_ARGUMENT = 3  # google.rpc.Code
UNAVAILABLE = 14
_log = logging.getLogger(__name__)

Endpoint = Callable[[Request], Awaitable[Response]]


def traces_endpoint(app: App, metrics: WebMetrics, receiver: Receiver) -> Endpoint:
    """The `/v1/traces` handler, storing through `receiver` and counting into `metrics`."""
    limit = app.settings.otlp_max_body_bytes

    async def receive_traces(request: Request) -> Response:
        read = await read_export(request, limit)
        if isinstance(read, Response):
            return read
        media, body = read
        try:
            export, received, seconds = await run_in_threadpool(_ingest, receiver, body, media)
        except TraceFormatError as error:
            _log.info("refused a malformed OTLP export of %d bytes: %s", len(body), error)
            message = "not a valid OTLP ExportTraceServiceRequest"
            if media == JSON:
                message = f"{message}: {error}"  # names the JSON path and the field
            return status_response(media, INVALID_ARGUMENT, message, 400)
        except SvcmapError:
            _log.exception("could not store an OTLP export")
            return status_response(media, UNAVAILABLE, "the store is unavailable", 503)
        metrics.ingest_seconds.observe(seconds)
        rejected, reason = export.rejected + received.refused, export.reason
        if received.refused:
            reason = (
                f"{reason}; {received.refused} {received.reason}" if reason else received.reason
            )
            _log.info("refused %d spans: %s", received.refused, received.reason)
        if received.names_refused:
            rejected += received.names_refused
            capped = f"{received.names_refused} of new service names past the caps on new names"
            reason = f"{reason}; {capped}" if reason else capped
        accepted = len(export.spans) - received.refused - received.names_refused
        metrics.spans_received.inc(accepted + rejected)
        metrics.spans_accepted.inc(accepted)
        metrics.spans_rejected.inc(rejected)
        return export_response(media, rejected, reason)

    return receive_traces


async def read_export(request: Request, limit: int) -> tuple[str, bytes] | Response:
    """The media type and body (gunzipped) of an OTLP/HTTP export, or the answer refusing it.

    Refused: a media type or encoding svcmap cannot read (415), a body over `limit` bytes
    as sent or once gunzipped (413), a body that does not gunzip (400).
    """
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    encoding = request.headers.get("content-encoding", "").strip().lower()
    refusal = unsupported(media, encoding)
    if refusal is not None:
        return refusal
    try:
        return media, decoded(await read_body(request, limit=limit), encoding, limit=limit)
    except BodyTooLargeError:
        return status_response(media, INVALID_ARGUMENT, f"body over {limit} bytes", 413)
    except BadEncodingError as error:
        return status_response(media, INVALID_ARGUMENT, str(error), 400)


def unsupported(media: str, encoding: str) -> Response | None:
    """The 415 answer (plain text, as the collector's) for a body svcmap cannot read."""
    if media not in (PROTOBUF, JSON):
        return PlainTextResponse(f"unsupported Content-Type; send {PROTOBUF} or {JSON}", 415)
    if encoding not in _ENCODINGS:
        return PlainTextResponse("unsupported Content-Encoding; send gzip or none", 415)
    return None


def _ingest(receiver: Receiver, body: bytes, media: str) -> tuple[OtlpExport, Received, float]:
    started = time.perf_counter()
    if media == PROTOBUF:
        export = read_otlp_protobuf(body, source=OTLP_SOURCE)
    else:
        export = OtlpExport(parse_traces(body, source=OTLP_SOURCE, fmt=TraceFormat.OTLP))
    received = receiver.receive(export.spans)
    return export, received, time.perf_counter() - started


def export_response(media: str, rejected: int, reason: str | None) -> Response:
    """An `ExportTraceServiceResponse`: empty on full success, else a partial success."""
    message = f"{rejected} spans rejected: {reason}" if rejected else ""
    return partial_success(media, ExportTraceServiceResponse(), "rejected_spans", rejected, message)


def partial_success(
    media: str, answer: Message, counted: str, rejected: int, message: str
) -> Response:
    """The export response `answer` in the request's encoding: empty, or a partial success.

    `counted` is the field of `answer.partial_success` that holds how many items were
    rejected (`rejected_spans`, `rejected_log_records`, `rejected_data_points`).
    """
    if media == PROTOBUF:
        if rejected:
            setattr(answer.partial_success, counted, rejected)
            answer.partial_success.error_message = message
        return Response(answer.SerializeToString(), 200, media_type=PROTOBUF)
    document: dict[str, object] = {}
    if rejected:
        head, *rest = counted.split("_")
        key = head + "".join(word.title() for word in rest)
        # int64 is a string in proto3 JSON
        document["partialSuccess"] = {key: str(rejected), "errorMessage": message}
    return Response(json.dumps(document), 200, media_type=JSON)


def status_response(media: str, code: int, message: str, http_status: int) -> Response:
    """A `google.rpc.Status` body in the request's encoding, as OTLP/HTTP errors carry."""
    if media == PROTOBUF:
        return Response(encode_status(code, message), http_status, media_type=PROTOBUF)
    return Response(json.dumps({"code": code, "message": message}), http_status, media_type=JSON)


def encode_status(code: int, message: str) -> bytes:
    """`google.rpc.Status{code, message}` in protobuf wire format."""
    text = message.encode()
    return b"\x08" + _varint(code) + b"\x12" + _varint(len(text)) + text


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)
