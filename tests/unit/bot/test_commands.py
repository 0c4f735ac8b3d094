import argparse

import pytest

from bot.commands import add_incident_options, add_questions


@pytest.fixture
def parser():
    built = argparse.ArgumentParser(prog="svcmap", exit_on_error=False)
    add_questions(built.add_subparsers(dest="command", required=True))
    return built


def test_deps_reads_direction_depth_and_time(parser):
    args = parser.parse_args(["deps", "cart", "--up", "--depth", "2", "--at", "1700000000"])
    assert (args.service, args.direction, args.depth, args.at) == ("cart", "up", 2, 1_700_000_000)


def test_deps_without_a_direction_leaves_the_default_to_the_question(parser):
    assert parser.parse_args(["deps", "cart"]).direction is None


def test_simulate_takes_comma_separated_and_repeated_names(parser):
    args = parser.parse_args(["simulate", "down", "cart,payment", "redis"])
    assert args.services == [["cart", "payment"], ["redis"]]


def test_diff_defaults_to_the_last_hour(parser):
    args = parser.parse_args(["diff"])
    assert (args.since, args.baseline) == (3_600, None)


@pytest.mark.parametrize(
    "argv",
    [
        ["deps"],
        ["deps", "a", "--depth", "x"],
        ["path", "a"],
        ["simulate", "up", "a"],
        ["blast", "a", "--window", "forever"],
    ],
)
def test_malformed_questions_are_refused(parser, argv):
    with pytest.raises((argparse.ArgumentError, SystemExit)):
        parser.parse_args(argv)


def test_incident_options_read_time_and_durations_and_leave_defaults_to_the_use_case():
    built = argparse.ArgumentParser(prog="svcmap rca", exit_on_error=False)
    add_incident_options(built)

    args = built.parse_args(["--at", "2026-05-01T02:30:00Z", "--window", "20m"])

    assert (args.at, args.window, args.baseline) == (1_777_602_600, 1_200, None)
