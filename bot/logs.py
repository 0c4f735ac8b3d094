"""Where svcmap's own log lines go when it runs as a server."""

from __future__ import annotations

import logging


def log_to_stderr() -> None:
    """Show svcmap's own log lines (alerts, pages, refreshes) from INFO up on stderr.

    Only svcmap's loggers: the HTTP client's request lines name full URLs.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("bot", "topology"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
            logger.propagate = False
