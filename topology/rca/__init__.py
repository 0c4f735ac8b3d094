"""Root-cause ranking: which of a symptom's dependencies is the likely origin."""

from topology.rca.ranking import Candidate, Ranking, rank
from topology.rca.snapshot import METRICS, Snapshot, load_snapshot

__all__ = ["METRICS", "Candidate", "Ranking", "Snapshot", "load_snapshot", "rank"]
