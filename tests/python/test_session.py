"""Happy path, stats, context managers, credit summary, audio-only, flush timeouts."""

from __future__ import annotations

import math
import threading
import time

import pytest

import creditmeter
from helpers import Renderer, wait_until


def test_happy_path_bills_exactly_what_was_rendered(emulator, make_client):
    secret = emulator.create_account("free", 50)
    client = make_client(secret)
    t0 = time.monotonic()
    with client.start_session(model="essence", surface="cloud") as s:
        assert isinstance(s, creditmeter.Session)
        assert s.state == "active" and s.may_render()
        assert s.reason in creditmeter.REASONS
        renderer = Renderer(s)
        # At least one heartbeat acknowledged while rendering (interval 1 s).
        assert wait_until(lambda: s.stats().heartbeats_ok >= 1 and s.stats().reported_ms > 0, 10)
        renderer.stop()
    rendered_s = time.monotonic() - t0
    assert s.state == "stopped"
    assert client.flush(5.0) is True
    stats = s.stats()  # the session stays usable after the with block
    row = emulator.ledger_session(s.id)
    assert row is not None and row["released"] is True
    assert row["active_ms"] == stats.active_ms == stats.reported_ms
    assert 0 < stats.active_ms <= rendered_s * 1000 + 50
    assert stats.credits_charged > 0
    assert stats.balance < 50
    assert stats.heartbeats_ok >= 2  # a heartbeat and the release
    assert "SessionStats(active_ms=" in repr(stats)
    assert s.id in repr(s)


def test_client_context_manager_closes_and_session_survives(emulator, make_client):
    secret = emulator.create_account("creator", 100)
    with make_client(secret) as client:
        assert not client.closed
        s = client.start_session(model="expression", surface="cloud")
        assert s.may_render()
    assert client.closed
    # Closing the client stopped its session and delivered the release.
    assert s.state == "stopped" and not s.may_render()
    assert wait_until(lambda: (emulator.ledger_session(s.id) or {}).get("released") is True, 5)
    s.stats()
    with pytest.raises(creditmeter.Error, match="closed"):
        client.start_session()
    with pytest.raises(creditmeter.Error, match="closed"):
        client.flush(0.1)
    client.close()  # idempotent


def test_pause_resume_and_state_strings(emulator, make_client):
    secret = emulator.create_account("free", 50)
    client = make_client(secret)
    with client.start_session() as s:
        s.pause()
        assert s.state == "paused_by_user" and s.reason == "user" and not s.may_render()
        s.resume()
        assert s.state == "active" and s.may_render()
    assert s.state == "stopped"
    assert s.state in creditmeter.STATES


def test_credit_summary(emulator, make_client):
    secret = emulator.create_account("pro", 7500)
    summary = make_client(secret).credit_summary()
    assert isinstance(summary, creditmeter.CreditSummary)
    assert summary.balance == pytest.approx(7500)
    assert summary.plan == "pro"
    assert isinstance(summary.estimated_minutes, dict)
    assert summary.estimated_minutes.get("essence_cloud") == 3750


def test_audio_only_needs_no_server(free_port):
    # Nobody listens there: an audio-only session makes no network call at all.
    with creditmeter.Client(base_url=f"http://127.0.0.1:{free_port}", api_secret="sk_unused", journal_dir="") as c:
        with c.start_session(audio_only=True) as s:
            s.frame()
            assert s.may_render()
        assert s.stats().active_ms == 0
        assert c.flush(1.0) is True


def test_flush_float_timeouts(emulator, make_client):
    secret = emulator.create_account("free", 50)
    client = make_client(secret)
    s = client.start_session()
    assert client.flush(0) in (True, False)
    assert client.flush(0.0) in (True, False)
    # The server stops answering: flush keeps its (float) deadline.
    emulator.fault(mode="hang", hang_ms=3000)
    s.stop()
    t0 = time.monotonic()
    assert client.flush(0.35) is False
    elapsed = time.monotonic() - t0
    assert 0.3 <= elapsed < 1.5
    emulator.clear_faults()
    assert client.flush(10.0) is True
    assert emulator.ledger_session(s.id)["released"] is True


def test_blocking_calls_release_the_gil(emulator, make_client):
    secret = emulator.create_account("free", 50)
    client = make_client(secret)
    s = client.start_session()
    emulator.fault(mode="hang", hang_ms=3000)
    s.stop()
    ticks = 0
    done = threading.Event()

    def spin() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1

    t = threading.Thread(target=spin)
    old = __import__("sys").getswitchinterval()
    t.start()
    try:
        assert client.flush(0.5) is False
    finally:
        done.set()
        t.join()
    # With the GIL held for 0.5 s the spinner would barely run; released, it spins freely.
    assert ticks > 100_000, ticks
    assert old > 0


def test_timeouts_are_validated(emulator, make_client):
    secret = emulator.create_account("free", 50)
    client = make_client(secret)
    for bad in (-1, -0.001, math.nan):
        with pytest.raises(ValueError):
            client.flush(bad)
        with pytest.raises(creditmeter.InvalidArgument):
            creditmeter.Client(base_url=emulator.base_url, api_secret=secret, shutdown_timeout=bad)
    with pytest.raises(ValueError):
        creditmeter.Client(base_url=emulator.base_url, api_secret=secret, idle_after=math.inf)
    with pytest.raises(TypeError):
        client.flush("soon")
