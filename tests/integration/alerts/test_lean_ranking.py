"""An alert ranks from the series of the edges around its candidates only: the same ranking."""

import pytest

from bot.commands import INCIDENT_BASELINE_S, INCIDENT_WINDOW_S
from bot.usecases.rca import gather_for_ranking, with_every_edge
from tests.integration.alerts.conftest import INCIDENT_AT
from topology.rca import rank


def gathered(app, symptom, *, lean):
    return gather_for_ranking(
        app.store,
        app.catalog,
        symptom=symptom,
        metric=None,
        at=INCIDENT_AT,
        incident_s=INCIDENT_WINDOW_S,
        baseline_s=INCIDENT_BASELINE_S,
        lean=lean,
    )[1]


@pytest.mark.parametrize("symptom", ["frontend", "checkout", "payment", "stripe-api", "cart"])
def test_the_lean_snapshot_ranks_as_the_whole_one_and_completes_to_it(make_app, symptom):
    app = make_app()

    whole = gathered(app, symptom, lean=False)
    lean = gathered(app, symptom, lean=True)

    assert rank(lean, symptom) == rank(whole, symptom)
    assert with_every_edge(app.store, lean) == whole


def test_the_lean_snapshot_leaves_out_the_edges_away_from_the_candidates(make_app):
    app = make_app()

    whole = gathered(app, "stripe-api", lean=False)
    lean = gathered(app, "stripe-api", lean=True)

    assert set(lean.edge_series) < set(whole.edge_series)
    assert all("stripe-api" in key for key in lean.edge_series)
