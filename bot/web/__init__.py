"""The HTTP face of svcmap: one Starlette app served by `svcmap serve`."""
