"""The `svcmap` command line."""
