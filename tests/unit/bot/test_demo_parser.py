"""`svcmap demo` takes `--port` before or after its action."""

import pytest

from bot.cli.parser import build_parser


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--port", "18600", "status"],
        ["demo", "status", "--port", "18600"],
        ["demo", "--port", "18600", "heal"],
        ["demo", "heal", "--port", "18600"],
        ["demo", "--port", "18600", "break", "cart", "--errors", "30%"],
        ["demo", "break", "cart", "--port", "18600"],
    ],
)
def test_demo_actions_read_the_port_before_or_after_the_action(argv):
    assert build_parser().parse_args(argv).port == 18600


@pytest.mark.parametrize("argv", [["demo"], ["demo", "status"], ["demo", "heal"]])
def test_demo_without_a_port_leaves_it_to_the_settings(argv):
    assert build_parser().parse_args(argv).port is None
