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
