"""A child process that ends with its parent: no worker outlives a server killed outright."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
"""`prctl` option (linux/prctl.h): the signal this process gets when its parent dies."""
WATCH_EVERY_S = 0.5
"""How often the fallback looks whether the parent is still there."""

log = logging.getLogger(__name__)


def die_with_parent(parent_pid: int) -> None:
    """End this process when `parent_pid` ends.

    On Linux the kernel sends SIGTERM at once (`prctl(PR_SET_PDEATHSIG)`; the parent is
    the thread that started this process, which must outlive it). Everywhere, a thread
    also looks every `WATCH_EVERY_S` whether this process was handed to another parent,
    and ends it then. A parent already gone ends it now.
    """
    if sys.platform == "linux":
        _ask_the_kernel()
    if os.getppid() != parent_pid:
        os._exit(0)
    threading.Thread(target=_watch, args=(parent_pid,), name="svcmap-parent", daemon=True).start()


def _ask_the_kernel() -> None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
    except (OSError, AttributeError) as error:
        log.warning("cannot ask to end with the parent process: %s", error)


def _watch(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(WATCH_EVERY_S)
    log.warning("the parent process %d is gone; ending", parent_pid)
    os._exit(0)
