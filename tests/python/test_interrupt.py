"""Waiting calls end at once: Ctrl-C and close() on another thread interrupt start_session,
flush and credit_summary against a server that holds the request (emulator fault ``hang``);
an interrupted start leaves no slot and no bill. Log callbacks never stall the I/O thread."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid

import pytest

import creditmeter
from helpers import wait_until

REQUEST_TIMEOUT_S = 30.0  # an interrupted call must not wait this out


def held_by_server(emulator) -> bool:
    """The fault rules (count 1) fired: the server holds the request."""
    return wait_until(lambda: not emulator.admin("GET", "/admin/faults")["faults"], 5)


def nothing_left(emulator, session_id: str) -> bool:
    """The session is unknown to the server, or released with nothing billed and no slot."""
    row = emulator.ledger_session(session_id)
    return row is None or (row["released"] and row["active_ms"] == 0 and row["credits_charged"] == 0
                           and not row.get("slot_held", False))


CTRL_C_START = textwrap.dedent(
    """
    import json, sys, urllib.request, creditmeter
    base_url, secret, session_id = sys.argv[1], sys.argv[2], sys.argv[3]
    client = creditmeter.Client(base_url=base_url, api_secret=secret, journal_dir="", request_timeout=30.0,
                                shutdown_timeout=3.0)
    rule = {'mode': 'hang', 'apply': True, 'count': 1, 'path': '/v1/runtime-tokens/request'}
    req = urllib.request.Request(base_url + '/admin/faults', data=json.dumps(rule).encode(), method='POST',
                                 headers={'Content-Type': 'application/json'})
    urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req).read()
    try:
        print("starting", flush=True)
        client.start_session(session_id=session_id)
        print("started", flush=True)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    client.close()  # delivers the release of the session the server made
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_interrupts_start_session_against_a_hanging_server(emulator, script_dir):
    secret = emulator.create_account("free", 50, max_concurrent=1)
    session_id = str(uuid.uuid4())
    path = script_dir / "ctrl_c_start.py"
    path.write_text(CTRL_C_START)
    proc = subprocess.Popen([sys.executable, str(path), emulator.base_url, secret, session_id],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "starting"
        assert held_by_server(emulator)  # the exchange is on the server: it made the session and hangs
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
        assert "interrupted" in out, (out, err)
        assert time.monotonic() - t0 < REQUEST_TIMEOUT_S / 2  # interrupted, not timed out
        assert proc.returncode == 0, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # close() re-attached and released the session the server had made: its slot is free.
    assert emulator.ledger_session(session_id)["released"] is True
    assert nothing_left(emulator, session_id)


def test_close_on_another_thread_interrupts_start_session(emulator, make_client):
    secret = emulator.create_account("free", 50, max_concurrent=1)
    client = make_client(secret, request_timeout=REQUEST_TIMEOUT_S, shutdown_timeout=3.0)
    session_id = str(uuid.uuid4())
    emulator.fault(mode="hang", apply=True, count=1, path="/v1/runtime-tokens/request")
    outcome = []

    def start() -> None:
        try:
            outcome.append(client.start_session(session_id=session_id))
        except creditmeter.Interrupted as e:
            outcome.append(e)

    t = threading.Thread(target=start)
    t0 = time.monotonic()
    t.start()
    assert held_by_server(emulator)
    client.close()
    assert wait_until(lambda: not t.is_alive(), 10)
    assert time.monotonic() - t0 < REQUEST_TIMEOUT_S / 2
    assert len(outcome) == 1 and isinstance(outcome[0], creditmeter.Interrupted), outcome
    assert isinstance(outcome[0], creditmeter.Error)
    assert "clos" in str(outcome[0])
    assert emulator.ledger_session(session_id)["released"] is True  # released within close()
    assert nothing_left(emulator, session_id)


def test_close_on_another_thread_interrupts_credit_summary(emulator, make_client):
    secret = emulator.create_account("free", 50)
    client = make_client(secret, request_timeout=REQUEST_TIMEOUT_S)
    emulator.fault(mode="hang", count=1, path="/v2/credit-summaries")
    outcome = []

    def summary() -> None:
        try:
            outcome.append(client.credit_summary())
        except creditmeter.Interrupted as e:
            outcome.append(e)

    t = threading.Thread(target=summary)
    t.start()
    assert held_by_server(emulator)
    client.close()
    assert wait_until(lambda: not t.is_alive(), 10)
    assert len(outcome) == 1 and isinstance(outcome[0], creditmeter.Interrupted), outcome


def test_a_blocked_log_callback_does_not_stall_heartbeats(emulator, make_client):
    secret = emulator.create_account("free", 50)
    release = threading.Event()
    lines = []

    def log(level: str, message: str) -> None:
        lines.append((level, message, threading.current_thread().name))
        release.wait(20)  # blocks the thread that delivers log lines, never the I/O thread

    client = make_client(secret, log=log)
    s = client.start_session()
    emulator.fault(mode="status", status=503, count=1, path="/v1/runtime-tokens/heartbeat")
    # The failed heartbeat is logged (a warning, from the I/O thread) and the callback blocks...
    assert wait_until(lambda: lines, 10)
    ok = s.stats().heartbeats_ok
    # ...while the I/O thread goes on: the retry and the next heartbeats are acknowledged.
    try:
        assert wait_until(lambda: s.stats().heartbeats_ok >= ok + 2, 10)
    finally:
        release.set()
    assert "heartbeat" in lines[0][1]
    s.stop()
    assert client.flush(5.0)
