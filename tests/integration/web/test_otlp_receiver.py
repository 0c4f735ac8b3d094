"""`POST /v1/traces`: OTLP/HTTP exports, protobuf or JSON, gzip or not, stored as calls."""

import gzip
import json
import os

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from bot.web.otlp import encode_status
from tests.otlp_exports import as_json, as_protobuf, frontend_calls_cart

PROTOBUF = {"Content-Type": "application/x-protobuf"}
JSON = {"Content-Type": "application/json"}
GZIP = {"Content-Encoding": "gzip"}


def protobuf_body(trace_id="5b8efff798038103d269b633813fc60c"):
    return as_protobuf(frontend_calls_cart(trace_id)).SerializeToString()


def edges(app):
    return sorted((e.parent, e.child, e.calls, e.errors) for e in app.store.edges())


STORED = [("cart", "redis", 1, 1), ("frontend", "cart", 1, 0)]


def test_a_protobuf_export_is_stored_and_answered_with_an_empty_response(web):
    app, client = web

    answer = client.post("/v1/traces", content=protobuf_body(), headers=PROTOBUF)

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/x-protobuf"
    assert ExportTraceServiceResponse.FromString(answer.content) == ExportTraceServiceResponse()
    assert edges(app) == STORED


def test_a_json_export_is_stored_and_answered_with_an_empty_object(web):
    app, client = web

    answer = client.post(
        "/v1/traces", content=as_json(frontend_calls_cart()), headers={**JSON, "X-A": "b"}
    )

    assert (answer.status_code, answer.json()) == (200, {})
    assert answer.headers["content-type"] == "application/json"
    assert edges(app) == STORED


@pytest.mark.parametrize("json_body", [False, True])
def test_a_gzipped_export_is_stored(web, json_body):
    app, client = web
    body = as_json(frontend_calls_cart()) if json_body else protobuf_body()
    headers = {**(JSON if json_body else PROTOBUF), **GZIP}

    answer = client.post("/v1/traces", content=gzip.compress(body), headers=headers)

    assert answer.status_code == 200
    assert edges(app) == STORED


def test_the_same_export_sent_again_adds_nothing(web):
    app, client = web
    body = protobuf_body()
    client.post("/v1/traces", content=body, headers=PROTOBUF)

    again = client.post("/v1/traces", content=body, headers=PROTOBUF)

    assert again.status_code == 200
    assert edges(app) == STORED


def test_spans_without_ids_are_answered_with_a_partial_success(web):
    app, client = web
    request = as_protobuf(frontend_calls_cart())
    request.resource_spans[1].scope_spans[0].spans[1].span_id = b""

    answer = client.post("/v1/traces", content=request.SerializeToString(), headers=PROTOBUF)

    assert answer.status_code == 200
    partial = ExportTraceServiceResponse.FromString(answer.content).partial_success
    assert partial.rejected_spans == 1
    assert "1 spans rejected" in partial.error_message
    assert edges(app) == [("frontend", "cart", 1, 0)]


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", ""])
def test_other_content_types_are_refused_with_415(web, content_type):
    _, client = web

    answer = client.post(
        "/v1/traces", content=protobuf_body(), headers={"Content-Type": content_type}
    )

    assert answer.status_code == 415
    assert answer.headers["content-type"].startswith("text/plain")


def test_an_unknown_content_encoding_is_refused_with_415(web):
    _, client = web

    answer = client.post(
        "/v1/traces", content=protobuf_body(), headers={**PROTOBUF, "Content-Encoding": "br"}
    )

    assert answer.status_code == 415


def test_a_compressed_body_over_the_limit_is_refused_with_413(make_client):
    app, client = make_client(otlp_max_body_bytes=1000)
    body = gzip.compress(os.urandom(4000))

    answer = client.post("/v1/traces", content=body, headers={**PROTOBUF, **GZIP})

    assert answer.status_code == 413
    assert app.store.edges() == []


def test_a_gzip_bomb_is_refused_with_413(web):
    app, client = web
    bomb = gzip.compress(b"\0" * (9 * 1024 * 1024))
    assert len(bomb) < 100_000

    answer = client.post("/v1/traces", content=bomb, headers={**PROTOBUF, **GZIP})

    assert answer.status_code == 413
    assert app.store.edges() == []


def test_a_malformed_protobuf_body_gets_400_with_an_otlp_status(web):
    _, client = web

    answer = client.post("/v1/traces", content=b"\xff\xff\xff\xff", headers=PROTOBUF)

    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/x-protobuf"
    assert answer.content == encode_status(3, "not a valid OTLP ExportTraceServiceRequest")


def test_an_otlp_status_body_decodes_as_google_rpc_status():
    status_pb2 = pytest.importorskip("google.rpc.status_pb2")

    status = status_pb2.Status.FromString(encode_status(3, "x" * 300))

    assert (status.code, status.message) == (3, "x" * 300)


@pytest.mark.parametrize("body", [b"{not json", b'{"resourceSpans": 7}', b"[1, 2]"])
def test_a_malformed_json_body_gets_400_with_an_otlp_status(web, body):
    _, client = web

    answer = client.post("/v1/traces", content=body, headers=JSON)

    assert answer.status_code == 400
    document = answer.json()
    assert document["code"] == 3
    assert document["message"]


def test_broken_gzip_gets_400(web):
    _, client = web

    answer = client.post("/v1/traces", content=b"\x1f\x8bnot gzip", headers={**JSON, **GZIP})

    assert answer.status_code == 400
    assert json.loads(answer.content)["code"] == 3


def test_only_post_is_allowed(web):
    _, client = web

    assert client.get("/v1/traces").status_code == 405


def test_spans_of_one_trace_sent_by_each_service_apart_are_linked(web):
    app, client = web
    resources = frontend_calls_cart()
    cart_only = as_protobuf({"cart": resources["cart"]}).SerializeToString()
    frontend_only = as_protobuf({"frontend": resources["frontend"]}).SerializeToString()

    client.post("/v1/traces", content=cart_only, headers=PROTOBUF)
    client.post("/v1/traces", content=frontend_only, headers=PROTOBUF)
    client.post("/v1/traces", content=cart_only, headers=PROTOBUF)

    assert edges(app) == STORED
