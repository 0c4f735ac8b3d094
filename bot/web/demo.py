"""`/demo/...`: the running demo's state and faults, for `svcmap demo break|heal|status`.

Only loopback clients naming a loopback host may use it (no DNS rebinding), and changes
must be JSON (a cross-site form cannot send it without a preflight this app refuses).
"""

from __future__ import annotations

import json
from dataclasses import replace

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.demo.faults import Fault
from bot.demo.running import Demo
from bot.web.body import BodyTooLargeError, read_body
from topology.errors import UsageError

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
BODY_LIMIT = 4_096


def demo_routes(demo: Demo) -> list[Route]:
    """The control routes of `demo`."""

    async def state(request: Request) -> Response:
        refusal = _refusal(request, change=False)
        return refusal or JSONResponse(demo.state())

    async def put_fault(request: Request) -> Response:
        refusal = _refusal(request, change=True)
        if refusal is not None:
            return refusal
        try:
            body = await read_body(request, limit=BODY_LIMIT)
            fault = _fault(request.path_params["service"], body)
            demo.board.put(replace(fault, since=int(demo.clock())))
        except BodyTooLargeError:
            return JSONResponse({"error": f"the fault is over {BODY_LIMIT:,} bytes"}, 413)
        except UsageError as error:
            return JSONResponse({"error": str(error)}, 400)
        return JSONResponse(demo.state())

    async def heal(request: Request) -> Response:
        refusal = _refusal(request, change=True)
        if refusal is not None:
            return refusal
        demo.board.clear()
        return JSONResponse(demo.state())

    return [
        Route("/demo/state", state, methods=["GET"]),
        Route("/demo/faults/{service}", put_fault, methods=["PUT"]),
        Route("/demo/faults", heal, methods=["DELETE"]),
    ]


def _refusal(request: Request, *, change: bool) -> Response | None:
    """A 403 unless a loopback client asks a loopback host (and sends JSON, for a change)."""
    client = request.client.host if request.client else ""
    host = request.url.hostname or ""
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if client not in LOOPBACK or host not in LOOPBACK:
        return JSONResponse({"error": "the demo is controlled from this machine only"}, 403)
    if change and media != "application/json":
        return JSONResponse({"error": "send the change as application/json"}, 415)
    return None


def _fault(service: str, body: bytes) -> Fault:
    """The fault a PUT body asks for; `UsageError` when it is not one."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise UsageError(
            "send a JSON object with errors and exceptions (0..1), latency_ms, network_ms"
            " and latency_ms_per_min"
        )
    names = ("errors", "latency_ms", "network_ms", "exceptions", "latency_ms_per_min")
    values = [data.get(name, 0.0) for name in names]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        raise UsageError(f"{', '.join(names)} must be numbers")
    errors, latency_ms, network_ms, exceptions, ramp = (float(v) for v in values)
    return Fault(
        service=service,
        errors=errors,
        latency_ms=latency_ms,
        network_ms=network_ms,
        exceptions=exceptions,
        latency_ms_per_min=ramp,
    )
