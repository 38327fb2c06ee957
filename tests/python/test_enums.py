"""States and reasons are str-valued enums that read, format and compare as their plain names."""

from __future__ import annotations

import creditmeter
from helpers import Recorder, wait_until


def test_states_and_reasons_are_str_enums_with_plain_names():
    assert [str(s) for s in creditmeter.SessionState] == [
        "active", "paused_by_user", "paused_billing", "paused_offline", "stopped"]
    assert "grace_expired" in [str(r) for r in creditmeter.Reason]
    s = creditmeter.SessionState.PAUSED_OFFLINE
    assert isinstance(s, str)
    assert str(s) == format(s) == f"{s}" == "%s" % s == "paused_offline"
    assert f"{s:>15}" == " paused_offline"
    assert s == "paused_offline" and "paused_offline" == s and s != "active"
    assert {"paused_offline": 1}[s] == 1 and s in {"paused_offline"}
    assert creditmeter.SessionState("stopped") is creditmeter.SessionState.STOPPED
    assert creditmeter.STATES == tuple(creditmeter.SessionState)
    assert "spend_cap" in creditmeter.REASONS


def test_the_api_gives_enum_members(emulator, make_client):
    secret = emulator.create_account("free", 50)
    client = make_client(secret)
    rec = Recorder()
    s = client.start_session(on_state_change=rec)
    assert s.state is creditmeter.SessionState.ACTIVE and s.state == "active"
    assert s.stats().last_error_reason is creditmeter.Reason.NONE
    s.pause()
    assert s.reason is creditmeter.Reason.USER
    assert wait_until(lambda: rec.changes, 5)
    change = rec.changes[0]
    assert change.from_state is creditmeter.SessionState.ACTIVE
    assert change.to_state is creditmeter.SessionState.PAUSED_BY_USER
    assert change.reason is creditmeter.Reason.USER
    assert "to_state='paused_by_user'" in repr(change)
    s.stop()
    assert client.flush(5.0)
