"""creditmeter: metering of active avatar runtime, billed in credits.

Quick start::

    import creditmeter

    with creditmeter.Client(base_url="https://api.example.com", api_secret="sk_...") as client:
        with client.start_session(model="essence", surface="cloud") as session:
            while engine.running():
                if session.may_render():
                    engine.render()
                    session.frame()
        client.flush(5.0)

Threading: ``frame()`` and ``may_render()`` are cheap and keep the GIL; every call that can
wait (``start_session``, ``stop``, ``flush``, ``credit_summary``, ``close``, leaving a ``with``
block) releases it. State-change and balance callbacks run on the client's callback thread.
asyncio engines use ``creditmeter.aio`` (awaitable calls, callbacks on the event loop).
See docs/PYTHON.md; balance, low-balance alerts, spending caps and estimates: docs/CREDITS.md.
"""

from __future__ import annotations

import atexit as _atexit

from . import _native
from ._errors import (
    AuthenticationError,
    ConcurrencyLimitError,
    Error,
    InsufficientCredits,
    Interrupted,
    InvalidArgument,
    NetworkError,
)
from ._native import (
    BalanceUpdate,
    Client,
    ClientUsage,
    CreditSummary,
    Reason,
    RejectedEvent,
    Session,
    SessionState,
    SessionStats,
    StateChange,
)

__version__: str = _native.__version__

#: The session states (``SessionState`` members, which are ``str``), as ``Session.state`` gives them.
STATES = tuple(SessionState)
#: The transition reasons (``Reason`` members), as ``Session.reason`` and ``StateChange.reason`` give them.
REASONS = tuple(Reason)

__all__ = [
    "Client",
    "Session",
    "SessionStats",
    "StateChange",
    "SessionState",
    "Reason",
    "CreditSummary",
    "BalanceUpdate",
    "ClientUsage",
    "RejectedEvent",
    "Error",
    "AuthenticationError",
    "InsufficientCredits",
    "ConcurrencyLimitError",
    "NetworkError",
    "InvalidArgument",
    "Interrupted",
    "STATES",
    "REASONS",
    "__version__",
]

# Sessions still open at interpreter exit are stopped and clients shut down (each within
# its shutdown_timeout) before the interpreter finalises, with the GIL released; after it,
# SDK threads never enter Python again.
_atexit.register(_native._at_exit)
