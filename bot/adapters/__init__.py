"""The adapters: the store, the trace and catalog sources, and the pager.

Each turns a part of the outside world (a database, a tracing backend's API, a catalog,
PagerDuty) into the core's types and back. They import the core (`topology`) and each
other, never a use case or an entry point; `tests/unit/test_layers.py` holds them to it.
"""
