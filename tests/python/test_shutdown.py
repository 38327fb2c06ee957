"""close() wakes flush() calls in progress; at exit, every client shuts down at once (subprocesses)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
import threading
import time

from helpers import wait_until


def test_close_wakes_a_flush_in_progress_on_another_thread(emulator, make_client):
    secret = emulator.create_account("free", 50)
    client = make_client(secret, shutdown_timeout=0.5)
    s = client.start_session()
    emulator.fault(mode="hang")  # the release is never answered
    s.stop()
    result = []
    t = threading.Thread(target=lambda: result.append(client.flush(math.inf)))
    t.start()
    assert not wait_until(lambda: not t.is_alive(), 0.3)  # it waits: nothing can be acknowledged
    client.close()
    # Woken by close(): it returns False (within a slice), it does not wait without end.
    assert wait_until(lambda: not t.is_alive(), 5)
    t.join()
    assert result == [False]
    assert client.closed
    emulator.clear_faults()


SEVERAL_CLIENTS_AT_EXIT = textwrap.dedent(
    """
    import json, math, sys, threading, time, urllib.request, creditmeter
    base_url, secrets = sys.argv[1], sys.argv[2:]
    clients = [creditmeter.Client(base_url=base_url, api_secret=s, journal_dir="", shutdown_timeout=1.0)
               for s in secrets]
    sessions = [c.start_session() for c in clients]
    req = urllib.request.Request(base_url + '/admin/faults', data=json.dumps({'mode': 'hang'}).encode(),
                                 method='POST', headers={'Content-Type': 'application/json'})
    urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req).read()
    for s in sessions:
        s.frame()
    # A daemon thread inside flush(inf) at exit: its client still shuts down within shutdown_timeout.
    # On a loaded machine the thread may reach flush() only after the exit hook closed the client:
    # then flush() refuses at once (InvalidArgument), which is right, and not what is tested here.
    entering = threading.Event()
    def flush_forever():
        entering.set()
        try:
            clients[0].flush(math.inf)
        except creditmeter.InvalidArgument:
            pass
    threading.Thread(target=flush_forever, daemon=True).start()
    entering.wait(30)
    print(" ".join(s.id for s in sessions), flush=True)
    print(repr(time.monotonic()), flush=True)
    """
)


def test_several_clients_shut_down_together_at_exit(emulator, script_dir):
    secrets = [emulator.create_account("free", 50) for _ in range(4)]
    path = script_dir / "several.py"
    path.write_text(SEVERAL_CLIENTS_AT_EXIT)
    try:
        proc = subprocess.run([sys.executable, str(path), emulator.base_url, *secrets], capture_output=True,
                              text=True, timeout=30, env=os.environ.copy())
        ended = time.monotonic()
    finally:
        emulator.clear_faults()
    assert proc.returncode == 0, proc.stderr
    ids_line, exit_started = proc.stdout.splitlines()
    ids = ids_line.split()
    # One after another, four clients with a 1 s shutdown_timeout take 4 s or more; together, about 1 s.
    # (time.monotonic() is CLOCK_MONOTONIC, shared by both processes.)
    assert ended - float(exit_started) < 3.0, ended - float(exit_started)
    # Every session was stopped at exit and said what stays undelivered (the server hung).
    for sid in ids:
        assert f"session {sid}:" in proc.stderr and "not acknowledged" in proc.stderr, proc.stderr
    assert "Fatal" not in proc.stderr and "Traceback" not in proc.stderr
