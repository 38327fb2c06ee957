"""Interpreter exit with live sessions, and Ctrl-C during a long flush (subprocesses)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from helpers import wait_until

LIVE_AT_EXIT = textwrap.dedent(
    """
    import sys, threading, creditmeter
    base_url, secret = sys.argv[1], sys.argv[2]
    client = creditmeter.Client(base_url=base_url, api_secret=secret, journal_dir="")
    changes = []
    s = client.start_session(on_state_change=lambda c: changes.append(c.to_state))
    s2 = client.start_session()
    def render():
        while True:                      # a daemon renderer still running at exit
            if s.may_render():
                s.frame()
            threading.Event().wait(0.005)
    threading.Thread(target=render, daemon=True).start()
    assert client.flush(5.0)
    print(s.id, s2.id, flush=True)
    # exit without stop(), close() or flush()
    """
)


def _run(script_dir, source, *args, timeout=20):
    path = script_dir / "script.py"
    path.write_text(source)
    return subprocess.run(
        [sys.executable, str(path), *args], capture_output=True, text=True, timeout=timeout, env=os.environ.copy()
    )


def test_interpreter_exit_with_live_sessions(emulator, script_dir):
    secret = emulator.create_account("free", 50)
    t0 = time.monotonic()
    proc = _run(script_dir, LIVE_AT_EXIT, emulator.base_url, secret)
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - t0 < 10
    ids = proc.stdout.split()
    assert len(ids) == 2
    # The atexit hook stopped both sessions and the client delivered their releases.
    for sid in ids:
        assert wait_until(lambda: (emulator.ledger_session(sid) or {}).get("released") is True, 5), sid
    assert "Fatal" not in proc.stderr and "Traceback" not in proc.stderr


def test_interpreter_exit_with_server_gone(emulator, script_dir):
    # The server hangs: exit still ends within the client's shutdown_timeout (+ margin).
    secret = emulator.create_account("free", 50)
    source = LIVE_AT_EXIT.replace('journal_dir=""', 'journal_dir="", shutdown_timeout=0.5') + (
        "\nimport urllib.request, json\n"
        "req = urllib.request.Request(base_url + '/admin/faults', data=json.dumps({'mode': 'hang', 'hang_ms': 5000})"
        ".encode(), method='POST', headers={'Content-Type': 'application/json'})\n"
        "urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req).read()\n"
    )
    t0 = time.monotonic()
    proc = _run(script_dir, source, emulator.base_url, secret)
    elapsed = time.monotonic() - t0
    assert proc.returncode == 0, proc.stderr
    assert elapsed < 6, elapsed
    assert "Fatal" not in proc.stderr


CTRL_C_FLUSH = textwrap.dedent(
    """
    import sys, json, urllib.request, creditmeter
    base_url, secret = sys.argv[1], sys.argv[2]
    client = creditmeter.Client(base_url=base_url, api_secret=secret, journal_dir="", shutdown_timeout=0.5)
    s = client.start_session()
    req = urllib.request.Request(base_url + '/admin/faults', data=json.dumps({'mode': 'hang', 'hang_ms': 8000})
                                 .encode(), method='POST', headers={'Content-Type': 'application/json'})
    urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req).read()
    s.stop()
    try:
        print("flushing", flush=True)
        client.flush(60.0)
        print("flush returned", flush=True)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_interrupts_a_long_flush(emulator, script_dir):
    secret = emulator.create_account("free", 50)
    path = script_dir / "ctrl_c.py"
    path.write_text(CTRL_C_FLUSH)
    proc = subprocess.Popen(
        [sys.executable, str(path), emulator.base_url, secret], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "flushing"
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        assert "interrupted" in out, (out, err)
        assert time.monotonic() - t0 < 3
        assert proc.returncode == 0, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
