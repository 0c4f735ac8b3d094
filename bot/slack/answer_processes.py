"""Questions answered in worker processes, so that answering never delays an ack.

Answering is CPU work in Python (reading a map, walking it, building the picture): in
the server's own process it would hold the interpreter lock the acks Slack waits for
need. Each worker process builds its own `App` from the server's settings and answers
with its own `Conversation`. It keeps its own maps: the server's map cache tells the
workers (through shared counters) when it was cleared or told of new calls, and a
worker then does the same to its own, reading the map of now again after a refresh.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.process
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized

from slack_bolt.context.respond import Respond

from bot.bootstrap import App, build_app, refreshing
from bot.lifetime import die_with_parent
from bot.logs import log_to_stderr
from bot.settings import Settings
from bot.slack.bolt import conversation_of
from bot.slack.conversation import Asked, Conversation
from bot.usecases.graphs import Stamp
from bot.usecases.map_questions import warm_map
from bot.usecases.refresh import refresh_catalog
from topology import gcpause

log = logging.getLogger(__name__)

FOLLOW_EVERY_S = 0.5
"""How often a worker looks whether the server's maps were cleared or changed."""
STOP_WAIT_S = 3.0
"""How long stopping waits for the questions being answered before it ends them."""
END_WAIT_S = 1.0
"""How long an ended worker has to exit after SIGTERM before it is killed."""
_CONTEXT = multiprocessing.get_context("spawn")
"""Workers start afresh: the server runs threads, which a forked child would not have."""


@dataclass(frozen=True, slots=True)
class Question:
    """A question as a worker gets it: `Asked`, with the response URL for `respond`."""

    text: str
    user: str
    channel: str
    typed: bool
    thread_ts: str | None
    response_url: str | None

    @classmethod
    def of(cls, asked: Asked) -> Question:
        """The question `asked` carries; `respond` goes as its response URL."""
        url = getattr(asked.respond, "response_url", None)
        return cls(
            asked.text,
            asked.user,
            asked.channel,
            asked.typed,
            asked.thread_ts,
            url if isinstance(url, str) else None,
        )

    def asked(self) -> Asked:
        """The question again, with a `respond` posting to its response URL."""
        respond = Respond(response_url=self.response_url) if self.response_url else None
        return Asked(
            text=self.text,
            user=self.user,
            channel=self.channel,
            typed=self.typed,
            thread_ts=self.thread_ts,
            respond=respond,
        )


Counters = tuple["Synchronized[int]", "Synchronized[int]"]
"""The server's map stamp, shared with the workers."""


class AnswerProcesses:
    """Worker processes answering the questions handed to `handle`.

    `local` tells askers about failures from this process. When a worker dies, the
    questions it and the others held fail (their askers are told) and new workers start
    with the next question.
    """

    def __init__(self, app: App, local: Conversation, *, workers: int) -> None:
        self._settings = app.settings
        self._local = local
        self._workers = workers
        self._counters: Counters = (_CONTEXT.Value("q", 0), _CONTEXT.Value("q", 0))
        app.graphs.listen(self._publish)
        self._publish(app.graphs.stamp)
        self._lock = threading.Lock()
        # Workers are started from this one thread, which lives as long as they may: on
        # Linux a worker ends when the thread that started it does (`die_with_parent`).
        self._starter = ThreadPoolExecutor(1, thread_name_prefix="svcmap-answer-starter")
        self._pool = self._started()

    def handle(self, asked: Asked) -> None:
        """Hand `asked` to a worker; returns at once."""
        question = Question.of(asked)
        with self._lock:
            try:
                future = self._pool.submit(_answer, question)
            except BrokenProcessPool:
                log.warning("an answer worker died; starting new ones")
                self._pool = self._started()
                future = self._starter.submit(self._pool.submit, _answer, question).result()
        future.add_done_callback(lambda done: self._answered(asked, done))

    def tell(self, asked: Asked, text: str) -> None:
        """Show `text` (mrkdwn, already escaped) to the asker alone."""
        self._local.tell(asked, text)

    def close(self) -> None:
        """Stop taking questions; wait a while for those being answered, then end them.

        Returns within `STOP_WAIT_S` and twice `END_WAIT_S`: a worker that ignores
        SIGTERM is killed.
        """
        stopping = threading.Thread(
            target=self._pool.shutdown, kwargs={"cancel_futures": True}, daemon=True
        )
        stopping.start()
        stopping.join(STOP_WAIT_S)
        if stopping.is_alive():
            log.warning("ended the answers still running after %.0f s", STOP_WAIT_S)
            _end(multiprocessing.active_children())
        self._starter.shutdown(wait=False)

    def _started(self) -> ProcessPoolExecutor:
        """A new pool, its workers starting now (from the starter thread)."""
        return self._starter.submit(self._new_pool).result()

    def _new_pool(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(
            self._workers,
            mp_context=_CONTEXT,
            initializer=_start_worker,
            initargs=(self._settings, self._counters, os.getpid()),
        )
        for _ in range(self._workers):
            pool.submit(time.sleep, 0.1)  # each spawns a worker while none is idle
        return pool

    def _answered(self, asked: Asked, done: Future[None]) -> None:
        error = None if done.cancelled() else done.exception()
        if error is not None:
            log.error("a worker failed to answer a Slack question: %r", error)
            self._local.tell(asked, "svcmap failed to answer that; the error is in its log.")

    def _publish(self, stamp: Stamp) -> None:
        for counter, value in zip(self._counters, stamp, strict=True):
            with counter.get_lock():
                counter.value = value


_worker: _Worker | None = None


class _Worker:
    """What a worker process answers with: its app, its conversation, the server's stamp."""

    def __init__(self, settings: Settings, counters: Counters) -> None:
        self.app = build_app(settings)
        self.conversation = conversation_of(self.app)
        self._counters = counters
        self._lock = threading.Lock()
        self._catalog_read = float("-inf")

    def follow(self) -> bool:
        """Catch up with the server's map cache; whether that cleared this worker's maps."""
        stamp = (self._counters[0].value, self._counters[1].value)
        with self._lock:
            return self.app.graphs.follow(stamp)

    def keep(self) -> None:
        """Follow the server's maps forever, as the server's own process would.

        The map of now is read again after a clear (a refresh pass), the catalog source
        every refresh interval.
        """
        while True:
            time.sleep(FOLLOW_EVERY_S)
            try:
                if self.follow() | self.read_catalog():
                    self.warm()
            except Exception:  # keep following; questions read the map themselves
                log.exception("an answer worker could not follow the server's maps")

    def read_catalog(self) -> bool:
        """Read the catalog source when one is set and the last read is an interval old."""
        now = time.monotonic()
        if self.app.catalog_source is None:
            return False
        if now - self._catalog_read < self.app.settings.refresh_interval:
            return False
        self._catalog_read = now
        refresh_catalog(refreshing(self.app))
        return True

    def warm(self) -> None:
        """Read the map of now, so that the next question finds it ready."""
        try:
            warm_map(self.app)
        except Exception as error:  # noqa: BLE001 - a question will read it itself
            log.warning("could not read the map ahead of questions: %s", error)


def _end(processes: list[multiprocessing.process.BaseProcess]) -> None:
    """SIGTERM each of `processes`, then SIGKILL those still running `END_WAIT_S` later."""
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(END_WAIT_S)
        if process.is_alive():
            process.kill()
            process.join(END_WAIT_S)


def _start_worker(settings: Settings, counters: Counters, server_pid: int) -> None:
    """The pool's initializer: build the worker, read the map, keep following the server.

    The worker ends with the server, even one killed outright.
    """
    global _worker  # noqa: PLW0603 - the one worker of this process
    die_with_parent(server_pid)
    gcpause.serving()  # a spawned worker starts with the defaults
    log_to_stderr()
    _worker = _Worker(settings, counters)
    _worker.follow()
    _worker.read_catalog()
    _worker.warm()
    threading.Thread(target=_worker.keep, name="svcmap-follow", daemon=True).start()


def _answer(question: Question) -> None:
    """Answer one question in this worker process."""
    if _worker is None:
        raise RuntimeError("the answer worker was not started")
    _worker.follow()
    _worker.conversation.handle(question.asked())
