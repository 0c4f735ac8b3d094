"""`POST /v1/traces`: OTLP/HTTP exports, protobuf or JSON, gzip or not, stored as calls."""

import gzip
import json
import os

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from bot.bootstrap import build_app, build_receiver
from bot.cli.refreshing import statuses_now
from bot.settings import load_settings
from bot.usecases.staleness import stale_sources
from bot.web.app import create_app
from bot.web.otlp import encode_status
from tests.integration.web.conftest import NOW, TestClient
from tests.otlp_exports import (
    CLIENT,
    SERVER,
    TRACE,
    OtlpSpanSpec,
    as_json,
    as_protobuf,
    frontend_calls_cart,
)
from topology.errors import StoreError

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


def frontend_names_cart(trace_id=TRACE):
    """A frontend CLIENT span naming its peer `cart`, and the cart SERVER span under it."""
    return {
        "frontend": [
            OtlpSpanSpec("a000000000000001", trace_id=trace_id),
            OtlpSpanSpec(
                "a000000000000002",
                "a000000000000001",
                CLIENT,
                {"peer.service": "cart"},
                trace_id=trace_id,
            ),
        ],
        "cart": [OtlpSpanSpec("b000000000000001", "a000000000000002", SERVER, trace_id=trace_id)],
    }


def test_a_client_span_naming_its_peer_sent_before_the_server_span_counts_once(web):
    app, client = web
    resources = frontend_names_cart()

    for service in ("frontend", "cart"):
        body = as_protobuf({service: resources[service]}).SerializeToString()
        assert client.post("/v1/traces", content=body, headers=PROTOBUF).status_code == 200

    assert edges(app) == [("frontend", "cart", 1, 0)]


@pytest.mark.parametrize(("strict", "stored"), [(False, [("frontend", "cart", 1, 0)]), (True, [])])
def test_a_server_span_with_a_zero_padded_64_bit_trace_id_pairs_unless_ids_are_strict(
    make_client, strict, stored
):
    app, client = make_client(strict_trace_id=strict)
    resources = frontend_names_cart()
    # A B3 64-bit id, as an OTLP exporter carries it: the low half, zeros above.
    resources["cart"] = frontend_names_cart("0" * 16 + TRACE[16:])["cart"]

    for service in ("frontend", "cart"):
        body = as_protobuf({service: resources[service]}).SerializeToString()
        assert client.post("/v1/traces", content=body, headers=PROTOBUF).status_code == 200

    assert edges(app) == stored


@pytest.fixture
def ticking(tmp_path):
    """An app whose clock the test moves, its receiver, and a client; closed after."""
    now = [float(NOW)]
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'svcmap.db'}")
    app = build_app(settings, clock=lambda: now[0])
    receiver = build_receiver(app)
    client = TestClient(create_app(app, receiver=receiver), base_url="http://127.0.0.1")
    yield app, receiver, client, now
    client.close()
    app.close()


def test_a_client_span_whose_peer_never_reports_is_stored_after_the_pairing_wait(ticking):
    app, receiver, client, now = ticking
    frontend = as_protobuf({"frontend": frontend_names_cart()["frontend"]}).SerializeToString()
    client.post("/v1/traces", content=frontend, headers=PROTOBUF)
    now[0] += app.settings.otlp_pairing_wait - 1
    receiver.settle()

    assert edges(app) == []

    now[0] += 1
    receiver.settle()

    assert edges(app) == [("frontend", "cart", 1, 0)]


def test_a_server_span_later_than_the_pairing_wait_is_not_counted_again(ticking):
    app, receiver, client, now = ticking
    resources = frontend_names_cart()
    client.post(
        "/v1/traces",
        content=as_protobuf({"frontend": resources["frontend"]}).SerializeToString(),
        headers=PROTOBUF,
    )
    now[0] += app.settings.otlp_pairing_wait
    receiver.settle()
    client.post(
        "/v1/traces",
        content=as_protobuf({"cart": resources["cart"]}).SerializeToString(),
        headers=PROTOBUF,
    )

    # Stored alone, the client span's call keeps its key; the server's adds a second.
    assert edges(app) == [("frontend", "cart", 2, 0)]


def test_waiting_client_spans_are_all_stored_on_demand(ticking):
    app, receiver, client, _ = ticking
    frontend = as_protobuf({"frontend": frontend_names_cart()["frontend"]}).SerializeToString()
    client.post("/v1/traces", content=frontend, headers=PROTOBUF)

    receiver.settle(everything=True)

    assert edges(app) == [("frontend", "cart", 1, 0)]


def test_svcmap_sources_shows_when_the_receiver_last_stored_spans(ticking):
    app, _, client, now = ticking
    assert statuses_now(app) == []
    client.post("/v1/traces", content=protobuf_body(), headers=PROTOBUF)
    now[0] += 100

    (otlp,) = statuses_now(app)

    assert (otlp.name, otlp.pushed, otlp.last_success, otlp.lag_s) == ("otlp", True, NOW, 100)
    assert otlp.condition == "receiving"
    now[0] += 3 * app.settings.refresh_interval
    assert statuses_now(app)[0].condition == "quiet"
    assert stale_sources(app) == []  # answers warn of pulled sources only


def test_client_spans_whose_store_failed_are_stored_by_the_next_settle(ticking, monkeypatch):
    app, receiver, client, now = ticking
    frontend = as_protobuf({"frontend": frontend_names_cart()["frontend"]}).SerializeToString()
    client.post("/v1/traces", content=frontend, headers=PROTOBUF)
    now[0] += app.settings.otlp_pairing_wait
    ingest = app.store.ingest

    def unavailable(*_: object, **__: object) -> None:
        raise StoreError("database unreachable")

    monkeypatch.setattr(app.store, "ingest", unavailable)
    with pytest.raises(StoreError):
        receiver.settle()
    monkeypatch.setattr(app.store, "ingest", ingest)
    receiver.settle()

    assert edges(app) == [("frontend", "cart", 1, 0)]


def test_spans_released_with_an_export_the_store_refused_are_stored_with_its_retry(
    ticking, monkeypatch
):
    app, _, client, now = ticking
    frontend = as_protobuf({"frontend": frontend_names_cart()["frontend"]}).SerializeToString()
    client.post("/v1/traces", content=frontend, headers=PROTOBUF)
    now[0] += app.settings.otlp_pairing_wait
    other = protobuf_body("6b8efff798038103d269b633813fc60d")  # its low 64 bits differ too
    ingest = app.store.ingest

    def unavailable(*_: object, **__: object) -> None:
        raise StoreError("database unreachable")

    monkeypatch.setattr(app.store, "ingest", unavailable)
    assert client.post("/v1/traces", content=other, headers=PROTOBUF).status_code == 503
    monkeypatch.setattr(app.store, "ingest", ingest)
    assert client.post("/v1/traces", content=other, headers=PROTOBUF).status_code == 200

    # one call from the other trace, one from the client span that waited
    assert edges(app) == [("cart", "redis", 1, 1), ("frontend", "cart", 2, 0)]
