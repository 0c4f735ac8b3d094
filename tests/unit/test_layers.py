"""The layers hold: the pure core reaches no outside world, adapters reach no entry point.

The core is `topology/`; the adapters are `bot/adapters/` (the store, the trace and catalog
sources, the pager, the Slack client); the use cases are `bot/usecases/`; the entry points
are the CLI, the HTTP routes, the Slack listeners and the processes' composition. The rest
of `bot/` is pure presentation (Slack views, templates) that adapters may send. A use
case takes its ports as arguments: it imports neither the composition root nor an entry
point. Read from
the source with `ast`, so a lazy import inside a function counts as much as one at the top
of a module.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ADAPTERS_PACKAGE = "bot.adapters"
ABOVE_ADAPTERS = {
    "bot.usecases": "a use case",
    "bot.cli": "the CLI",
    "bot.web": "the HTTP routes",
    "bot.demo": "the demo",
    "bot.slack.bolt": "the Slack app",
    "bot.slack.listeners": "the Slack listeners",
    "bot.slack.conversation": "a Slack conversation",
    "bot.slack.incident_buttons": "the incident buttons",
    "bot.slack.warning_mutes": "the mute button",
    "bot.slack.answer_processes": "the answer workers",
    "bot.bootstrap": "the composition root",
    "bot.scheduler": "the scheduler",
    "bot.alert_workers": "the alert workers",
    "bot.lifetime": "the process's lifetime",
}
"""What an adapter never imports: the use cases and the entry points that use it."""

CORE_THIRD_PARTY = {
    "networkx": "the graph model",
    "msgspec": "decoding wire formats from bytes",
    "numpy": "the traffic-share solve",
    "scipy": "robust trends",
    "drain3": "log templates",
    "yaml": "catalog text",
    "google": "OTLP protobuf messages",
    "opentelemetry": "OTLP protobuf messages",
    "_typeshed": "types only",
}
"""Libraries the core may use, and what for: each works on values, none on the world."""

CORE_FORBIDDEN_STDLIB = {
    "os": "process environment and files",
    "sys": "process state",
    "io": "files",
    "pathlib": "files",
    "shutil": "files",
    "tempfile": "files",
    "glob": "files",
    "socket": "network",
    "ssl": "network",
    "http": "network",
    "urllib": "network",
    "subprocess": "processes",
    "multiprocessing": "processes",
    "signal": "processes",
    "sqlite3": "a database",
    "time": "the clock",
    "logging": "output",
    "asyncio": "an event loop",
}
"""Standard modules that reach the outside world, which the core takes as arguments instead."""

CLOCK_CALLS = {"now", "utcnow", "today", "time", "monotonic", "perf_counter"}


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package.replace(".", "/")).rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """Each absolute module a file imports, with its line; relative imports resolved."""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    return _imports_of(path.read_text(encoding="utf-8"), package)


def _imports_of(source: str, package: list[str]) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            yield node.lineno, ".".join([*base, *([node.module] if node.module else [])])


def _clock_calls(source: str) -> list[int]:
    """Lines calling `datetime.now()`, `time.time()` and the like."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in CLOCK_CALLS
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id in {"datetime", "date", "time"}
    ]


def _under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


CORE = _modules("topology")
ADAPTERS = _modules(ADAPTERS_PACKAGE)
USE_CASES = _modules("bot.usecases")
DEMO_DATA = {"bot.demo.shop", "bot.demo.own_store"}
"""The demo's shop as data: what its use case checks a store against, not an entry point."""


def _entry_point(module: str) -> str | None:
    """What `module` is, when a use case may not import it; None when it may."""
    if module in DEMO_DATA or _under(module, "bot.usecases"):
        return None
    return _above_adapters(module)


def _above_adapters(module: str) -> str | None:
    """What `module` is, when an adapter may not import it; None when it may."""
    return next((what for package, what in ABOVE_ADAPTERS.items() if _under(module, package)), None)


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def test_the_core_the_adapters_and_the_use_cases_are_all_found() -> None:
    assert len(CORE) > 50
    assert len(ADAPTERS) > 10
    assert len(USE_CASES) > 20


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_core_module_imports_no_adapter_no_entry_point_and_nothing_of_the_world(
    path: Path,
) -> None:
    wrong = []
    for line, module in _imports(path):
        top = module.split(".")[0]
        if top == "bot":
            wrong.append(f"{_where(path, line)} imports {module} (outside the core)")
        elif top in CORE_FORBIDDEN_STDLIB:
            wrong.append(f"{_where(path, line)} imports {module} ({CORE_FORBIDDEN_STDLIB[top]})")
        elif top not in sys.stdlib_module_names and top not in {"topology", *CORE_THIRD_PARTY}:
            wrong.append(f"{_where(path, line)} imports {module} (not a core library)")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_core_module_reads_no_clock(path: Path) -> None:
    lines = _clock_calls(path.read_text(encoding="utf-8"))
    assert not lines, "the time is an argument in the core: " + str(
        [_where(path, n) for n in lines]
    )


@pytest.mark.parametrize("path", ADAPTERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_an_adapter_imports_no_entry_point(path: Path) -> None:
    wrong = [
        f"{_where(path, line)} imports {module} ({what})"
        for line, module in _imports(path)
        if (what := _above_adapters(module)) is not None
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", USE_CASES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_use_case_imports_no_entry_point_nor_the_composition_root(path: Path) -> None:
    wrong = [
        f"{_where(path, line)} imports {module} ({what}): take what it needs as arguments"
        for line, module in _imports(path)
        if (what := _entry_point(module)) is not None
    ]
    assert not wrong, "\n".join(wrong)


def test_the_use_case_check_catches_the_app_and_entry_points_but_not_other_use_cases() -> None:
    assert _entry_point("bot.bootstrap") == "the composition root"
    assert _entry_point("bot.web.view") == "the HTTP routes"
    assert _entry_point("bot.demo.running") == "the demo"
    assert _entry_point("bot.demo.shop") is None
    assert _entry_point("bot.usecases.map_questions") is None
    assert _entry_point("bot.adapters.store.ports") is None


def test_the_checks_catch_an_adapter_a_clock_the_world_and_a_relative_import() -> None:
    source = (
        "import os\n"
        "from datetime import datetime\n"
        "from ..adapters.store import engine\n"
        "def f():\n"
        "    from bot import settings\n"
        "    return datetime.now()\n"
    )
    found = [module for _, module in _imports_of(source, ["bot", "usecases"])]
    assert found == ["os", "datetime", "bot.adapters.store", "bot"]
    assert _clock_calls(source) == [6]


def test_the_adapter_check_catches_use_cases_and_entry_points_but_not_views() -> None:
    assert _above_adapters("bot.usecases.alerting") == "a use case"
    assert _above_adapters("bot.slack.listeners") == "the Slack listeners"
    assert _above_adapters("bot.bootstrap") == "the composition root"
    assert _above_adapters("bot.slack.incident_view") is None
    assert _above_adapters("bot.adapters.store.ports") is None
    assert _above_adapters("bot.usecasesx") is None


def test_every_module_above_the_adapters_is_one() -> None:
    missing = [
        package
        for package in ABOVE_ADAPTERS
        if not (ROOT / package.replace(".", "/")).is_dir()
        and not (ROOT / (package.replace(".", "/") + ".py")).is_file()
    ]
    assert not missing, f"no such module: {missing}"
