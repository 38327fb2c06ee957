"""Credits: balance updates, low-balance alerts, spending caps, estimates and a client's usage."""

from __future__ import annotations

import math
import threading

import pytest

import creditmeter
from helpers import Renderer, wait_until


class BalanceRecorder:
    """Records BalanceUpdates and the threads they arrived on."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.updates: list = []
        self.threads: list = []

    def __call__(self, update) -> None:
        with self.lock:
            self.updates.append(update)
            self.threads.append(threading.get_ident())

    def count(self) -> int:
        with self.lock:
            return len(self.updates)


def test_balance_updates_arrive_with_minutes_left(emulator, make_client):
    secret = emulator.create_account("creator", 100)
    client = make_client(secret)
    balances, lows = BalanceRecorder(), BalanceRecorder()
    s = client.start_session(on_balance=balances, on_low_balance=lows)
    r = Renderer(s)
    assert wait_until(lambda: balances.count() >= 3, 8)
    r.stop()
    s.stop()
    assert client.flush(5.0)
    # Callbacks follow on the client's callback thread: the last balance update may still be
    # on its way when flush() returns.
    assert wait_until(lambda: balances.updates[-1].balance == pytest.approx(s.stats().balance), 5)
    first = balances.updates[0]
    assert isinstance(first, creditmeter.BalanceUpdate)
    assert first.balance == pytest.approx(100)
    assert first.minutes_left == pytest.approx(50)  # essence/cloud: 2 credits a minute
    assert "BalanceUpdate(" in repr(first)
    values = [u.balance for u in balances.updates]
    assert all(b <= a + 1e-9 for a, b in zip(values, values[1:]))
    assert all(t != threading.get_ident() for t in balances.threads)
    st = s.stats()
    assert st.balance == pytest.approx(values[-1])
    assert st.minutes_left == pytest.approx(st.balance / 2)
    assert st.heartbeats_retried == 0
    assert st.last_error == "" and st.last_error_reason == "none"
    assert balances.updates[-1].session_credits == pytest.approx(st.credits_charged)
    assert lows.count() == 0  # ~50 minutes left: far above the 5-minute default


def test_low_balance_fires_once_and_not_on_a_top_up(emulator, make_client):
    secret = emulator.create_account("creator", 10)
    client = make_client(secret)
    lows = BalanceRecorder()
    s = client.start_session(low_balance_credits=9.98)  # crossed within a second at 2 credits/min
    s.on_low_balance(lows)
    r = Renderer(s)
    assert wait_until(lambda: lows.count() == 1, 8)
    before = s.stats().heartbeats_ok
    assert wait_until(lambda: s.stats().heartbeats_ok >= before + 2, 5)
    assert lows.count() == 1  # still below: no second alert
    emulator.topup(secret, 5)
    assert wait_until(lambda: s.stats().balance > 9.98, 5)
    assert lows.count() == 1  # a rise never alerts
    assert lows.updates[0].balance < 9.98
    r.stop()
    s.on_low_balance(None)
    s.stop()
    assert client.flush(5.0)

    # A threshold in minutes above what the balance buys alerts at once.
    lows2 = BalanceRecorder()
    s2 = client.start_session(low_balance_minutes=1000.0, on_low_balance=lows2)
    assert wait_until(lambda: lows2.count() == 1, 4)
    s2.stop()


def test_a_session_cap_pauses_and_raising_it_resumes(emulator, make_client):
    secret = emulator.create_account("creator", 100)
    client = make_client(secret)
    changes = []
    s = client.start_session(max_credits=0.05, on_state_change=changes.append)  # 1.5 s at 2/min
    r = Renderer(s)
    assert wait_until(lambda: s.state == "paused_billing", 8)
    assert s.reason == "spend_cap"
    assert not s.may_render()
    assert client.flush(5.0)
    # frame() stops metering at the cap's worth of time: never a credit beyond it (CREDITS.md).
    assert s.stats().credits_charged <= 0.05 + 1e-9
    with pytest.raises(creditmeter.InvalidArgument):
        s.set_max_credits(-1.0)
    s.set_max_credits(1.0)
    assert wait_until(lambda: s.state == "active", 3)
    assert wait_until(lambda: s.stats().credits_charged > 0.05, 8)
    s.set_max_credits(None)
    r.stop()
    s.stop()
    assert client.flush(5.0)
    assert emulator.ledger_session(s.id)["active_ms"] == s.stats().active_ms
    assert any(c.to_state == "paused_billing" and c.reason == "spend_cap" for c in changes)


def test_a_client_cap_holds_all_sessions_and_usage_sums_them(emulator, make_client):
    secret = emulator.create_account("creator", 100)
    client = make_client(secret, max_credits=0.06)
    a, b = client.start_session(), client.start_session()
    ra, rb = Renderer(a), Renderer(b)
    assert wait_until(lambda: a.state == "paused_billing" and b.state == "paused_billing", 8)
    assert a.reason == "spend_cap" and b.reason == "spend_cap"
    client.set_max_credits(None)
    assert wait_until(lambda: a.state == "active" and b.state == "active", 3)
    ra.stop()
    rb.stop()
    a.stop()
    b.stop()
    assert client.flush(5.0)
    u = client.usage()
    assert isinstance(u, creditmeter.ClientUsage)
    sa, sb = a.stats(), b.stats()
    assert u.sessions == 2
    assert u.active_ms == sa.active_ms + sb.active_ms > 0
    assert u.reported_ms == u.active_ms
    assert u.credits_charged == pytest.approx(sa.credits_charged + sb.credits_charged)
    assert u.heartbeats_ok == sa.heartbeats_ok + sb.heartbeats_ok
    assert u.heartbeats_failed == sa.heartbeats_failed + sb.heartbeats_failed
    assert "ClientUsage(sessions=2" in repr(u)


def test_estimates_are_the_rate_card_rounded_down(emulator, make_client):
    secret = emulator.create_account("creator", 45.5)
    client = make_client(secret)
    assert client.estimate("essence", "cloud") == 22
    assert client.estimate("expression", "cloud") == 11
    assert client.estimate("essence", "self_hosted") == 45
    assert client.estimate("expression", "self_hosted") == 22
    assert client.estimate("expression", "on_device") == 22
    assert client.estimate() == 22
    with pytest.raises(creditmeter.InvalidArgument):
        client.estimate("hologram", "moon")


def test_bad_credit_options_are_refused(emulator, make_client):
    secret = emulator.create_account("creator", 10)
    client = make_client(secret)
    with pytest.raises(creditmeter.InvalidArgument):
        client.start_session(max_credits=-1.0)
    with pytest.raises(creditmeter.InvalidArgument):
        client.start_session(low_balance_minutes=-1.0)
    with pytest.raises(TypeError):
        client.start_session(on_balance=42)
    with pytest.raises(creditmeter.InvalidArgument):
        client.set_max_credits(-0.5)
    s = client.start_session(audio_only=True)
    assert math.isinf(s.stats().minutes_left) or s.stats().minutes_left >= 0
    s.stop()
