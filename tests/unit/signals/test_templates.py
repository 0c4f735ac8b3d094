from hypothesis import given
from hypothesis import strategies as st

from topology.signals.masking import TokenMasks
from topology.signals.templates import (
    MINED_TOKENS,
    MINERS_KEPT,
    OTHER_ID,
    TemplateBook,
)


def masked(line):
    return TokenMasks().mask(line, "<", ">")


def test_numbers_ids_hex_ips_and_uuids_are_masked():
    line = (
        "12:01:02.345 GET /cart/42 from 10.0.0.12:5432 took 0x1F "
        "trace 9bd72d837371fe1b33bd1ab5c2e51e85 order 9b823e5b-3abb-4008-afd7-14cd864c365c"
    )
    assert masked(line) == ("<NUM> GET /cart/<NUM> from <IP> took <HEX> trace <ID> order <UUID>")


def test_email_addresses_are_masked():
    assert masked("sent to ann.lee+x@mail.example.com, cc bob@b.io") == (
        "sent to <EMAIL>, cc <EMAIL>"
    )


def test_words_and_short_hex_looking_words_stay():
    assert masked("added a bad face to cafe") == "added a bad face to cafe"


def test_lines_differing_only_in_numbers_share_a_template():
    book = TemplateBook({})
    first = book.template_of("cart", "user 1 logged in after 20 ms")
    second = book.template_of("cart", "user 2 logged in after 31 ms")

    assert first == second
    assert book.texts("cart") == {first: "user <NUM> logged in after <NUM> ms"}


def test_a_long_line_listing_more_or_fewer_items_keeps_its_template():
    def listing(items):
        return "sold tickets: " + ", ".join(
            f"Ticket(seat={i}, from=shanghai)" for i in range(items)
        )

    book = TemplateBook({})
    first = book.template_of("order", listing(60))
    second = book.template_of("order", listing(75)[:1000])  # a body cut mid-token

    assert first == second
    assert len(book.texts("order")[first].split()) == MINED_TOKENS


def test_lines_of_two_code_sites_alike_but_for_their_logger_keep_templates_of_their_own():
    def line(site, what, price):
        return (
            f"18:03:57.913 INFO  p.c.{site} TraceID: 9bd72d837371fe1b33bd1ab5c2e51e85 "
            f"SpanID: 524ac540b4a8b53e [findByRoute][{what}][Train Type: {price}]"
        )

    book = TemplateBook({})
    controller = book.template_of("price", line("PriceController#46", "Query price", "G"))
    service = book.template_of("price", line("PriceServiceImpl#71", "Route found", "D"))

    assert controller != service
    assert book.template_of("price", line("PriceController#46", "Query price", "K")) == (controller)


def test_a_line_is_mined_without_the_time_and_level_it_leads_with():
    book = TemplateBook({})
    found = book.template_of("price", "18:03:57.913 INFO  p.c.PriceController#46 query 7")

    assert book.texts("price") == {found: "p.c.PriceController#<NUM> query <NUM>"}


def test_a_stored_template_with_its_header_keeps_its_id_for_the_same_lines():
    book = TemplateBook({"price": {4: "<NUM> INFO p.c.PriceController#<NUM> query <NUM>"}})

    assert book.template_of("price", "18:03:57.913 INFO p.c.PriceController#46 query 7") == 4


def test_short_lines_of_different_lengths_keep_templates_of_their_own():
    book = TemplateBook({})

    assert book.template_of("order", "paid order 1") != book.template_of(
        "order", "paid order 1 by card"
    )


def test_a_book_seeded_with_stored_templates_gives_the_same_ids():
    first = TemplateBook({})
    lines = ["user alice logged in", "user bob logged in", "disk sda full", "job done"]
    ids = [first.template_of("cart", line) for line in lines]

    again = TemplateBook({"cart": first.texts("cart")})

    assert [again.template_of("cart", line) for line in reversed(lines)] == ids[::-1]
    assert again.changed == {}
    assert again.template_of("cart", "something entirely new here") == max(ids) + 1


def test_past_the_cap_new_lines_fold_into_the_other_template_but_known_ones_match():
    book = TemplateBook({}, cap=2)
    one = book.template_of("cart", "alpha beta")
    two = book.template_of("cart", "gamma delta epsilon")

    assert book.template_of("cart", "zeta") == OTHER_ID
    assert book.template_of("cart", "zeta") == OTHER_ID
    assert book.template_of("cart", "alpha beta") == one
    assert book.template_of("cart", "gamma delta epsilon") == two
    assert book.folded == {"cart": 2}


def test_services_have_templates_of_their_own():
    book = TemplateBook({})
    assert book.template_of("a", "hello there") == 1
    assert book.template_of("b", "other words entirely") == 1


@given(st.lists(st.text(max_size=80), max_size=30))
def test_any_lines_get_a_template_within_the_cap(lines):
    book = TemplateBook({}, cap=5)
    found = {book.template_of("svc", line) for line in lines}
    assert all(0 <= template <= 5 for template in found)
    assert len(set(book.texts("svc")) - {OTHER_ID}) <= 5


def test_a_book_kept_between_batches_follows_templates_another_process_stored():
    here = TemplateBook()
    here.follow({}, ["cart"], cap=200)
    assert here.template_of("cart", "user alice logged in") == 1
    elsewhere = TemplateBook()
    elsewhere.follow({"cart": here.texts("cart")}, ["cart"], cap=200)
    assert elsewhere.template_of("cart", "disk sda full") == 2

    here.follow({"cart": elsewhere.texts("cart")}, ["cart"], cap=200)

    assert here.template_of("cart", "disk sda full") == 2
    assert here.template_of("cart", "job done at last") == 3
    assert here.changed == {("cart", 3): "job done at last"}


def test_a_batch_that_was_not_stored_is_forgotten_at_the_next_follow():
    book = TemplateBook()
    book.follow({}, ["cart"], cap=200)
    book.template_of("cart", "lost in a failed transaction")

    book.follow({}, ["cart"], cap=200)

    assert book.template_of("cart", "a first stored line") == 1


def test_a_flood_of_services_keeps_a_bounded_number_of_miners_open():
    book = TemplateBook()
    for i in range(MINERS_KEPT * 3):
        book.template_of(f"svc-{i}", f"started worker pool {i}")

    assert len(book._open) <= MINERS_KEPT
    assert book.template_of("svc-0", "started worker pool 99") == 1  # reopened from its texts
