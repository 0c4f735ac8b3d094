"""The adapters: the store, the trace and catalog sources, the pager and the Slack client.

Each turns a part of the outside world (a database, a tracing backend's API, a catalog,
PagerDuty, Slack) into the core's types and back. They import the core (`topology`), each
other and the pure views they send, never a use case or an entry point:
`tests/unit/test_layers.py` holds them to it.
"""
