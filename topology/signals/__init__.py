"""Logs and metrics as evidence: severities, log templates, per-minute metric values.

Pure: records come in as core types (`topology.signals.model`), decisions go out; the
store (`bot.adapters.store.signals`) keeps only counts, masked template text and means.
"""
