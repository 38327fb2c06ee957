"""Blocking calls of the native client run on their own threads, awaited without blocking the loop.

Each call gets a new (non-daemon) thread rather than the loop's default executor: a call the
caller gave up on (a cancelled task) then never holds up ``asyncio.run()``, which joins the
default executor when it ends. Cancelling the awaiting task returns control at once; the
call itself is told to end early where it can (``on_cancel``), and a result it produces after
nobody waits any more is handed to ``on_abandoned`` (creditmeter.aio stops such a session).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Callable, Optional, Tuple, TypeVar

T = TypeVar("T")


class _Call:
    """What the worker thread and the awaiting task share, under `lock`."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.abandoned = False  # the awaiting task was cancelled
        self.outcome: Optional[Tuple[bool, Any]] = None  # (ok, result or exception), once done


def _settle(fut: "asyncio.Future[Any]", ok: bool, value: Any) -> None:
    if fut.done():  # the task was cancelled meanwhile: its except branch owns the result
        return
    if ok:
        fut.set_result(value)
    else:
        fut.set_exception(value)


async def call_in_thread(
    fn: Callable[[], T],
    *,
    name: str,
    on_cancel: Optional[Callable[[], object]] = None,
    on_abandoned: Optional[Callable[[T], None]] = None,
) -> T:
    """Runs fn() on a new thread named `name` and returns (or raises) what it does."""
    loop = asyncio.get_running_loop()
    fut: "asyncio.Future[T]" = loop.create_future()
    call = _Call()

    def abandon(outcome: Tuple[bool, Any]) -> None:
        ok, value = outcome
        if ok and on_abandoned is not None:
            on_abandoned(value)

    def work() -> None:
        try:
            outcome: Tuple[bool, Any] = (True, fn())
        except BaseException as e:  # noqa: BLE001 - handed to the awaiting task
            outcome = (False, e)
        with call.lock:
            call.outcome = outcome
            nobody_waits = call.abandoned
        if nobody_waits:
            abandon(outcome)
            return
        try:
            loop.call_soon_threadsafe(_settle, fut, *outcome)
        except RuntimeError:  # the loop has closed: nobody will ever take the result
            with call.lock:
                taken = call.abandoned  # by the cancelled task, which abandoned it already
                call.abandoned = True
            if not taken:
                abandon(outcome)

    threading.Thread(target=work, name=name).start()
    try:
        return await fut
    except asyncio.CancelledError:
        with call.lock:
            call.abandoned = True
            outcome = call.outcome
        if on_cancel is not None:
            on_cancel()
        if outcome is not None:  # done, but the task was cancelled before it took the result
            abandon(outcome)
        raise
