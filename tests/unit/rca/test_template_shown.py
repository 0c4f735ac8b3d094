from hypothesis import given
from hypothesis import strategies as st

from topology.rca.logs import TEMPLATE_SHOWN, shown_template, without_ids

LONG = (
    "o.a.c.c.C.[.[.[.[dispatcherServlet]#<NUM> TraceID: <ID> SpanID: <*> Servlet.service() "
    "for servlet [dispatcherServlet] in context with path [] threw exception [Request "
    "processing failed; nested exception is java.lang.IllegalStateException: No instances "
    "available for ts-basic-service] with root cause"
)


def test_ids_labelled_as_such_are_left_out_of_a_template_shown():
    shown = shown_template("p.c.PriceController#<NUM> TraceID: <ID> SpanID: <ID> [query price]")

    assert shown == "p.c.PriceController#<NUM> [query price]"
    assert without_ids("trace_id=<ID> order-id: <NUM> paid for user=<*>") == "paid for user=<*>"
    assert without_ids("id=<NUM> requestId: <UUID> ok") == "ok"


def test_words_that_only_end_in_id_are_no_ids():
    assert without_ids("amount paid: <NUM> valid=<*>") == "amount paid: <NUM> valid=<*>"


def test_a_template_of_ids_alone_is_shown_as_it_is():
    assert shown_template("TraceID: <ID>") == "TraceID: <ID>"


def test_a_long_template_is_shown_by_its_start_and_its_end_where_the_exception_is():
    shown = shown_template(LONG)

    assert shown.startswith("o.a.c.c.C.[.[.[.[dispatcherServlet]#<NUM> ")
    assert shown.endswith(" No instances available for ts-basic-service] with root cause"[-33:])
    assert " … " in shown
    assert "TraceID" not in shown
    assert len(shown) <= TEMPLATE_SHOWN


def test_two_templates_that_differ_after_a_long_common_start_are_told_apart():
    start = "t.s.TravelServiceImpl#<NUM> TraceID: <ID> SpanID: <ID> [getTripAllDetailInfo]"
    one = shown_template(f"{start}[Get trip detail][TripId: Z1234]")
    other = shown_template(f"{start}[Query TripResponse]")

    assert one != other


@given(st.text(max_size=400))
def test_any_template_is_shown_within_the_budget(text: str) -> None:
    shown = shown_template(text)

    assert len(shown) <= max(TEMPLATE_SHOWN, len(text))
    assert len(shown) <= TEMPLATE_SHOWN or shown == text
