"""Rendering a picture's DOT text to PNG or SVG with the Graphviz programs."""

from __future__ import annotations

import subprocess
from typing import Literal

from topology.errors import SvcmapError
from topology.picture import Picture
from topology.picture.style import ENGINES

Format = Literal["png", "svg"]
FORMATS: frozenset[str] = frozenset({"png", "svg"})
TIMEOUT_S = 4.0
"""How long a layout may take before the caller answers with text instead."""


class RenderError(SvcmapError):
    """A picture could not be rendered; the caller answers with text instead."""


def render(picture: Picture, *, fmt: Format = "png", timeout_s: float = TIMEOUT_S) -> bytes:
    """Run the picture's Graphviz program on its DOT text; the PNG or SVG bytes."""
    engine = picture.engine
    if engine not in ENGINES:
        raise RenderError(f"unknown Graphviz layout program {engine!r}")
    if fmt not in FORMATS:
        raise RenderError(f"unknown picture format {fmt!r}; use png or svg")
    try:
        done = subprocess.run(  # noqa: S603 - a fixed program name, no shell, DOT on stdin
            [engine, f"-T{fmt}"],
            input=picture.dot.encode("utf-8"),
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise RenderError(
            f"Graphviz {engine} took longer than {timeout_s:g} s to lay out "
            f"{picture.nodes} nodes and {picture.edges} edges"
        ) from error
    except FileNotFoundError as error:
        raise RenderError(
            f"Graphviz {engine!r} was not found on PATH; install Graphviz (apt-get install "
            "graphviz)"
        ) from error
    except OSError as error:
        raise RenderError(f"Graphviz {engine!r} could not be run: {error}") from error
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = f": {reason[0]}" if reason else ""
        raise RenderError(f"Graphviz {engine} failed with exit status {done.returncode}{detail}")
    return done.stdout
