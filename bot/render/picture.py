"""Rendering a picture's DOT text to PNG or SVG with the Graphviz programs."""

from __future__ import annotations

import subprocess
from typing import Literal

from topology.errors import RenderError
from topology.picture import Picture
from topology.picture.style import ENGINES

Format = Literal["png", "svg"]
FORMATS: frozenset[str] = frozenset({"png", "svg"})
TIMEOUT_S = 4.0
"""How long a layout may take before the caller answers with text instead."""

PNG_OPTIONS = ("-Gdpi=72", "-Gsize=40,40")
"""A PNG at 72 dots per inch and at most 40 inches a side (2,880 pixels), scaled down to
fit. Graphviz spends most of a PNG's time painting pixels, not laying out: a 60-node
picture laid out in 0.1 s took 1-1.9 s to paint at the default 96 dpi and no bound
(up to 3,600 x 5,000 pixels), 0.2-0.75 s so. SVG is left as laid out."""


def render(picture: Picture, *, fmt: Format = "png", timeout_s: float = TIMEOUT_S) -> bytes:
    """Run the picture's Graphviz program on its DOT text; the PNG or SVG bytes."""
    engine = picture.engine
    if engine not in ENGINES:
        raise RenderError(f"unknown Graphviz layout program {engine!r}")
    if fmt not in FORMATS:
        raise RenderError(f"unknown picture format {fmt!r}; use png or svg")
    try:
        done = subprocess.run(  # noqa: S603 - a fixed program name, no shell, DOT on stdin
            [engine, f"-T{fmt}", *(PNG_OPTIONS if fmt == "png" else ())],
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
