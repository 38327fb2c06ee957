"""The str-valued enums of session states and reasons (their members come from the C++ names)."""

from __future__ import annotations

import enum
from typing import List


class NamedStr(str, enum.Enum):
    """A str whose str(), format(), == and hash are those of its plain name ("paused_offline").

    A plain ``(str, Enum)`` formats as ``SessionState.PAUSED_OFFLINE`` on Python 3.11 and hashes
    by member name; these give the documented strings instead.
    """

    def __str__(self) -> str:
        return str.__str__(self)

    def __format__(self, spec: str) -> str:
        return str.__format__(str.__str__(self), spec)

    __hash__ = str.__hash__


def make(name: str, names: List[str]) -> type:
    """The enum `name` with one member per name (member NAME = "name"), for creditmeter._native."""
    return NamedStr(name, [(n.upper(), n) for n in names], module="creditmeter")  # type: ignore[call-overload, no-any-return]
