"""Objects made without their constructor (Session.__new__(Session)) raise TypeError, never crash."""

from __future__ import annotations

import pytest

import creditmeter


def _calls(cls):
    """Every public entry point of `cls` (methods, properties, with-protocol, repr), as callables of one object."""
    calls = {}
    for name, attr in vars(cls).items():
        if name.startswith("__") and name not in ("__enter__", "__exit__", "__repr__"):
            continue
        if name.startswith("_") and not name.startswith("__"):
            continue
        if isinstance(attr, property):
            calls[name] = lambda o, p=attr: p.fget(o)
        elif name == "__exit__":
            calls[name] = lambda o: o.__exit__(None, None, None)
        elif name in ("on_state_change", "on_balance", "on_low_balance", "on_event_rejected", "set_max_credits"):
            calls[name] = lambda o, n=name: getattr(o, n)(None)
        elif name == "record":
            calls[name] = lambda o: o.record("llm_gpt4")
        else:
            calls[name] = lambda o, n=name: getattr(o, n)()
    return calls


@pytest.mark.parametrize("cls", [creditmeter.Session, creditmeter.Client], ids=["Session", "Client"])
def test_every_entry_point_of_an_unmade_object_raises_type_error(cls):
    calls = _calls(cls)
    # Session: 11 methods and properties + frame/may_render + the with-protocol + repr.
    assert len(calls) >= (16 if cls is creditmeter.Session else 10), sorted(calls)
    obj = cls.__new__(cls)
    for name, call in calls.items():
        if cls is creditmeter.Client and name == "__repr__":
            continue  # object's own repr: touches no C++ state
        with pytest.raises(TypeError, match="creditmeter"):
            call(obj)


def test_a_method_given_another_object_as_self_raises_type_error():
    with pytest.raises(TypeError):
        creditmeter.Session.stats(object())
    with pytest.raises(TypeError):
        creditmeter.Client.flush(42, 0.1)
