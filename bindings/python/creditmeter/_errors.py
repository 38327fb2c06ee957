"""The exceptions creditmeter raises.

Every one derives from :class:`Error`. Messages say what happened and what to do about it,
and never contain the API secret or a token.
"""

from __future__ import annotations

__all__ = [
    "Error",
    "AuthenticationError",
    "InsufficientCredits",
    "ConcurrencyLimitError",
    "NetworkError",
    "InvalidArgument",
    "Interrupted",
]


class Error(Exception):
    """Base of every creditmeter exception.

    Attributes:
        message: the human-readable message (also ``str(exc)``).
        code: the server's UPPER_SNAKE error code (``"INSUFFICIENT_BALANCE"``), ``""`` if none.
        http_status: the HTTP status of the answer, ``0`` when no answer arrived.
        retry_after: seconds the server asked to wait (its ``Retry-After`` on a 429 or 503),
            ``0.0`` when it did not say.
    """

    def __init__(self, message: str = "", code: str = "", http_status: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status
        self.retry_after: float = 0.0


class AuthenticationError(Error):
    """The API secret (or the token provider's answer) was refused: invalid or revoked key."""


class InsufficientCredits(Error):
    """The account's balance is zero or below: top up credits."""


class ConcurrencyLimitError(Error):
    """The plan's concurrent-session limit is reached; ``limit`` tells it (0 when unknown)."""

    def __init__(self, message: str = "", code: str = "", http_status: int = 0, limit: int = 0) -> None:
        super().__init__(message, code, http_status)
        self.limit = limit


class NetworkError(Error):
    """The server could not be reached or answered unusably (timeouts, refused connections,
    TLS verification failures, 5xx, rate limits, malformed bodies)."""


class InvalidArgument(Error, ValueError):
    """An option or argument is invalid (a malformed base_url, a negative timeout, ...).

    Also a :class:`ValueError`, so ``except ValueError`` catches it too.
    """


class Interrupted(Error):
    """A waiting call (``start_session``, ``flush``'s callers aside, ``credit_summary``,
    ``estimate``) was ended early: ``close()`` ran on another thread. A start interrupted this
    way leaves no session behind: whatever session the server made for it is released, and
    nothing is billed. (Ctrl-C raises ``KeyboardInterrupt`` instead, with the same guarantee.)
    """
