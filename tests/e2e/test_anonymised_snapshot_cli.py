"""`svcmap snapshot export --anonymise` as installed: pseudonyms, the same ranking, a key needed."""

from tests.e2e.test_rca_store_cli import INCIDENT, shop  # noqa: F401 - the fixture
from topology.rca import load_snapshot
from topology.rca.anonymise import Pseudonyms

KEY = "0123456789abcdef0123456789abcdef"


def test_the_anonymised_export_ranks_as_the_store_does_named_back(shop, tmp_path):  # noqa: F811 - the fixture
    (tmp_path / ".env").write_text(f"SVCMAP_ANONYMISE_KEY={KEY}\n")
    path = tmp_path / "anonymous.json"

    done = shop("snapshot", "export", "frontend", *INCIDENT, "--anonymise", "-o", path)

    assert done.code == 0, done.err
    assert "names pseudonymised" in done.out
    text = path.read_text()
    for name in ("frontend", "payment", "stripe-api", "checkout"):
        assert f'"{name}"' not in text
    pseudonyms = Pseudonyms(KEY.encode())
    symptom = pseudonyms.service("frontend")
    assert load_snapshot(text, source="anonymous").symptom.service == symptom  # type: ignore[union-attr]
    original = shop("rca", "frontend", *INCIDENT, "--json").json()
    for candidate in original["ranking"]:
        pseudonyms.service(candidate["service"])
    ranked = shop("rca", "--snapshot", path, "--symptom", symptom, "--json").json()
    back = pseudonyms.names
    assert [(back[c["service"]], c["score"]) for c in ranked["ranking"]] == [
        (c["service"], c["score"]) for c in original["ranking"]
    ]
    assert ranked["confidence"] == original["confidence"] == "high"


def test_without_a_key_the_export_is_refused_saying_which_setting(shop, tmp_path):  # noqa: F811 - the fixture
    path = tmp_path / "anonymous.json"

    done = shop("snapshot", "export", "frontend", *INCIDENT, "--anonymise", "-o", path)

    assert done.code == 2
    assert "SVCMAP_ANONYMISE_KEY" in done.err
    assert not path.exists()
