import pytest
from sqlalchemy import text

from topology.errors import StoreError


def test_a_database_failure_after_connecting_is_a_store_error(engine, store, call):
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE edge_buckets"))

    with pytest.raises(StoreError) as caught:
        store.edges()
    assert "edge_buckets" in str(caught.value)

    with pytest.raises(StoreError):
        store.ingest([call("a", "b", "k1")], [], now_s=0, source="t", spans=1)


def test_a_failure_in_a_large_read_is_a_store_error_and_the_store_answers_after(
    engine, store, call
):
    # Large reads come as columns; on Postgres they are streamed, the query's error
    # arriving with the rows.
    store.ingest([call("a", "b", "k1")], [], now_s=0, source="t", spans=1)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE service_buckets"))

    with pytest.raises(StoreError) as caught:
        store.service_minutes(0, 2_000_000_000, services=None)
    assert "service_buckets" in str(caught.value)

    edges = store.edge_minutes(0, 2_000_000_000, touching=None)
    assert edges is not None
    assert edges.keys == [("a", "b")]
