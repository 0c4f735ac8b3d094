"""Answers as plain data: the entries written out by hand give exactly the generic form."""

import enum

from topology.model import NodeKind
from topology.queries import Direction, blast_radius, dependencies
from topology.queries.jsonable import as_dict, jsonable

from .factories import catalog, graph_of


def shop():
    return graph_of(
        ("frontend", "checkout", 40),
        ("checkout", "payment", 30),
        ("checkout", "orders-db", 20),
        ("payment", "checkout", 2),
        ("payment", "ledger-db", 10),
    )


def test_each_blast_entry_is_the_generic_form_of_its_fields():
    result = blast_radius(shop(), "ledger-db", catalog({"payment": "payments"}))

    assert len(result.upstream) == 3
    for entry in result.upstream:
        assert entry.to_dict() == as_dict(entry)
    assert result.to_dict()["upstream"] == [as_dict(entry) for entry in result.upstream]


def test_each_dependency_is_the_generic_form_of_its_fields_with_its_edge_or_none():
    result = dependencies(shop(), "frontend", direction=Direction.DOWN, catalog=catalog({}))

    with_edge = [entry for entry in result.downstream if entry.edge is not None]
    without = [entry for entry in result.downstream if entry.edge is None]
    assert with_edge
    assert without
    for entry in result.downstream:
        assert entry.to_dict() == as_dict(entry)
    assert with_edge[0].to_dict()["edge"] == with_edge[0].edge.to_dict()
    assert without[0].to_dict()["kind"] == NodeKind.SERVICE.value


class Colour(enum.StrEnum):
    RED = "red"


def test_a_string_enum_becomes_its_value_and_plain_values_stay_as_they_are():
    assert type(jsonable(Colour.RED)) is str
    assert jsonable(Colour.RED) == "red"
    assert jsonable(True) is True
    assert jsonable(None) is None
    assert jsonable(2.5) == 2.5
    assert jsonable((1, "a", Colour.RED)) == [1, "a", "red"]
