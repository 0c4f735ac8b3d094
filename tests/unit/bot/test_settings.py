import pytest

from bot.settings import load_settings
from topology.errors import SettingsError


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SVCMAP_DATABASE_URL", "sqlite:///x.db")
    monkeypatch.setenv("SVCMAP_DEFAULT_WINDOW", "2h")
    settings = load_settings()
    assert (settings.database_url, settings.default_window) == ("sqlite:///x.db", "2h")


def test_the_default_database_is_a_sqlite_file_in_the_data_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("SVCMAP_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert load_settings().database_url == f"sqlite:///{tmp_path}/svcmap/svcmap.db"


def test_a_bad_setting_is_named(monkeypatch):
    monkeypatch.setenv("SVCMAP_DEFAULT_WINDOW", "a while")
    with pytest.raises(SettingsError, match="SVCMAP_DEFAULT_WINDOW"):
        load_settings()


def test_a_bad_boolean_is_named(monkeypatch):
    monkeypatch.setenv("SVCMAP_INFER_PEERS", "perhaps")
    with pytest.raises(SettingsError, match="SVCMAP_INFER_PEERS"):
        load_settings()


def test_an_empty_catalog_setting_means_no_catalog(monkeypatch):
    monkeypatch.setenv("SVCMAP_CATALOG_FILE", "")
    assert load_settings().catalog_file is None


def test_the_live_sources_are_off_and_the_refresh_has_safe_defaults(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in ("JAEGER_URL", "ZIPKIN_URL", "TEMPO_URL", "PROMETHEUS_URL", "REFRESH_INTERVAL"):
        monkeypatch.delenv(f"SVCMAP_{name}", raising=False)
    settings = load_settings()
    urls = (settings.jaeger_url, settings.zipkin_url, settings.tempo_url, settings.prometheus_url)
    assert urls == ("", "", "", "")
    assert settings.tempo_tenant is None
    assert (settings.refresh_interval, settings.refresh_overlap) == (60, 120)
    assert (settings.source_timeout, settings.trace_limit) == (10, 1000)


def test_refresh_durations_are_read_like_other_durations_and_empty_means_default(monkeypatch):
    monkeypatch.setenv("SVCMAP_REFRESH_INTERVAL", "5m")
    monkeypatch.setenv("SVCMAP_REFRESH_OVERLAP", "")
    monkeypatch.setenv("SVCMAP_SOURCE_TIMEOUT", "30")
    settings = load_settings()
    assert (settings.refresh_interval, settings.refresh_overlap) == (300, 120)
    assert settings.source_timeout == 30


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SVCMAP_ZIPKIN_URL", "zipkin:9411"),
        ("SVCMAP_PROMETHEUS_URL", "ftp://prometheus"),
        ("SVCMAP_REFRESH_INTERVAL", "soon"),
        ("SVCMAP_SOURCE_TIMEOUT", "0"),
        ("SVCMAP_TRACE_LIMIT", "0"),
    ],
)
def test_a_bad_source_setting_is_named(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        load_settings()


def test_retention_defaults_keep_minutes_two_days_hours_thirty_and_days_four_hundred(
    monkeypatch, tmp_path
):
    monkeypatch.chdir(tmp_path)
    for name in ("MINUTES", "HOURS", "DAYS"):
        monkeypatch.delenv(f"SVCMAP_RETAIN_{name}", raising=False)
    retention = load_settings().retention
    assert (retention.minutes_s, retention.hours_s, retention.days_s) == (
        2 * 86_400,
        30 * 86_400,
        400 * 86_400,
    )


def test_retention_is_read_as_durations(monkeypatch):
    monkeypatch.setenv("SVCMAP_RETAIN_MINUTES", "36h")
    monkeypatch.setenv("SVCMAP_RETAIN_HOURS", "2w")
    monkeypatch.setenv("SVCMAP_RETAIN_DAYS", "")
    settings = load_settings()
    assert (settings.retain_minutes, settings.retain_hours) == (36 * 3_600, 14 * 86_400)
    assert settings.retain_days == 400 * 86_400


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"SVCMAP_RETAIN_MINUTES": "a week"}, "SVCMAP_RETAIN_MINUTES: bad duration"),
        ({"SVCMAP_RETAIN_DAYS": "0"}, "SVCMAP_RETAIN_DAYS: must be more than 0s"),
        (
            {"SVCMAP_RETAIN_MINUTES": "3d", "SVCMAP_RETAIN_HOURS": "1d"},
            "SVCMAP_RETAIN_HOURS must be at least SVCMAP_RETAIN_MINUTES",
        ),
        (
            {"SVCMAP_RETAIN_HOURS": "90d", "SVCMAP_RETAIN_DAYS": "30d"},
            "SVCMAP_RETAIN_DAYS must be at least SVCMAP_RETAIN_HOURS",
        ),
    ],
)
def test_a_bad_retention_is_refused_naming_the_setting(monkeypatch, values, named):
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=named):
        load_settings()


def test_paging_is_a_dry_run_unless_set_otherwise(monkeypatch):
    monkeypatch.delenv("SVCMAP_PAGING_MODE", raising=False)

    assert load_settings().paging_mode.value == "dry-run"


def test_resolves_are_held_five_minutes_unless_set_otherwise(monkeypatch):
    monkeypatch.delenv("SVCMAP_RESOLVE_HOLD", raising=False)
    assert load_settings().resolve_hold == 300
    monkeypatch.setenv("SVCMAP_RESOLVE_HOLD", "90s")
    assert load_settings().resolve_hold == 90
    monkeypatch.setenv("SVCMAP_RESOLVE_HOLD", "0")
    assert load_settings().resolve_hold == 0


def test_alert_labels_are_read_as_a_comma_separated_list(monkeypatch):
    monkeypatch.setenv("SVCMAP_ALERT_LABELS", " app, job ,")

    assert load_settings().alert_labels == ("app", "job")


def test_the_webhook_token_never_shows_in_the_settings(monkeypatch):
    monkeypatch.setenv("SVCMAP_ALERT_TOKEN", "very-secret-token")

    settings = load_settings()

    assert "very-secret-token" not in repr(settings)
    assert settings.alert_token.get_secret_value() == "very-secret-token"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SVCMAP_PAGING_MODE", "maybe"),
        ("SVCMAP_PAGERDUTY_EVENTS_URL", "events.pagerduty.com"),
        ("SVCMAP_INCIDENT_CHANNEL", "incidents"),
        ("SVCMAP_ALERT_LABELS", " , "),
        ("SVCMAP_RESOLVE_HOLD", "-1"),
        ("SVCMAP_RESOLVE_HOLD", "2h"),
        ("SVCMAP_RESOLVE_HOLD", "a while"),
    ],
)
def test_a_bad_alert_setting_is_refused_by_name(monkeypatch, name, value):
    monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError, match=name):
        load_settings()


def test_the_otlp_pairing_wait_is_a_duration_of_ten_seconds_by_default(monkeypatch):
    monkeypatch.delenv("SVCMAP_OTLP_PAIRING_WAIT", raising=False)
    assert load_settings().otlp_pairing_wait == 10
    monkeypatch.setenv("SVCMAP_OTLP_PAIRING_WAIT", "1m")
    assert load_settings().otlp_pairing_wait == 60


@pytest.mark.parametrize("value", ["-1", "a bit", "10m"])
def test_a_bad_otlp_pairing_wait_is_named(monkeypatch, value):
    monkeypatch.setenv("SVCMAP_OTLP_PAIRING_WAIT", value)
    with pytest.raises(SettingsError, match="SVCMAP_OTLP_PAIRING_WAIT"):
        load_settings()


def test_slack_questions_are_answered_by_two_worker_processes_unless_set(monkeypatch):
    monkeypatch.delenv("SVCMAP_SLACK_ANSWER_PROCESSES", raising=False)
    assert load_settings().slack_answer_processes == 2
    monkeypatch.setenv("SVCMAP_SLACK_ANSWER_PROCESSES", "0")
    assert load_settings().slack_answer_processes == 0


@pytest.mark.parametrize("value", ["-1", "many", "33"])
def test_a_bad_number_of_answer_processes_is_named(monkeypatch, value):
    monkeypatch.setenv("SVCMAP_SLACK_ANSWER_PROCESSES", value)
    with pytest.raises(SettingsError, match="SVCMAP_SLACK_ANSWER_PROCESSES"):
        load_settings()


def test_trace_ids_are_compared_by_their_low_64_bits_unless_set_strict(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SVCMAP_STRICT_TRACE_ID", raising=False)
    assert load_settings().strict_trace_id is False
    monkeypatch.setenv("SVCMAP_STRICT_TRACE_ID", "true")
    assert load_settings().strict_trace_id is True
