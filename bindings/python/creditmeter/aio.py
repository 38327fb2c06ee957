"""creditmeter for asyncio engines: ``import creditmeter.aio``.

The synchronous API (``creditmeter.Client``) with every call that waits on the network made
awaitable, callbacks delivered on the event loop's thread, and cancellation meaning stop::

    async with creditmeter.aio.Client(base_url=..., api_secret=...) as client:
        async with await client.start_session(model="essence", surface="cloud",
                                              on_state_change=on_change) as session:
            async for change in session.state_changes(): ...
        await client.flush(5.0)

- No call blocks the loop on I/O: ``start_session``, ``flush``, ``credit_summary``,
  ``estimate`` and ``aclose`` run the native call on a thread of their own.
- Callbacks (plain functions or ``async def``) run on the loop that started the session.
- Cancelling a task inside ``async with session`` stops the session; a cancelled
  ``start_session`` whose exchange completes later stops that session at once; a cancelled
  ``flush`` returns at once.

Arguments, defaults and errors are the synchronous API's (``creditmeter.Error`` and its
subclasses). See docs/PYTHON.md.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any, Optional, Type

from . import _native
from ._aio_callbacks import Handover, StateChanges, check_callback
from ._aio_threads import call_in_thread

__all__ = ["Client", "Session", "StateChanges"]


class Session:
    """A metered session whose callbacks run on the event loop. Made by ``await Client.start_session()``.

    An async context manager: leaving ``async with`` (also by cancellation) calls ``stop()``.
    """

    def __init__(self, native: _native.Session, handover: Handover) -> None:
        self._native = native
        self._handover = handover
        # The hot path stays one C call: the native methods themselves, bound to the session.
        self.frame = native.frame
        self.may_render = native.may_render

    @property
    def id(self) -> str:
        return self._native.id

    @property
    def state(self) -> Any:
        return self._native.state

    @property
    def reason(self) -> Any:
        return self._native.reason

    def pause(self) -> None:
        self._native.pause()

    def resume(self) -> None:
        self._native.resume()

    def stop(self) -> None:
        self._native.stop()

    def stats(self) -> _native.SessionStats:
        return self._native.stats()

    def set_max_credits(self, max_credits: Optional[float]) -> None:
        self._native.set_max_credits(max_credits)

    def record(self, action: str, quantity: float = 1.0) -> str:
        """A usage event; returns its id. Never waits on the network, so it is not awaitable."""
        return self._native.record(action, quantity)

    def on_state_change(self, fn: Any) -> None:
        check_callback(fn, "on_state_change")
        self._handover.on_state_change = fn

    def on_balance(self, fn: Any) -> None:
        check_callback(fn, "on_balance")
        self._handover.on_balance = fn
        self._native.on_balance(self._handover.balance_hook if fn is not None else None)

    def on_low_balance(self, fn: Any) -> None:
        check_callback(fn, "on_low_balance")
        self._handover.on_low_balance = fn
        self._native.on_low_balance(self._handover.low_balance_hook if fn is not None else None)

    def on_event_rejected(self, fn: Any) -> None:
        check_callback(fn, "on_event_rejected")
        self._handover.on_event_rejected = fn
        self._native.on_event_rejected(self._handover.event_rejected_hook if fn is not None else None)

    def state_changes(self) -> StateChanges:
        """A new async iterator of every later state change; it ends after ``stopped``."""
        return self._handover.state_changes()

    async def __aenter__(self) -> "Session":
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc_value: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<creditmeter.aio.Session id={self.id!r} state={str(self.state)!r}>"


def _stop_unclaimed(handover: Handover) -> Any:
    def stop(native: _native.Session) -> None:
        handover.mute()
        native.stop()

    return stop


class Client:
    """``creditmeter.Client`` for asyncio: the same arguments; an async context manager (``aclose()``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._native = _native.Client(*args, **kwargs)  # makes no network call

    async def start_session(
        self,
        *args: Any,
        on_state_change: Any = None,
        on_balance: Any = None,
        on_low_balance: Any = None,
        on_event_rejected: Any = None,
        **kwargs: Any,
    ) -> Session:
        """The token exchange, off the loop. Arguments as ``creditmeter.Client.start_session``."""
        handover = Handover(asyncio.get_running_loop())
        for fn, what in ((on_state_change, "on_state_change"), (on_balance, "on_balance"),
                         (on_low_balance, "on_low_balance"), (on_event_rejected, "on_event_rejected")):
            check_callback(fn, what)
        handover.on_state_change = on_state_change
        handover.on_balance = on_balance
        handover.on_low_balance = on_low_balance
        handover.on_event_rejected = on_event_rejected
        # A cancel stops the native call: the exchange ends at once and the C++ client releases
        # whatever session the server made for it (the thread then ends with Interrupted).
        stop = _native._CallStop()
        native = await call_in_thread(
            lambda: self._native.start_session(
                *args,
                on_state_change=handover.state_hook,
                on_balance=handover.balance_hook if on_balance is not None else None,
                on_low_balance=handover.low_balance_hook if on_low_balance is not None else None,
                on_event_rejected=handover.event_rejected_hook if on_event_rejected is not None else None,
                _stop=stop,
                **kwargs,
            ),
            name="creditmeter-aio-start",
            on_cancel=stop.request_stop,
            on_abandoned=_stop_unclaimed(handover),  # it had returned just before the cancel
        )
        return Session(native, handover)

    async def flush(self, *args: Any, **kwargs: Any) -> bool:
        """Sends all unreported usage and waits for the acknowledgement, off the loop."""
        stop = _native._CallStop()
        return await call_in_thread(
            lambda: self._native.flush(*args, _stop=stop, **kwargs),
            name="creditmeter-aio-flush",
            on_cancel=stop.request_stop,
        )

    async def credit_summary(self) -> _native.CreditSummary:
        stop = _native._CallStop()
        return await call_in_thread(
            lambda: self._native.credit_summary(_stop=stop), name="creditmeter-aio-summary", on_cancel=stop.request_stop
        )

    async def estimate(self, *args: Any, **kwargs: Any) -> int:
        stop = _native._CallStop()
        return await call_in_thread(
            lambda: self._native.estimate(*args, _stop=stop, **kwargs),
            name="creditmeter-aio-estimate",
            on_cancel=stop.request_stop,
        )

    def usage(self) -> _native.ClientUsage:
        return self._native.usage()

    def set_max_credits(self, max_credits: Optional[float]) -> None:
        self._native.set_max_credits(max_credits)

    @property
    def closed(self) -> bool:
        return self._native.closed

    async def aclose(self) -> None:
        """Stops every session and delivers usage for at most shutdown_timeout, off the loop.

        Flushes in progress end (False). Idempotent."""
        await call_in_thread(self._native.close, name="creditmeter-aio-close")

    async def __aenter__(self) -> "Client":
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc_value: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        await self.aclose()
