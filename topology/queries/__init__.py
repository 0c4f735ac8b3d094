"""The questions the map answers, each a pure function returning a frozen result."""

from topology.queries.blast import BlastResult, blast_radius
from topology.queries.deps import DepsResult, Direction, dependencies
from topology.queries.diff import DiffResult, diff
from topology.queries.drift import DriftResult, drift
from topology.queries.owners import OwnersResult, owners
from topology.queries.path import PathResult, paths
from topology.queries.simulate import SimulationResult, simulate_down

__all__ = [
    "BlastResult",
    "DepsResult",
    "DiffResult",
    "Direction",
    "DriftResult",
    "OwnersResult",
    "PathResult",
    "SimulationResult",
    "blast_radius",
    "dependencies",
    "diff",
    "drift",
    "owners",
    "paths",
    "simulate_down",
]
