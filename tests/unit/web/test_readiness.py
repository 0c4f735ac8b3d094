import asyncio
import threading
from types import SimpleNamespace

from sqlalchemy.exc import OperationalError

from bot.web.health import Readiness


class HangingEngine:
    """An engine whose connections hang until released, then fail."""

    def __init__(self) -> None:
        self.connects = 0
        self.release = threading.Event()

    def connect(self):
        self.connects += 1
        self.release.wait(10)
        raise OperationalError("SELECT 1", {}, Exception("gone"))


def test_probes_while_the_database_hangs_share_one_query_time_out_then_say_why_it_failed():
    engine = HangingEngine()
    readiness = Readiness(SimpleNamespace(engine=engine), timeout_s=0.5)

    async def probe() -> list[str | None]:
        hung = await asyncio.gather(readiness.problem(), readiness.problem())
        again = await readiness.problem()
        engine.release.set()
        return [*hung, again, await readiness.problem()]

    try:
        problems = asyncio.run(probe())
    finally:
        engine.release.set()

    assert problems == [
        "database did not answer within 0.5s",
        "database did not answer within 0.5s",
        "database did not answer within 0.5s",
        "database unreachable: OperationalError",
    ]
    assert engine.connects == 1
