"""Early warnings: a latency or error series out of its season, or heading for its threshold.

`assess` (in `topology.warnings.assess`, which loads scipy) decides about one series;
`track` keeps findings; `model` holds what a finding says.
"""
