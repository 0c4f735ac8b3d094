"""The warning job of `svcmap serve`: scheduled only when on, one pass per lease holder."""

from __future__ import annotations

from dataclasses import replace

from bot.bootstrap import build_app
from bot.scheduler import start_refresher, warn_now
from bot.settings import load_settings
from bot.usecases.early_warnings import LEASE
from topology.warnings.track import KeptWarning


def test_the_job_is_scheduled_only_when_warnings_are_on(tmp_path):
    for setting, scheduled in (("off", False), ("on", True)):
        url = f"sqlite:///{tmp_path / f'{setting}.db'}"
        settings = load_settings(database_url=url, warnings=setting, warnings_interval=600)
        with build_app(settings) as app:
            refresher = start_refresher(app, holder="test")
            try:
                job = refresher.get_job("warnings")
                assert (job is not None) == scheduled
                if job is not None:
                    assert job.trigger.interval.total_seconds() == 600
            finally:
                refresher.shutdown(wait=True)


def test_the_job_keeps_its_interval_in_the_time_of_a_faster_clock(tmp_path):
    url = f"sqlite:///{tmp_path / 'svcmap.db'}"
    settings = load_settings(database_url=url, warnings="on", warnings_interval=300)
    with build_app(settings) as app:
        for speed, every_s in ((30.0, 10.0), (1_000.0, 1.0)):
            refresher = start_refresher(app, holder="test", speed=speed)
            try:
                job = refresher.get_job("warnings")
                assert job.trigger.interval.total_seconds() == every_s
            finally:
                refresher.shutdown(wait=True)


class Recorder:
    def __init__(self) -> None:
        self.posted: list[KeptWarning] = []
        self.pictures: list[object] = []

    def post(self, warning: KeptWarning, picture: object) -> bool:
        self.posted.append(warning)
        self.pictures.append(picture)
        return True


def test_a_pass_runs_only_for_the_holder_of_the_lease(tmp_path):
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'svcmap.db'}", warnings="on")
    with build_app(settings, clock=lambda: 1_800_000_000) as built:
        app = replace(built, heads_up=Recorder())
        assert app.states.try_lease(LEASE, "other", 1_800_000_000, 600)
        assert warn_now(app, holder="me") is None
        app.states.release_lease(LEASE, "other")
        report = warn_now(app, holder="me")
        assert report is not None
        assert report.readings == 0
