"""Type stubs of creditmeter._native (re-exported by the creditmeter package)."""

from __future__ import annotations

import os
from types import TracebackType

from ._enums import NamedStr
from typing import Callable, Dict, Literal, Mapping, Optional, Type, Union

__version__: str

class SessionState(NamedStr):
    """A session's state: a str whose str(), format() and == give the plain name ("active")."""
    ACTIVE = "active"
    PAUSED_BY_USER = "paused_by_user"
    PAUSED_BILLING = "paused_billing"
    PAUSED_OFFLINE = "paused_offline"
    STOPPED = "stopped"

class Reason(NamedStr):
    """Why a session changed state: a str whose str(), format() and == give the plain name."""
    NONE = "none"
    USER = "user"
    INSUFFICIENT_CREDITS = "insufficient_credits"
    AUTHENTICATION_FAILED = "authentication_failed"
    OFFLINE = "offline"
    GRACE_EXPIRED = "grace_expired"
    SPEND_CAP = "spend_cap"
    JOURNAL_FULL = "journal_full"
    STOPPED = "stopped"

_LogLevelName = Literal["debug", "info", "warning", "error"]

class StateChange:
    """One session transition, delivered to on_state_change callbacks."""
    @property
    def from_state(self) -> SessionState: ...
    @property
    def to_state(self) -> SessionState: ...
    @property
    def reason(self) -> Reason: ...
    @property
    def message(self) -> str: ...

class SessionStats:
    """A session's usage counters."""
    @property
    def active_ms(self) -> int: ...
    @property
    def reported_ms(self) -> int: ...
    @property
    def credits_charged(self) -> float: ...
    @property
    def balance(self) -> float: ...
    @property
    def heartbeats_ok(self) -> int: ...
    @property
    def heartbeats_failed(self) -> int: ...
    @property
    def grace_remaining_ms(self) -> int: ...
    @property
    def minutes_left(self) -> float:
        """Runtime the balance buys at this session's rate (minutes; inf when free)."""
    @property
    def heartbeats_retried(self) -> int: ...
    @property
    def last_error(self) -> str:
        """The latest failed attempt's message ('' when none)."""
    @property
    def last_error_reason(self) -> Reason:
        """What that failure means for billing."""
    @property
    def events_recorded(self) -> int: ...
    @property
    def events_acknowledged(self) -> int:
        """Usage events the server charged (accepted, or a duplicate of one it had charged)."""
    @property
    def events_rejected(self) -> int:
        """Usage events refused for good (on_event_rejected)."""
    @property
    def events_pending(self) -> int:
        """Usage events recorded and not settled yet."""
    @property
    def unit(self) -> str:
        """What credits_charged and balance count in: 'credits', or a currency ('USD')."""
    @property
    def events_credits_charged(self) -> float:
        """The part of credits_charged usage events cost, in unit; the rest is active time."""

class BalanceUpdate:
    """The account balance as a session learned it (on_balance, on_low_balance)."""
    @property
    def balance(self) -> float: ...
    @property
    def minutes_left(self) -> float: ...
    @property
    def session_credits(self) -> float: ...
    @property
    def unit(self) -> str:
        """What balance and session_credits count in: 'credits', or a currency ('USD')."""

class ClientUsage:
    """The sum over a Client's sessions (live and finished) of their stats."""
    @property
    def sessions(self) -> int: ...
    @property
    def active_ms(self) -> int: ...
    @property
    def reported_ms(self) -> int: ...
    @property
    def credits_charged(self) -> float: ...
    @property
    def heartbeats_ok(self) -> int: ...
    @property
    def heartbeats_failed(self) -> int: ...
    @property
    def events_recorded(self) -> int: ...
    @property
    def events_acknowledged(self) -> int: ...
    @property
    def events_rejected(self) -> int: ...
    @property
    def events_credits_charged(self) -> float:
        """The part of credits_charged usage events cost."""

class CreditSummary:
    """The account's credits."""
    @property
    def balance(self) -> float: ...
    @property
    def plan(self) -> str: ...
    @property
    def renews_at(self) -> str: ...
    @property
    def plan_credits(self) -> float: ...
    @property
    def topup_credits(self) -> float: ...
    @property
    def estimated_minutes(self) -> Dict[str, int]: ...
    @property
    def unit(self) -> str:
        """What balance and the credits count in: 'credits', or a currency ('USD')."""

class RejectedEvent:
    """A usage event the server refused for good (on_event_rejected): not charged, not resent."""
    @property
    def event_id(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def quantity(self) -> float: ...
    @property
    def code(self) -> str:
        """The server's code, e.g. 'UNKNOWN_ACTION'."""
    @property
    def message(self) -> str: ...

_StateChangeCallback = Callable[[StateChange], object]
_BalanceCallback = Callable[[BalanceUpdate], object]
_EventRejectedCallback = Callable[[RejectedEvent], object]

class _CallStop:
    """Stops one waiting call of a Client (creditmeter.aio cancels with it)."""
    def __init__(self) -> None: ...
    def request_stop(self) -> bool: ...
    @property
    def stop_requested(self) -> bool: ...

class Session:
    """A metered avatar session. A context manager: leaving the block calls stop()."""
    @property
    def id(self) -> str: ...
    def frame(self) -> None:
        """Once per rendered frame, from the renderer thread. Never blocks, keeps the GIL."""
    def may_render(self) -> bool:
        """Whether the avatar may render now (state 'active'). Never blocks, keeps the GIL."""
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def stop(self) -> None: ...
    @property
    def state(self) -> SessionState: ...
    @property
    def reason(self) -> Reason: ...
    def stats(self) -> SessionStats: ...
    def on_state_change(self, fn: Optional[_StateChangeCallback]) -> None: ...
    def on_balance(self, fn: Optional[_BalanceCallback]) -> None:
        """Runs fn on the callback thread on every change of the balance; None removes it."""
    def on_low_balance(self, fn: Optional[_BalanceCallback]) -> None:
        """Runs fn once per downward crossing of the low-balance threshold; None removes it."""
    def set_max_credits(self, max_credits: Optional[float]) -> None:
        """Sets (>= 0) or removes (None) the session's spending cap; raising it resumes."""
    def record(self, action: str, quantity: float = 1.0) -> str:
        """Records a usage event and returns its id; never waits on the network."""
    def on_event_rejected(self, fn: Optional[_EventRejectedCallback]) -> None:
        """Runs fn on the callback thread for each event the server refuses for good; None removes it."""
    def __enter__(self) -> Session: ...
    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc_value: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> bool: ...

class Client:
    """One Client per account and server. A context manager: leaving the block calls close()."""
    def __init__(
        self,
        base_url: str = "",
        api_secret: str = "",
        *,
        journal_dir: Optional[Union[str, os.PathLike[str]]] = None,
        ca_file: str = "",
        pinned_public_key: str = "",
        proxy: str = "",
        allow_insecure_http: bool = False,
        shutdown_timeout: float = 2.0,
        connect_timeout: float = 5.0,
        request_timeout: float = 15.0,
        idle_after: float = 1.0,
        log: Optional[Callable[[str, str], object]] = None,
        log_level: str = "warning",
        token_provider: Optional[Callable[[str], Union[str, bytes, Mapping[str, object]]]] = None,
        max_credits: Optional[float] = None,
        min_heartbeat_interval: float = 1.0,
    ) -> None: ...
    def start_session(
        self,
        model: str = "essence",
        surface: str = "cloud",
        audio_only: bool = False,
        *,
        on_state_change: Optional[_StateChangeCallback] = None,
        session_id: str = "",
        on_balance: Optional[_BalanceCallback] = None,
        on_low_balance: Optional[_BalanceCallback] = None,
        low_balance_minutes: float = 5.0,
        low_balance_credits: Optional[float] = None,
        max_credits: Optional[float] = None,
        on_event_rejected: Optional[_EventRejectedCallback] = None,
        _stop: Optional[_CallStop] = None,
    ) -> Session: ...
    def flush(self, timeout_s: float = 5.0, *, _stop: Optional[_CallStop] = None) -> bool: ...
    def credit_summary(self, *, _stop: Optional[_CallStop] = None) -> CreditSummary: ...
    def estimate(self, model: str = "essence", surface: str = "cloud", *, _stop: Optional[_CallStop] = None) -> int:
        """Whole minutes the balance buys (server figure, else floor(balance / rate))."""
    def usage(self) -> ClientUsage: ...
    def set_max_credits(self, max_credits: Optional[float]) -> None:
        """Sets (>= 0) or removes (None) the cap over all this client's sessions."""
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    def __enter__(self) -> Client: ...
    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc_value: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> bool: ...

def _at_exit() -> None: ...
def _is_callback_thread() -> bool: ...
