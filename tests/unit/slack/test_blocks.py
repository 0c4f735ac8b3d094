from bot.slack.blocks import (
    AT_ACTION,
    DETAIL_SECTIONS,
    EDGE_ACTION,
    FALLBACK_LIMIT,
    RERUN_BLOCK,
    SECTION_LIMIT,
    AnswerView,
    Button,
    answer_blocks,
    detail_sections,
    fallback_text,
)


def sections(blocks: list[dict[str, object]]) -> list[str]:
    return [
        str(block["text"]["text"])  # type: ignore[index]
        for block in blocks
        if block["type"] == "section"
    ]


def test_an_answer_is_a_summary_its_table_context_and_controls() -> None:
    view = AnswerView(
        summary="*Blast radius of cart*",
        detail="service  hops\ncheckout    1",
        context="window: everything stored",
        buttons=[Button("Owners", "owners cart --at 5"), Button("Earlier", "blast cart --at 1")],
        edges=[("checkout \u2192 cart", "path checkout cart --at 5")],
        rerun="blast cart",
        at=5,
    )
    blocks = answer_blocks(view)
    assert [block["type"] for block in blocks] == [
        "section",
        "section",
        "context",
        "actions",
        "actions",
    ]
    assert sections(blocks)[1] == "```\nservice  hops\ncheckout    1\n```"
    controls = blocks[3]["elements"]
    assert isinstance(controls, list)
    assert [c["action_id"] for c in controls] == ["svcmap.run.0", "svcmap.run.1", EDGE_ACTION]
    assert controls[0]["value"] == "owners cart --at 5"
    assert blocks[4]["block_id"] == f"{RERUN_BLOCK}blast cart"
    picker = blocks[4]["elements"][0]  # type: ignore[index]
    assert picker == {"type": "datetimepicker", "action_id": AT_ACTION, "initial_date_time": 5}


def test_a_long_table_is_split_into_sections_within_slacks_limit() -> None:
    detail = "\n".join(f"service-{n:05d}  <{n}>  &" for n in range(1_000))
    texts = detail_sections(detail, "(cut)")
    assert len(texts) == DETAIL_SECTIONS
    assert all(len(text) <= SECTION_LIMIT for text in texts)
    assert texts[-1].endswith("(cut)\n```")
    assert "more lines" in texts[-1]
    assert "<" not in "".join(texts)


def test_a_short_table_is_never_cut() -> None:
    texts = detail_sections("a\nb\nc", "(cut)")
    assert texts == ["```\na\nb\nc\n```"]


def test_one_huge_line_is_shortened_to_fit() -> None:
    (text,) = detail_sections("&" * 10_000, "(cut)")
    assert len(text) <= SECTION_LIMIT


def test_a_summary_past_the_limit_is_cut_outside_an_entity() -> None:
    blocks = answer_blocks(AnswerView(summary="&amp;" * 1_000))
    (text,) = sections(blocks)
    assert len(text) <= SECTION_LIMIT
    assert text.endswith("&amp;\u2026")


def test_a_rerun_too_long_for_a_block_id_gets_no_picker() -> None:
    blocks = answer_blocks(AnswerView(summary="s", rerun="blast " + "x" * 300, at=1))
    assert blocks == [{"type": "section", "text": {"type": "mrkdwn", "text": "s"}}]


def test_fallback_text_is_short_plain_and_on_one_line() -> None:
    assert fallback_text("*a*\n  b") == "*a* b"
    assert len(fallback_text("x" * 1_000)) == FALLBACK_LIMIT
