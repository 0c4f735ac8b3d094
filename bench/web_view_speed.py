"""The web view over the 5,000-service map, in headless Chromium: how soon the map shows.

    .venv/bin/python -m bench.web_view_speed [--services N] [--edges M] [--runs R] [--db PATH]
        [--after S] [--expired]

Builds the map `bench.query_speed` builds (in a child process, into a fresh SQLite
store), with the catalog its questions use (97 teams, team-{i % 97} by name order), runs
`svcmap serve` over it on 127.0.0.1, and opens the page R times in a fresh headless
Chromium page (Debian's /usr/bin/chromium through Playwright), at the map's time with
the window "everything" (the first time S seconds after the server answers /healthz,
`--after`, 0 by default: what its start-up left for the page). The map's minutes lie in
the past (at `bench.query_speed`'s NOW_S), so the server keeps minutes, hours and days
long enough that none of them has expired, as a server that has kept serving finds its
store; `--expired` starts it with the default retention instead, as after months
without a server: its first pass then rolls every minute into days while the page waits.
Per run: the time from
navigation to the first node of the map in the page (cold: the first run, the server
reading the map; warm: the others), the CPU time the server (its process and its
children: workers, Graphviz) spent meanwhile, how many nodes the SVG has (teams and
services) and how many bytes `/api/map` sent, and the page's JavaScript heap and DOM
nodes (Chromium's Performance metrics); then a team is opened (Enter on its node, a
different team each run) and the time until its services are drawn is taken. Then the
page focused on the busiest service: its nodes and its smallest label's height at the
default zoom. Targets: the map shown within 2 s (median of the warm runs), a team opened
within 2 s (median); the heap within 64 MB. The machine may be shared: figures are
medians and noisy.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

from bench.query_speed import NOW_S, ROOT, verdict
from bench.summary import figure
from topology.retention import DAY

TARGET_S = 2.0
TARGET_HEAP_MB = 64
CHROMIUM = "/usr/bin/chromium"
SVCMAP = ROOT / ".venv" / "bin" / "svcmap"
DEFAULT_DB = Path("/tmp/svcmap-bench/web.db")  # noqa: S108 - a scratch file
TEAMS = 97
"""Teams of the catalog, as `bench.query_speed` asks its questions with."""
FIRST_NODE = """
new MutationObserver((_, observer) => {
  if (document.querySelector("#map svg g.node")) {
    window.firstMapMs = performance.now();
    observer.disconnect();
  }
}).observe(document, { childList: true, subtree: true });
"""
SMALLEST_LABEL = (
    "Math.min(...[...document.querySelectorAll('#map g.node text')]"
    ".map((t) => t.getBoundingClientRect().height))"
)


def _cpu_s(pid: int) -> float:
    """CPU seconds (user and system) of process `pid` and its live descendants.

    With the children they waited for (Graphviz's runs).
    """
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    waiting = [pid]
    while waiting:
        found = waiting.pop()
        try:
            fields = Path(f"/proc/{found}/stat").read_text().rsplit(")", 1)[1].split()
            tasks = list(Path(f"/proc/{found}/task").iterdir())
        except OSError:  # ended meanwhile: its time is in its parent's children's
            continue
        total += sum(int(value) for value in fields[11:15]) / tick
        for task in tasks:
            with contextlib.suppress(OSError):
                waiting.extend(int(child) for child in (task / "children").read_text().split())
    return total


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _catalog(db: Path) -> Path:
    """A catalog file beside `db`: every name on the map owned by team-{i % TEAMS}."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as store:
        names = sorted(row[0] for row in store.execute("SELECT name FROM nodes"))
    teams = "".join(f"  team-{t}: {{slack_channel: '#team-{t}'}}\n" for t in range(TEAMS))
    owned = "".join(f"  {name}: team-{i % TEAMS}\n" for i, name in enumerate(names))
    path = db.with_suffix(".catalog.yaml")
    path.write_text(f"teams:\n{teams}services:\n{owned}", encoding="utf-8")
    return path


def _serve(db: Path, *, expired: bool) -> tuple[subprocess.Popen[bytes], str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SVCMAP_")}
    env["SVCMAP_DATABASE_URL"] = f"sqlite:///{db}"
    env["SVCMAP_CATALOG_FILE"] = str(_catalog(db))
    if not expired:  # every tier kept from before the map's minutes: nothing to compact
        kept = f"{(int(time.time()) - NOW_S) // DAY + 2}d"
        for tier in ("MINUTES", "HOURS", "DAYS"):
            env[f"SVCMAP_RETAIN_{tier}"] = kept
    port = _free_port()
    process = subprocess.Popen(
        [str(SVCMAP), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise SystemExit("svcmap serve did not answer within 60 s")


def _open(page: Page, url: str) -> dict[str, float]:
    """Open `url`; the figures of the map it shows."""
    sent: list[int] = []
    page.on(
        "response",
        lambda answer: sent.append(len(answer.body())) if "/api/map" in answer.url else None,
    )
    page.goto(url)
    page.wait_for_selector("#map svg g.node", timeout=60_000)
    page.wait_for_load_state("networkidle")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {
        "first_map_s": page.evaluate("window.firstMapMs") / 1000,
        "nodes": page.locator("#map svg g.node").count(),
        "teams": page.locator("#map svg g.node.group").count(),
        "map_bytes": sum(sent),
        "heap_mb": metrics["JSHeapUsedSize"] / 1e6,
        "dom_nodes": metrics["Nodes"],
        "smallest_label_px": page.evaluate(SMALLEST_LABEL),
    }


def _open_team(page: Page, nth: int) -> dict[str, float]:
    """Open the `nth` team drawn (Enter on its node); the time until its services show."""
    team = page.locator("#map svg g.node.group").nth(nth)
    team.focus()
    started = page.evaluate("performance.now()")
    page.keyboard.press("Enter")
    page.wait_for_selector("#map svg g.node[data-name]", timeout=60_000)
    shown = page.evaluate("performance.now()")
    return {
        "open_s": (shown - started) / 1000,
        "services": page.locator("#map svg g.node[data-name]").count(),
    }


def main() -> int:
    """Run the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=5_000)
    parser.add_argument("--edges", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--after", type=float, default=0.0, help="seconds after /healthz")
    parser.add_argument(
        "--expired", action="store_true", help="the default retention: every minute expired"
    )
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    build = [sys.executable, "-m", "bench.query_speed", "--build-only", "--db", str(args.db)]
    build += ["--services", str(args.services), "--edges", str(args.edges)]
    subprocess.run(build, check=True, cwd=ROOT)
    process, base = _serve(args.db, expired=args.expired)
    time.sleep(args.after)
    try:
        runs, focused = _measure(base, args.runs, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
    _report(runs, focused, expired=args.expired)
    return 0


def _measure(base: str, count: int, server: int) -> tuple[list[dict[str, float]], dict[str, float]]:
    page_url = f"{base}/?window=&at={NOW_S}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        runs: list[dict[str, float]] = []
        for _ in range(count):
            page = browser.new_page(viewport={"width": 1600, "height": 1000}, bypass_csp=True)
            page.add_init_script(FIRST_NODE)
            before = _cpu_s(server)
            run = _open(page, page_url)
            run["server_cpu_s"] = _cpu_s(server) - before
            run.update(_open_team(page, len(runs) % max(1, int(run["teams"]))))
            runs.append(run)
            page.close()
        busiest = httpx.get(
            f"{base}/api/search", params={"q": "", "at": str(NOW_S), "window": ""}, timeout=60
        ).json()["services"][0]["name"]
        page = browser.new_page(viewport={"width": 1600, "height": 1000}, bypass_csp=True)
        page.add_init_script(FIRST_NODE)
        focused = _open(page, f"{page_url}&focus={busiest}")
        focused["name"] = busiest
        browser.close()
    return runs, focused


def _report(runs: list[dict[str, float]], focused: dict[str, float], *, expired: bool) -> None:
    cold, warm = runs[0], runs[1:] or runs
    start = "every minute expired, rolled into days at start" if expired else "nothing expired"
    paint = statistics.median(run["first_map_s"] for run in warm)
    heap = statistics.median(run["heap_mb"] for run in warm)
    times = ", ".join(f"{run['first_map_s']:.2f}" for run in warm)
    cpu = statistics.median(run["server_cpu_s"] for run in warm)
    print(
        f"cold (a fresh server, {start}): map shown in {cold['first_map_s']:.2f} s "
        f"(target <= {TARGET_S:.0f} s){verdict(cold['first_map_s'], TARGET_S)}, "
        f"server CPU {cold['server_cpu_s']:.2f} s; warm runs: {times} s, "
        f"server CPU median {cpu:.2f} s"
    )
    label = "web view: map shown cold" + (", every minute expired" if expired else "")
    figure(f"{label}, 5,000-service map", cold["first_map_s"], "s", "<=", TARGET_S)
    print(
        f"first map shown (median of {len(warm)} warm runs): {paint:.2f} s "
        f"(target <= {TARGET_S:.0f} s){verdict(paint, TARGET_S)}"
    )
    figure("web view: map shown, 5,000-service map", paint, "s", "<=", TARGET_S)
    first = warm[0]
    print(
        f"page: {first['nodes']:.0f} map nodes drawn ({first['teams']:.0f} teams), "
        f"/api/map {first['map_bytes']:,.0f} bytes, "
        f"{statistics.median(run['dom_nodes'] for run in warm):,.0f} DOM nodes, JS heap "
        f"{heap:.1f} MB (target <= {TARGET_HEAP_MB} MB){verdict(heap, TARGET_HEAP_MB)}"
    )
    figure("web view: page JS heap", heap, "MB", "<=", TARGET_HEAP_MB)
    opened = statistics.median(run["open_s"] for run in warm)
    print(
        f"a team opened (median of {len(warm)}, a different team each): {opened:.2f} s "
        f"(target <= {TARGET_S:.0f} s){verdict(opened, TARGET_S)}; "
        f"{first['services']:.0f} of its services drawn; runs: "
        + ", ".join(f"{run['open_s']:.2f}" for run in warm)
        + " s"
    )
    figure("web view: team opened, 5,000-service map", opened, "s", "<=", TARGET_S)
    print(
        f"focus on {focused['name']}: {focused['nodes']:.0f} nodes, shown in "
        f"{focused['first_map_s']:.2f} s, smallest label {focused['smallest_label_px']:.1f} px "
        f"at the default zoom"
    )


if __name__ == "__main__":
    sys.exit(main())
