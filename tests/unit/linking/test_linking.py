from unittest import mock

from hypothesis import example, given, settings
from hypothesis import strategies as st

from topology import linking, trace_tree
from topology.linking import Linked, link, link_placed, link_trace, with_inferred_peers
from topology.model import NodeKind, Span, SpanKind

CLIENT, SERVER = SpanKind.CLIENT, SpanKind.SERVER
PRODUCER, CONSUMER = SpanKind.PRODUCER, SpanKind.CONSUMER


def span(span_id, parent_id, kind, local, remote=None, **extra):
    return Span("t1", span_id, parent_id, kind, local, remote, start_us=1_000_000, **extra)


def links(spans):
    found = {}
    for call in link(spans).calls:
        calls, errors = found.get((call.parent, call.child), (0, 0))
        found[(call.parent, call.child)] = (calls + 1, errors + call.error)
    return found


def test_a_client_with_a_server_child_defers_to_the_server_name():
    spans = [
        span("a", None, SERVER, "frontend"),
        span("b", "a", CLIENT, "frontend", "what-the-client-calls-it"),
        span("c", "b", SERVER, "cart"),
    ]
    assert links(spans) == {("frontend", "cart"): (1, 0)}


def test_a_leaf_client_links_to_its_uninstrumented_peer():
    spans = [
        span("a", None, SERVER, "payment", "checkout"),
        span("b", "a", CLIENT, "payment", "stripe"),
    ]
    assert links(spans) == {("checkout", "payment"): (1, 0), ("payment", "stripe"): (1, 0)}


def test_a_span_without_kind_but_with_both_sides_counts_as_a_client():
    spans = [span("a", None, SERVER, "app"), span("b", "a", None, "app", "app_db")]
    assert links(spans) == {("app", "app_db"): (1, 0)}


def test_a_root_server_without_a_known_caller_makes_no_link():
    assert links([span("a", None, SERVER, "frontend")]) == {}


def test_messaging_spans_link_only_to_the_broker():
    spans = [
        span("a", None, PRODUCER, "checkout", "kafka"),
        span("b", "a", CONSUMER, "accounting", "kafka"),
    ]
    found = links(spans)
    assert found == {("checkout", "kafka"): (1, 0), ("kafka", "accounting"): (1, 0)}
    assert ("checkout", "accounting") not in found


def test_a_broker_is_a_virtual_queue_node():
    calls = link([span("a", None, PRODUCER, "checkout", "kafka")]).calls
    assert calls[0].child_kind is NodeKind.QUEUE
    assert not calls[0].child_local


def test_loopback_calls_are_kept():
    spans = [
        span("a", None, SERVER, "auth", "gateway"),
        span("b", "a", CLIENT, "auth", "auth"),
        span("c", "b", SERVER, "auth"),
    ]
    assert links(spans) == {("gateway", "auth"): (1, 0), ("auth", "auth"): (1, 0)}


def test_a_client_error_counts_on_the_server_link_it_was_split_from():
    spans = [
        span("a", None, SERVER, "frontend"),
        span("b", "a", CLIENT, "frontend", error=True),
        span("c", "b", SERVER, "cart"),
    ]
    assert links(spans) == {("frontend", "cart"): (1, 1)}


def test_paired_spans_give_both_client_and_server_latency():
    spans = [
        span("a", None, SERVER, "frontend"),
        span("b", "a", CLIENT, "frontend", duration_us=9_000),
        span("c", "b", SERVER, "cart", duration_us=7_000),
    ]
    (call,) = link(spans).calls
    assert (call.client_us, call.server_us) == (9_000, 7_000)


def test_a_server_sharing_its_client_id_is_placed_under_the_client():
    spans = [
        span("a", None, SERVER, "frontend"),
        span("b", "a", CLIENT, "frontend", "cart"),
        span("b", "a", SERVER, "cart", shared=True),
    ]
    assert links(spans) == {("frontend", "cart"): (1, 0)}


def test_servers_at_two_addresses_sharing_one_client_id_are_two_calls():
    spans = [
        span("a", None, SERVER, "bouncer", "lb"),
        span("b", "a", CLIENT, "bouncer", "pusher"),
        span("b", "a", SERVER, "pusher", shared=True, local_address=("10.0.0.1", None, 80)),
        span("b", "a", SERVER, "pusher", shared=True, local_address=("10.0.0.2", None, 80)),
    ]
    assert links(spans)[("bouncer", "pusher")] == (2, 0)
    keys = [call.key for call in link(spans).calls if call.child == "pusher"]
    assert len(set(keys)) == 2  # so the store does not take one for a re-import of the other


def test_a_span_reported_in_two_pieces_is_counted_once():
    spans = [
        span("a", None, SERVER, "frontend", "browser"),
        span("a", None, None, "frontend", error=True),
    ]
    assert links(spans) == {("browser", "frontend"): (1, 1)}


def test_a_client_span_named_for_its_callee_backfills_the_skipped_hop():
    spans = [
        span("a", None, SERVER, "gateway", "user"),
        span("b", "a", CLIENT, "gateway", "api"),
        span("c", "b", SERVER, "api"),
        span("d", "c", CLIENT, "worker", "db"),  # a client span reporting another service
    ]
    found = links(spans)
    assert found[("api", "worker")] == (1, 0)
    assert found[("worker", "db")] == (1, 0)


def test_linking_the_same_trace_twice_gives_the_same_keys():
    spans = [
        span("a", None, SERVER, "frontend", "browser"),
        span("b", "a", CLIENT, "frontend"),
        span("c", "b", SERVER, "cart"),
    ]
    first = [call.key for call in link(spans).calls]
    second = [call.key for call in link(list(reversed(spans))).calls]
    assert first == second
    assert len(set(first)) == len(first)


def test_spans_of_different_traces_are_linked_separately():
    one = Span("t1", "a", None, SERVER, "cart", "frontend")
    two = Span("t2", "a", None, SERVER, "cart", "checkout")
    result = link([one, two])
    assert result.traces == 2
    found = {(c.parent, c.child) for c in result.calls}
    assert found == {("frontend", "cart"), ("checkout", "cart")}


def test_server_and_consumer_spans_are_counted_as_served_requests():
    spans = [
        span("a", None, SERVER, "frontend", "browser", duration_us=5_000, error=True),
        span("b", "a", PRODUCER, "frontend", "kafka"),
        span("c", "b", CONSUMER, "mailer", "kafka"),
    ]
    served = {(s.service, s.error, s.duration_us) for s in link(spans).served}
    assert served == {("frontend", True, 5_000), ("mailer", False, None)}


ids = st.sampled_from(["a", "b", "c", "d", "e", "f"])
names = st.one_of(st.none(), st.sampled_from(["x", "y", "z"]))
spans_strategy = st.lists(
    st.builds(
        Span,
        trace_id=st.sampled_from(["t1", "t2"]),
        span_id=ids,
        parent_id=st.one_of(st.none(), ids),
        kind=st.one_of(st.none(), st.sampled_from(list(SpanKind))),
        local_service=names,
        remote_service=names,
        error=st.booleans(),
        shared=st.booleans(),
    ),
    max_size=25,
)


@settings(max_examples=500)
@given(spans_strategy)
def test_any_set_of_spans_links_without_crashing_into_named_calls(spans):
    result = link(spans)
    for call in result.calls:
        assert call.parent
        assert call.child
    keys = [call.key for call in result.calls]
    assert len(keys) == len(set(keys))


def test_a_database_named_only_by_attributes_is_drawn_when_peers_are_inferred():
    spans = [
        span("a", None, SERVER, "trace-store", "ui"),
        span(
            "b",
            "a",
            CLIENT,
            "trace-store",
            inferred_peer="jaeger-span",
            peer_kind=NodeKind.DATABASE,
        ),
    ]
    assert links(spans) == {("ui", "trace-store"): (1, 0)}
    assert links(with_inferred_peers(spans))[("trace-store", "jaeger-span")] == (1, 0)


def test_messaging_calls_carry_the_producer_and_consumer_durations():
    spans = [
        span("a", None, PRODUCER, "checkout", "kafka", duration_us=2_000),
        span("b", "a", CONSUMER, "accounting", "kafka", duration_us=5_000),
    ]
    durations = {(c.parent, c.child): (c.client_us, c.server_us) for c in link(spans).calls}
    assert durations == {
        ("checkout", "kafka"): (2_000, None),
        ("kafka", "accounting"): (None, 5_000),
    }


tree_names = st.sampled_from([None, "x", "y", "z"])
CLIENT_ERROR_UNDER_A_SERVER = [
    Span("t1", "000000000000000a", None, CLIENT, "x", None, start_us=5, error=True),
    Span("t1", "000000000000000b", "000000000000000a", SERVER, "y", None, start_us=5),
]


@st.composite
def distinct_trees(draw):
    """Spans of one trace with distinct ids; a parent is one of them (itself too), missing, none."""
    count = draw(st.integers(min_value=1, max_value=12))
    span_ids = [f"{n:016x}" for n in draw(st.permutations(range(1, 40)))[:count]]
    parents = st.one_of(st.none(), st.sampled_from([*span_ids, "00000000000000ff"]))
    return [
        Span(
            "t1",
            span_id,
            draw(parents),
            draw(st.one_of(st.none(), st.sampled_from(list(SpanKind)))),
            draw(tree_names),
            draw(tree_names),
            start_us=draw(st.one_of(st.none(), st.integers(1, 10**12))),
            duration_us=draw(st.one_of(st.none(), st.integers(0, 10**6))),
            error=draw(st.booleans()),
            peer_kind=draw(st.one_of(st.none(), st.sampled_from(list(NodeKind)))),
        )
        for span_id in span_ids
    ]


@settings(max_examples=500)
@given(distinct_trees())
@example(CLIENT_ERROR_UNDER_A_SERVER)
def test_a_tree_of_distinct_spans_links_as_rows_as_it_links_placed(spans):
    as_rows, placed, in_a_tree = Linked(), Linked(), Linked()

    link_trace(spans, as_rows)
    link_placed(spans, placed)
    with mock.patch.object(linking, "placed", by_the_built_tree):
        link_placed(spans, in_a_tree)

    assert (as_rows.calls, as_rows.served) == (placed.calls, placed.served)
    assert (as_rows.calls, as_rows.served) == (in_a_tree.calls, in_a_tree.served)


def by_the_built_tree(spans):
    """`trace_tree.placed` by the general tree, whatever the spans' ids."""
    return trace_tree._placed_in(trace_tree.build_tree(spans))
