"""Helpers of the creditmeter.aio tests: a loop ticker and a condition wait with a deadline."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable, Optional


class LoopTicker:
    """A task that sleeps 5 ms at a time and counts its wake-ups: a blocked loop stops counting."""

    def __init__(self) -> None:
        self.ticks = 0
        self.largest_gap = 0.0
        self._task: Optional["asyncio.Task[None]"] = None

    async def __aenter__(self) -> "LoopTicker":
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: Any) -> None:
        assert self._task is not None
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass

    async def _run(self) -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.005)
            now = time.monotonic()
            self.largest_gap = max(self.largest_gap, now - last)
            self.ticks += 1
            last = now

    async def ticks_while_pending(self, task: "asyncio.Future[Any]", ticks: int, timeout: float = 10.0) -> bool:
        """True once the loop ticked `ticks` more times while `task` was still pending."""
        start = self.ticks
        ok = await eventually(lambda: self.ticks >= start + ticks or task.done(), timeout)
        return ok and not task.done()


async def eventually(predicate: Callable[[], Any], timeout: float) -> bool:
    """Polls `predicate` on the loop until it is truthy (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            return bool(predicate())
        await asyncio.sleep(0.01)  # polls its condition under a deadline
    return True


def ledger_equals_stats(emulator: Any, session: Any) -> None:
    """The billing invariant: the ledger's active_ms equals the client's active_ms and reported_ms."""
    stats = session.stats()
    row = emulator.ledger_session(session.id)
    assert row is not None and row["released"] is True, row
    assert row["active_ms"] == stats.active_ms == stats.reported_ms, (row, stats)
