"""Records with more than four fields are built with keywords, so a reader sees each value's name.

Checked over the source with `ast`: a call with more than four positional arguments to a
dataclass, named tuple or msgspec struct of the project fails the test. The records of
the import's hottest loops are built positionally on purpose (keywords cost about twice
as much per construction there) and are listed with that reason.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
from pathlib import Path

import msgspec
import pytest

from tests.conftest import REPO

PACKAGES = ("topology", "bot", "bench", "eval", "samples")
POSITIONAL = {
    "Call": "one per linked call: the import's hottest loop",
    "Span": "one per span read: the parsers' hottest loop",
    "Served": "one per served request: the import's hottest loop",
    "Sample": "one per metric point read",
    "LogRecord": "one per log record read",
}
"""Records built positionally on purpose, and why."""
MOST = 4


def _fields(record: object) -> list[str] | None:
    if dataclasses.is_dataclass(record) and isinstance(record, type):
        return [f.name for f in dataclasses.fields(record) if f.init]
    if isinstance(record, type) and issubclass(record, msgspec.Struct):
        return list(record.__struct_fields__)
    if isinstance(record, type) and issubclass(record, tuple) and hasattr(record, "_fields"):
        return list(record._fields)
    return None


def _module(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _record_names(tree: ast.Module, module: str) -> dict[str, tuple[str, str]]:
    """The names a module can call a record by: its own classes and what it imports."""
    names: dict[str, tuple[str, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                names[alias.asname or alias.name] = (node.module, alias.name)
        elif isinstance(node, ast.ClassDef):
            names[node.name] = (module, node.name)
    return names


def positional_records(path: Path, module: str) -> list[str]:
    """Each call in `path` (the module `module`) building a record of more than four
    fields with more than four positional arguments, as `file:line Name`.
    """
    tree = ast.parse(path.read_text())
    names = _record_names(tree, module)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if len(node.args) <= MOST or node.func.id in POSITIONAL:
            continue
        if node.func.id not in names:
            continue
        module, name = names[node.func.id]
        if not module.startswith(PACKAGES):
            continue
        fields = _fields(getattr(importlib.import_module(module), name, None))
        if fields is not None and len(fields) > MOST:
            found.append(f"{path.name}:{node.lineno} {node.func.id}")
    return found


def test_records_of_more_than_four_fields_are_built_with_keywords():
    sources = sorted(p for package in PACKAGES for p in (REPO / package).rglob("*.py"))
    found = [hit for path in sources for hit in positional_records(path, _module(path))]
    assert found == []


def test_the_check_catches_a_positional_record(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from topology.stats import EdgeStats\n"
        "from topology.queries.deps import Dependency\n"
        "a = Dependency('a', 1, 'b', None, False, None, None)\n"
        "b = Dependency(name='a', hops=1, via='b', kind=None, virtual=False, owner=None,"
        " edge=None)\n"
        "c = EdgeStats('a', 'b')\n"
    )
    assert positional_records(probe, "probe") == ["probe.py:3 Dependency"]


@pytest.mark.parametrize("name", sorted(POSITIONAL))
def test_each_record_built_positionally_is_a_record_of_the_project(name):
    modules = ("topology.model", "topology.parsing.otlp_metrics", "topology.signals.logs")
    assert any(hasattr(importlib.import_module(m), name) for m in modules)
