"""`svcmap demo`: run svcmap with the simulated shop; `break`, `heal`, `status` steer it."""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from collections.abc import Mapping

import httpx

from bot.bootstrap import build_app, build_demo, build_receiver
from bot.cli.serving import (
    connection_limits,
    refuse_unguarded,
    serve_until_stopped,
    server_config,
)
from bot.demo.clock import DemoClock
from bot.demo.faults import parse_latency, parse_latency_or_ramp, parse_share
from bot.demo.shop import CATALOG_FILE
from bot.demo.simulator import Traffic
from bot.dispatcher import Dispatcher
from bot.scheduler import default_holder, settle, start_refresher
from bot.settings import load_settings
from bot.usecases.demo_store import demo_resume_at
from bot.web.app import create_app
from bot.web.demo import demo_routes
from topology.errors import SvcmapError, UsageError
from topology.timespec import format_time, parse_duration

CONTROL_TIMEOUT_S = 10


def run_demo_command(args: argparse.Namespace, overrides: Mapping[str, object]) -> int:
    """Run the demo, or steer the running one; return the exit status."""
    if args.action is None:
        return _run(args, overrides)
    settings = load_settings(**overrides)
    port = args.port if args.port is not None else settings.http_port
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=CONTROL_TIMEOUT_S) as client:
            answer = _control(client, args)
    except httpx.TransportError as error:
        raise SvcmapError(
            f"no demo answers at {url} ({error}); start it with svcmap demo"
        ) from None
    data = answer.json()
    if answer.status_code != httpx.codes.OK:
        raise SvcmapError(str(data.get("error", answer.text)))
    print(json.dumps(data, indent=2) if getattr(args, "json", False) else describe_state(data))
    return 0


def _control(client: httpx.Client, args: argparse.Namespace) -> httpx.Response:
    if args.action == "break":
        given = (args.errors, args.latency, args.network, args.exceptions)
        if all(option is None for option in given):
            raise UsageError(
                "say how it breaks: --errors 30%, --latency 800ms, --network 500ms "
                "and/or --exceptions 30%"
            )
        latency, ramp = (0.0, 0.0) if args.latency is None else parse_latency_or_ramp(args.latency)
        body = {
            "errors": parse_share(args.errors) if args.errors is not None else 0.0,
            "latency_ms": latency,
            "latency_ms_per_min": ramp,
            "network_ms": parse_latency(args.network) if args.network is not None else 0.0,
            "exceptions": parse_share(args.exceptions) if args.exceptions is not None else 0.0,
        }
        return client.put(f"/demo/faults/{args.service}", json=body)
    if args.action == "heal":
        return client.delete("/demo/faults", headers={"content-type": "application/json"})
    return client.get("/demo/state")


def describe_state(data: Mapping[str, object]) -> str:
    """The demo's state in words: its time (and as `--at` takes it), faults and alerts."""
    faults = data.get("faults")
    now = data.get("now")
    when = f"{format_time(now)} (--at {now})" if isinstance(now, int) else str(now)
    lines = [f"demo time {when}, running {data.get('speed')}x"]
    lines.extend(_broken(fault) for fault in (faults if isinstance(faults, list) else []))
    if not faults:
        lines.append("every service healthy")
    alerts = data.get("alerts")
    lines.extend(
        f"alert {alert['alert']} {alert['service']} {alert['state']}: {alert['summary']}"
        f" (webhook answered {alert['http_status']})"
        for alert in (alerts if isinstance(alerts, list) else [])
    )
    return "\n".join(lines)


def _broken(fault: Mapping[str, object]) -> str:
    """One fault in force, in words: what of it is not nothing."""
    said = {
        "errors": "fails {:.0%} of requests",
        "latency_ms": "+{:g} ms",
        "latency_ms_per_min": "+{:g} ms more each minute",
        "network_ms": "+{:g} ms on the network into it",
        "exceptions": "logs an exception on {:.0%} of requests",
    }
    parts = [
        words.format(value)
        for name, words in said.items()
        if isinstance(value := fault.get(name), int | float) and value
    ]
    since = fault.get("since")
    when = f" since {format_time(since)}" if isinstance(since, int) else ""
    return f"broken: {fault['service']} {', '.join(parts) or 'with nothing wrong'}{when}"


def _run(args: argparse.Namespace, overrides: Mapping[str, object]) -> int:
    token = secrets.token_urlsafe(24)  # the demo's own alerts are the only ones it takes
    otlp_token = secrets.token_urlsafe(24)  # and its own spans and logs
    settings = load_settings(
        **{
            **overrides,
            "catalog_file": CATALOG_FILE,
            "alert_token": token,
            "otlp_tokens": otlp_token,
            "alert_user": "",
            "paging_mode": "dry-run",  # the catalog's routing keys are placeholders
            "warnings": "on",  # a slow degradation is warned about before its alert
            "warnings_interval": 60,  # each minute, as the minutes it reads arrive
        }
    )
    host = args.host or settings.http_host
    port = args.port if args.port is not None else settings.http_port
    if args.speed <= 0 or args.rate <= 0:
        raise UsageError("--speed and --rate must be more than 0")
    history_s = parse_duration(args.history)
    clock = DemoClock(args.speed)
    local = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - a comparison
    with build_app(settings, clock=clock) as app:
        refuse_unguarded(app, host)
        traffic = Traffic(
            rate=args.rate,
            seed=args.seed,
            history_s=history_s,
            resume_s=demo_resume_at(app.store, app.settings.database_url),
        )
        demo = build_demo(
            f"http://{local}:{port}",
            clock=clock,
            traffic=traffic,
            alert_token=token,
            otlp_token=otlp_token,
        )
        holder = default_holder()
        dispatcher = Dispatcher(app, holder=holder)
        receiver = build_receiver(app)
        limits = connection_limits(app)
        config = server_config(
            create_app(
                app,
                extra=demo_routes(demo),
                wake=dispatcher.wake,
                receiver=receiver,
                listen_host=host,
                closed=limits.counts,
            ),
            host=host,
            port=port,
            grace_s=5,
            limits=limits,
        )
        refresher = start_refresher(app, holder=holder, receiver=receiver, speed=clock.speed)
        dispatcher.start()
        print(f"svcmap demo: the web view is at http://{local}:{port}/", file=sys.stderr)
        demo.start()
        try:
            serve_until_stopped(config)
        finally:
            demo.close()
            dispatcher.stop()
            refresher.shutdown(wait=False)
            settle(receiver, everything=True)
    return 0
