"""The layers hold: the pure core reaches no outside world, adapters reach no entry point.

The core is `topology/`; the adapters are `bot/adapters/` (the store, the trace and catalog
sources, the pager); the use cases are `bot/usecases/` and the rest of `bot/` is the entry
points and their composition. Read from the source with `ast`, so a lazy import inside a
function counts as much as one at the top of a module.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ADAPTERS_PACKAGE = "bot.adapters"

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


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def test_the_core_and_the_adapters_are_both_found() -> None:
    assert len(CORE) > 50
    assert len(ADAPTERS) > 10


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
        f"{_where(path, line)} imports {module}"
        for line, module in _imports(path)
        if _under(module, "bot") and not _under(module, ADAPTERS_PACKAGE)
    ]
    assert not wrong, "\n".join(wrong)


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
