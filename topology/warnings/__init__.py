"""Early warnings: a latency or error series out of its season, or heading for its threshold."""

from topology.warnings.assess import Finding, Reading, Rules, assess

__all__ = ["Finding", "Reading", "Rules", "assess"]
