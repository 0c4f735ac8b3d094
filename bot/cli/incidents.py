"""`svcmap rca` and `svcmap snapshot export`: the evidence around an incident, and its ranking."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.bootstrap import App
from bot.questions import Rca
from bot.render.templating import render
from bot.usecases.rca import (
    Ranker,
    build_snapshot,
    incident_times,
    rank_from_store,
    rank_snapshot_file,
)
from topology.errors import SvcmapError, UsageError
from topology.rca import Ranking, Snapshot, load_snapshot
from topology.rca.anonymise import PseudonymClashError, Pseudonyms, anonymised
from topology.rca.dump import dump_snapshot
from topology.rca.scope import around_symptom
from topology.timespec import format_time

_STORE_OPTIONS = ("at", "window", "baseline")


def symptom_of(args: argparse.Namespace) -> str:
    """The symptom's service, given as SVC or as `--symptom SVC` (not two different ones)."""
    given: set[str] = {name for name in (args.service, args.symptom) if name}
    if not given:
        raise UsageError("name the service showing the symptom: svcmap rca SVC")
    if len(given) > 1:
        raise UsageError(f"SVC and --symptom name different services: {' and '.join(given)}")
    return given.pop()


def rca_from_file(args: argparse.Namespace) -> str:
    """Rank from a snapshot file alone: no store, no settings needed."""
    extra = [f"--{name}" for name in _STORE_OPTIONS if getattr(args, name) is not None]
    if extra:
        raise UsageError(f"{', '.join(extra)} choose what to read from the store, not --snapshot")
    return _shown(rank_snapshot_file(args.snapshot, symptom_of(args)), as_json=args.json)


def rca_from_store(app: Ranker, args: argparse.Namespace) -> str:
    """Rank from the health series stored around `--at` (read by the app or a `Reading`)."""
    return answer_rca(app, rca_question(args))


def rca_question(args: argparse.Namespace) -> Rca:
    """The `rca` question the command line asks of the store."""
    return Rca(
        service=symptom_of(args),
        at=args.at,
        window=args.window,
        baseline=args.baseline,
        json=args.json,
    )


def answer_rca(app: Ranker, question: Rca) -> str:
    """The ranking `question` asks for, as the CLI shows it."""
    at, window, baseline = incident_times(app, question.at, question.window, question.baseline)
    ranking = rank_from_store(app, question.service, at, window, baseline)
    return _shown(ranking, as_json=question.json)


def export_snapshot(app: App, args: argparse.Namespace) -> str | None:
    """Write the snapshot to `--output`; say where it went, unless it went to the output."""
    pseudonyms = _pseudonyms(app) if args.anonymise else None
    if args.incident is not None:
        return _export_saved(app, args, pseudonyms)
    if args.service is None:
        raise UsageError("name the service showing the symptom, or --incident ID")
    at, window, baseline = _when(app, args)
    whole = build_snapshot(
        app.store,
        app.catalog,
        symptom=app.redaction.name(args.service),  # as the map names it
        metric=None,
        at=at,
        incident_s=window,
        baseline_s=baseline,
    )
    settings = app.settings
    snapshot = around_symptom(whole, cap=settings.snapshot_services, size=settings.snapshot_bytes)
    written = _write(_dumped(snapshot, pseudonyms), args.output)
    if written is None:
        return None
    services = len(snapshot.series)
    shown = ", names pseudonymised" if pseudonyms else ""
    return f"wrote {written}: {services} services' series around {format_time(at)}{shown}"


def _pseudonyms(app: App) -> Pseudonyms:
    """The keyed pseudonyms of `--anonymise`; refused without a key."""
    key = app.settings.anonymise_key
    if key is None:
        raise UsageError(
            "--anonymise needs SVCMAP_ANONYMISE_KEY, a secret of 16 characters or more "
            "(openssl rand -hex 32); keep it to anonymise later snapshots alike"
        )
    return Pseudonyms(key.get_secret_value().encode())


def _dumped(snapshot: Snapshot, pseudonyms: Pseudonyms | None) -> bytes:
    """The snapshot as written, anonymised when `pseudonyms` are given."""
    if pseudonyms is None:
        return dump_snapshot(snapshot)
    try:
        return dump_snapshot(anonymised(snapshot, pseudonyms))
    except PseudonymClashError as error:
        raise SvcmapError(str(error)) from None


def _export_saved(app: App, args: argparse.Namespace, pseudonyms: Pseudonyms | None) -> str | None:
    """Write the snapshot saved with incident `--incident`."""
    given = [f"--{name}" for name in _STORE_OPTIONS if getattr(args, name) is not None]
    if args.service is not None or given:
        extra = ", ".join(["SVC", *given] if args.service else given)
        raise UsageError(f"{extra}: --incident writes the snapshot saved with the incident")
    incident = app.incidents.incident(args.incident)
    if incident is None:
        raise UsageError(f"no incident {args.incident}; see svcmap incidents")
    data = app.incidents.snapshot(args.incident)
    if data is None:
        why = f": {incident.note}" if incident.note else ""
        raise SvcmapError(f"incident {args.incident} has no snapshot{why}")
    if pseudonyms is not None:
        saved = load_snapshot(data, source=f"the snapshot of incident {args.incident}")
        data = _dumped(saved, pseudonyms)
    written = _write(data, args.output)
    if written is None:
        return None
    if pseudonyms is not None:
        return f"wrote {written}: the snapshot of incident {args.incident}, names pseudonymised"
    return f"wrote {written}: the snapshot of incident {args.incident} ({incident.title})"


def _write(data: bytes, output: str) -> Path | None:
    """Write `data` to `output` (- for the standard output); the path written, if a file."""
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return None
    path = Path(output)
    try:
        path.write_bytes(data)
    except OSError as error:
        raise SvcmapError(f"{path}: cannot write it: {error.strerror}") from None
    return path


def _when(app: Ranker, args: argparse.Namespace) -> tuple[int, int, int]:
    return incident_times(app, args.at, args.window, args.baseline)


def _shown(ranking: Ranking, *, as_json: bool) -> str:
    data = ranking.to_dict()
    if as_json:
        return json.dumps(data, indent=2, ensure_ascii=False)
    return render("cli/rca.txt.j2", data)
