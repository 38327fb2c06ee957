"""Callbacks of creditmeter.aio sessions, carried from the client's callback thread to the loop.

The native session calls the hooks of a :class:`Handover` on the client's callback thread; each
hook only hands its argument to the event loop (``call_soon_threadsafe``) and returns, so that
thread waits for Python no longer than the hand-over. On the loop the user's callback runs (a
plain function, or an ``async def`` whose coroutine becomes a task) and every
``state_changes()`` iterator gets the change. A loop that has closed drops later callbacks
quietly; the session goes on metering.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import weakref
from typing import Any, Callable, Optional, Set

from ._native import SessionState

_log = logging.getLogger("creditmeter")


def check_callback(fn: Any, what: str) -> None:
    if fn is not None and not callable(fn):
        raise TypeError(f"{what}: expected a callable (or an async def) or None")


class StateChanges:
    """An async iterator of a session's state changes from its creation on; ends after ``stopped``."""

    def __init__(self, ended: bool) -> None:
        self._queue: "asyncio.Queue[Any]" = asyncio.Queue()
        self._ended = ended

    def push(self, change: Any) -> None:
        self._queue.put_nowait(change)

    def __aiter__(self) -> "StateChanges":
        return self

    async def __anext__(self) -> Any:
        if self._ended and self._queue.empty():
            raise StopAsyncIteration
        change = await self._queue.get()
        if change.to_state == SessionState.STOPPED:
            self._ended = True
        return change


class Handover:
    """One session's callbacks on one event loop (see the module's docstring)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.on_state_change: Optional[Callable[[Any], Any]] = None
        self.on_balance: Optional[Callable[[Any], Any]] = None
        self.on_low_balance: Optional[Callable[[Any], Any]] = None
        self.on_event_rejected: Optional[Callable[[Any], Any]] = None
        self._iterators: "weakref.WeakSet[StateChanges]" = weakref.WeakSet()
        self._stopped = False  # `stopped` was delivered: new iterators end at once
        self._tasks: Set["asyncio.Task[Any]"] = set()  # async callbacks running (strong refs)

    def mute(self) -> None:
        """No user callback runs any more (a session nobody received: its start was cancelled)."""
        self.on_state_change = self.on_balance = self.on_low_balance = self.on_event_rejected = None

    # --- on the client's callback thread (under the GIL): hand over and return

    def _post(self, deliver: Callable[[Any], None], arg: Any) -> None:
        loop = self._loop
        if loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(deliver, arg)
        except RuntimeError:  # the loop closed meanwhile: dropped quietly
            pass

    def state_hook(self, change: Any) -> None:
        self._post(self._deliver_state, change)

    def balance_hook(self, update: Any) -> None:
        self._post(self._deliver_balance, update)

    def low_balance_hook(self, update: Any) -> None:
        self._post(self._deliver_low_balance, update)

    def event_rejected_hook(self, event: Any) -> None:
        self._post(self._deliver_event_rejected, event)

    # --- on the event loop's thread

    def state_changes(self) -> StateChanges:
        it = StateChanges(ended=self._stopped)
        if not self._stopped:
            self._iterators.add(it)
        return it

    def _deliver_state(self, change: Any) -> None:
        if change.to_state == SessionState.STOPPED:
            self._stopped = True
        for it in list(self._iterators):
            it.push(change)
        self._run(self.on_state_change, change, "the on_state_change callback")

    def _deliver_balance(self, update: Any) -> None:
        self._run(self.on_balance, update, "the on_balance callback")

    def _deliver_low_balance(self, update: Any) -> None:
        self._run(self.on_low_balance, update, "the on_low_balance callback")

    def _deliver_event_rejected(self, event: Any) -> None:
        self._run(self.on_event_rejected, event, "the on_event_rejected callback")

    def _run(self, fn: Optional[Callable[[Any], Any]], arg: Any, what: str) -> None:
        if fn is None:
            return
        try:
            result = fn(arg)
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result, loop=self._loop)
                self._tasks.add(task)
                task.add_done_callback(lambda t: self._task_done(t, what))
        except Exception:  # noqa: BLE001 - a callback's failure never stops the session
            _log.exception("%s raised an exception; the session goes on", what)

    def _task_done(self, task: "asyncio.Task[Any]", what: str) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            _log.error("%s raised an exception; the session goes on", what, exc_info=exc)
