"""State-change callbacks: scheduler thread, re-entry, exceptions, lifetimes, outages."""

from __future__ import annotations

import gc
import logging
import threading
import weakref

import creditmeter
from helpers import Recorder, Renderer, stop_and_check_billing, wait_until


def test_callbacks_run_on_the_scheduler_thread_in_order(emulator, make_client):
    secret = emulator.create_account("free", 50)
    rec = Recorder()
    client = make_client(secret)
    s = client.start_session(on_state_change=rec)
    s.pause()
    assert wait_until(lambda: rec.saw("paused_by_user", "user"), 5)
    s.resume()
    assert wait_until(lambda: rec.states()[-1:] == ["active"], 5)
    s.stop()
    assert wait_until(lambda: rec.saw("stopped"), 5)
    assert rec.states() == ["paused_by_user", "active", "stopped"]
    first = rec.changes[0]
    assert isinstance(first, creditmeter.StateChange)
    assert (first.from_state, first.to_state, first.reason) == ("active", "paused_by_user", "user")
    assert isinstance(first.message, str)
    assert "paused_by_user" in repr(first)
    main = threading.get_ident()
    assert all(t != main for t in rec.threads)
    assert len(set(rec.threads)) == 1  # one scheduler thread per client


def test_stop_and_flush_inside_a_callback(emulator, make_client):
    secret = emulator.create_account("free", 50)
    client = make_client(secret)
    s = client.start_session()
    seen = []

    def on_change(change):
        seen.append((change.to_state, creditmeter._native._is_callback_thread()))
        if change.to_state == "paused_by_user":
            seen.append(("flush", client.flush(10.0)))  # would wait on itself: False at once
            s.stop()

    s.on_state_change(on_change)
    s.pause()
    assert wait_until(lambda: ("stopped", True) in seen, 5), seen
    assert ("flush", False) in seen
    assert s.state == "stopped"
    assert client.flush(5.0)
    assert emulator.ledger_session(s.id)["released"] is True


def test_an_exception_in_a_callback_is_logged_and_the_scheduler_survives(emulator, make_client, caplog):
    secret = emulator.create_account("free", 50)
    client = make_client(secret)
    calls = []

    def bad(change):
        calls.append(change.to_state)
        raise RuntimeError("boom from the callback")

    caplog.set_level(logging.ERROR, logger="creditmeter")
    s = client.start_session(on_state_change=bad)
    s.pause()
    assert wait_until(lambda: calls == ["paused_by_user"], 5)
    assert wait_until(lambda: any("boom from the callback" in r.getMessage() or
                                  (r.exc_info and "boom" in str(r.exc_info[1])) for r in caplog.records), 5)
    record = next(r for r in caplog.records if r.name == "creditmeter")
    assert record.levelno == logging.ERROR and record.exc_info[0] is RuntimeError
    # The scheduler lives on: more transitions, more heartbeats.
    s.resume()
    assert wait_until(lambda: calls == ["paused_by_user", "active"], 5)
    before = s.stats().heartbeats_ok
    assert wait_until(lambda: s.stats().heartbeats_ok > before, 5)
    s.stop()
    assert client.flush(5.0)


class Owner:
    def __init__(self, log):
        self.log = log

    def on_change(self, change):
        self.log.append(change.to_state)


def test_garbage_collected_callback_owners(emulator, make_client):
    secret = emulator.create_account("free", 50)
    client = make_client(secret)
    log = []
    s = client.start_session()
    owner = Owner(log)
    ref = weakref.ref(owner)
    s.on_state_change(owner.on_change)
    del owner
    gc.collect()
    # The bound method keeps its object alive as long as it is registered.
    assert ref() is not None
    s.pause()
    s.resume()
    assert wait_until(lambda: log == ["paused_by_user", "active"], 5)
    # Replaced: the last reference goes (under the GIL), the owner is collected.
    s.on_state_change(None)
    assert wait_until(lambda: (gc.collect(), ref() is None)[1], 5)
    s.pause()
    s.resume()
    # A callback whose session object is collected: no segfault, no late call.
    owner2 = Owner(log)
    ref2 = weakref.ref(owner2)
    s2 = client.start_session(on_state_change=owner2.on_change)
    del owner2
    s2.pause()
    assert wait_until(lambda: log[-1:] == ["paused_by_user"], 5)
    del s2
    gc.collect()
    assert wait_until(lambda: (gc.collect(), ref2() is None)[1], 5)
    assert client.flush(5.0)


def test_many_callback_replacements_from_threads(emulator, make_client):
    secret = emulator.create_account("free", 50)
    client = make_client(secret)
    s = client.start_session()
    stop = threading.Event()
    count = [0]

    def churn():
        while not stop.is_set():
            s.on_state_change(lambda c: count.__setitem__(0, count[0] + 1))

    threads = [threading.Thread(target=churn) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for _ in range(20):
            s.pause()
            s.resume()
        assert wait_until(lambda: count[0] >= 10, 5)
    finally:
        stop.set()
        for t in threads:
            t.join()
    s.stop()


def test_offline_past_grace_pauses_then_reconnects(emulator, make_client):
    secret = emulator.create_account("free", 50)
    client = make_client(secret)
    rec = Recorder()
    s = client.start_session(on_state_change=rec)
    renderer = Renderer(s)
    try:
        assert wait_until(lambda: s.stats().heartbeats_ok >= 1, 5)
        emulator.fault(mode="refuse")
        # Grace is 3 s after the last acknowledged heartbeat.
        assert wait_until(lambda: rec.saw("paused_offline", "grace_expired"), 8)
        assert not s.may_render()
        emulator.clear_faults()
        assert wait_until(lambda: rec.states()[-1:] == ["active"], 8)
        assert s.may_render()
    finally:
        renderer.stop()
    stop_and_check_billing(emulator, client, s)


def test_out_of_credits_pauses_and_topup_resumes(emulator, make_client):
    secret = emulator.create_account("free", 0.01)  # 2 credits/min: gone in 0.3 s
    client = make_client(secret)
    rec = Recorder()
    s = client.start_session(on_state_change=rec)
    renderer = Renderer(s)
    try:
        assert wait_until(lambda: rec.saw("paused_billing", "insufficient_credits"), 8)
        emulator.topup(secret, 10)
        assert wait_until(lambda: rec.states()[-1:] == ["active"], 8)
    finally:
        renderer.stop()
    s.stop()
    assert client.flush(5.0)


def test_last_reference_dropped_inside_its_own_callback(emulator, make_client):
    secret = emulator.create_account("free", 50)
    client = make_client(secret)
    holder = []
    done = []

    def on_change(change):
        if change.to_state == "paused_by_user":
            holder.clear()  # the Session is collected here, on the scheduler thread
            gc.collect()
            done.append(True)

    holder.append(client.start_session(on_state_change=on_change))
    holder[0].pause()
    assert wait_until(lambda: done, 5)
    assert client.flush(5.0)
    # The scheduler goes on serving new sessions.
    with client.start_session() as s:
        assert s.may_render()


def test_client_closed_inside_a_callback(emulator, make_client):
    secret = emulator.create_account("free", 50)
    client = make_client(secret)
    seen = []

    def on_change(change):
        seen.append(change.to_state)
        if change.to_state == "paused_by_user":
            client.close()  # the thread join is deferred: no deadlock

    s = client.start_session(on_state_change=on_change)
    s.pause()
    assert wait_until(lambda: client.closed and "stopped" in seen, 5), seen
    assert wait_until(lambda: (emulator.ledger_session(s.id) or {}).get("released") is True, 5)
