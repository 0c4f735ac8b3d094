import io
import math

import pytest

from bench.summary import MAX_LINE, Figure, bounded_lines, collect, figure, main, parse, table


def test_a_figure_printed_is_read_back(capsys):
    figure("blast p99\twith a tab", 12.5, "ms", "<=", 10)
    figure("import rate", 350_000, "spans/s", ">=", 300_000)

    found, problems = collect(io.StringIO(capsys.readouterr().out))

    assert problems == []
    assert found == [
        Figure("blast p99 with a tab", 12.5, "ms", "<=", 10.0),
        Figure("import rate", 350_000.0, "spans/s", ">=", 300_000.0),
    ]
    assert [item.met for item in found] == [False, True]
    assert found[0].ratio == pytest.approx(1.25)


def test_other_lines_are_skipped_and_malformed_summary_lines_named():
    log = io.StringIO(
        "load: 5,000 nodes in 0.9 s\n"
        "SUMMARY\tok\t1\ts\t<=\t2\n"
        "SUMMARY\ttoo\tfew\n"
        "SUMMARY\tbad op\t1\ts\t<\t2\n"
        "SUMMARY\tnot a number\tfast\ts\t<=\t2\n"
        "SUMMARY\tinfinite\tinf\ts\t<=\t2\n"
        "SUMMARYnot-a-tab\n"
    )

    found, problems = collect(log)

    assert [item.name for item in found] == ["ok"]
    assert [problem.split(":")[0] for problem in problems] == [
        "line 3",
        "line 4",
        "line 5",
        "line 6",
    ]


def test_an_unknown_operator_is_refused_when_printing():
    with pytest.raises(ValueError, match="operator"):
        figure("x", 1, "s", "<", 2)


def test_a_zero_target_gives_no_ratio_rather_than_a_crash():
    item = parse("SUMMARY\tx\t0\t\t>=\t0\n")

    assert item is not None
    assert item.met
    assert math.isnan(item.ratio)
    assert "nan" in table([item])


def test_an_over_long_line_is_skipped_in_bounded_pieces():
    stream = io.StringIO(
        "SUMMARY\tx\t" + "9" * (50 * MAX_LINE) + "\ts\t<=\t1\nSUMMARY\ty\t1\ts\t<=\t2\n"
    )

    lines = list(bounded_lines(stream))

    assert lines[0] == ""
    assert all(len(line) <= MAX_LINE for line in lines)
    assert [item.name for item in collect(lines)[0]] == ["y"]


def test_the_table_has_every_figure_its_target_ratio_and_verdict(tmp_path, capsys):
    log = tmp_path / "bench.log"
    log.write_text(
        "SUMMARY\tdeps p99\t4.2\tms\t<=\t10\nnoise\nSUMMARY\trate\t250000\tspans/s\t>=\t300000\n"
    )

    status = main([str(log)])

    out = capsys.readouterr().out.splitlines()
    assert status == 0
    assert out[0].split() == ["figure", "value", "target", "ratio", "met"]
    assert out[1].split() == ["deps", "p99", "4.2", "ms", "<=", "10", "ms", "0.42", "yes"]
    assert out[2].split()[-2:] == ["0.83", "MISSED"]
    assert out[-1] == "2 figures, 1 missed"


def test_a_missing_log_or_a_log_without_figures_fails_with_a_message(tmp_path, capsys):
    empty = tmp_path / "empty.log"
    empty.write_text("nothing here\n")

    assert main([str(tmp_path / "absent.log")]) == 1
    assert main([str(empty)]) == 1
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "cannot read" in err
    assert "no SUMMARY lines" in err
