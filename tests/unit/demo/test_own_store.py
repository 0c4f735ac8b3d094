import random

import httpx
import pytest

from bot.demo.alerting import AlertmanagerWebhook
from bot.demo.faults import Fault, FaultBoard
from bot.demo.own_store import SHOP, foreign_nodes, resume_at
from bot.demo.simulator import Simulator, Traffic
from bot.demo.traces import build_trace
from bot.usecases.demo_store import demo_resume_at
from topology.errors import SvcmapError
from topology.model import SpanKind
from topology.parsing.otlp_proto import read_otlp_protobuf
from topology.stats import Node

NOW_S = 1_800_000_000
NS = 10**9


def test_a_store_holding_only_the_shops_nodes_is_the_demos():
    assert foreign_nodes(sorted(SHOP)) == []
    assert foreign_nodes([]) == []


def test_the_nodes_the_shop_lacks_are_named_sorted():
    assert foreign_nodes(["payment", "redis", "billing"]) == ["billing", "redis"]


def test_history_resumes_after_the_last_minute_a_former_run_stored():
    assert resume_at(None) == 0.0
    assert resume_at(NOW_S - 600) == NOW_S - 540


def test_the_same_seed_at_other_times_makes_other_trace_ids():
    one = build_trace(random.Random(7), NOW_S * NS, {})  # noqa: S311 - simulated traffic
    other = build_trace(random.Random(7), NOW_S * NS + 1, {})  # noqa: S311 - simulated traffic
    assert one[0].trace_id[8:] != other[0].trace_id[8:]
    assert [s.service for s in one] == [s.service for s in other]


def backfilled(traffic: Traffic, board: FaultBoard) -> list:
    bodies: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/traces":
            bodies.append(request.content)
        return httpx.Response(200)

    client = httpx.Client(base_url="http://svcmap", transport=httpx.MockTransport(answer))
    webhook = AlertmanagerWebhook(client, external_url="http://svcmap", token="t")
    Simulator(client, board, webhook, clock=lambda: NOW_S, traffic=traffic).backfill()
    return [span for body in bodies for span in read_otlp_protobuf(body, source="t").spans]


def test_the_history_is_healthy_even_when_a_fault_is_in_force():
    board = FaultBoard(SHOP)
    board.put(Fault("payment", errors=1.0))
    spans = backfilled(Traffic(history_s=600), board)
    served = [s for s in spans if s.local_service == "payment" and s.kind is SpanKind.SERVER]
    assert served
    assert sum(s.error for s in served) / len(served) < 0.2


def test_no_history_is_sent_before_the_resume_time():
    resume = NOW_S - 120
    spans = backfilled(Traffic(history_s=600, resume_s=resume), FaultBoard(SHOP))
    roots = [s for s in spans if s.parent_id is None]
    assert roots
    assert min(s.start_us for s in roots) >= resume * 10**6
    assert {s.trace_id for s in spans} == {s.trace_id for s in roots}


class FakeStore:
    """A store holding `names` as nodes, and buckets up to `last` (None: empty)."""

    def __init__(self, names: list[str], last: int | None) -> None:
        self.names, self.last = names, last

    def nodes(self) -> list[Node]:
        return [Node(name) for name in self.names]

    def time_range(self) -> tuple[int, int] | None:
        return None if self.last is None else (0, self.last)


def test_the_demo_resumes_a_minute_after_its_own_store_s_last_bucket() -> None:
    shop = sorted(SHOP)[:3]

    assert demo_resume_at(FakeStore(shop, 1_700_000_040), "sqlite:///demo.db") == 1_700_000_100
    assert demo_resume_at(FakeStore([], None), "sqlite:///demo.db") == 0.0


def test_a_store_holding_other_services_is_refused_naming_them_and_no_password() -> None:
    names = [*sorted(SHOP)[:2], *(f"billing-{n}" for n in range(7))]

    with pytest.raises(SvcmapError) as refused:
        demo_resume_at(FakeStore(names, 60), "postgresql://svcmap:hunter2@db/prod")

    said = str(refused.value)
    assert "billing-0, billing-1, billing-2, billing-3, billing-4, ..." in said
    assert "hunter2" not in said
