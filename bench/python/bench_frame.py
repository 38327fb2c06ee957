#!/usr/bin/env python3
"""Python session.frame() (and may_render()) against a no-op pybind11 method call, in the
same run (timeit, min-of-5 per repetition; JSON on stdout).

PYTHONPATH must hold the built creditmeter package and the _bench_noop module
(scripts/bench.sh and the ctest smoke set it)."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
import urllib.request


def start_emulator(path):
    d = tempfile.mkdtemp(prefix="cmbench-py-")
    port_file = os.path.join(d, "port")
    proc = subprocess.Popen([path, "--host", "127.0.0.1", "--port", "0", "--port-file", port_file, "--quiet"])
    for _ in range(1000):
        if os.path.exists(port_file):
            with open(port_file) as f:
                text = f.read().strip()
            if text:
                return proc, "http://127.0.0.1:" + text
        if proc.poll() is not None:
            raise SystemExit("emulator exited")
        time.sleep(0.01)
    raise SystemExit("emulator did not start")


def admin(url, path, body):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req).read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--emulator", required=True)
    ap.add_argument("--repetitions", type=int, default=15)
    ap.add_argument("--number", type=int, default=200000)
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    if a.smoke:
        a.repetitions, a.number = 2, 2000

    import creditmeter
    import _bench_noop

    proc, url = start_emulator(a.emulator)
    try:
        admin(url, "/admin/accounts", {"api_secret": "bench-py", "plan": "pro", "balance": 1e6, "max_concurrent": 10})
        client = creditmeter.Client(base_url=url, api_secret="bench-py", journal_dir="")
        session = client.start_session(model="essence", surface="cloud")
        noop = _bench_noop.Noop()
        cases = {
            "baseline_pybind11_noop": noop.noop,
            "session_frame": session.frame,
            "session_may_render": session.may_render,
        }
        samples = {k: [] for k in cases}
        # Interleaved: each repetition measures every case, so drift hits all alike.
        for _ in range(a.repetitions):
            for name, fn in cases.items():
                t = min(timeit.repeat(fn, number=a.number, repeat=5))
                samples[name].append(t / a.number * 1e9)
        session.stop()
        del session
        del client
    finally:
        proc.terminate()
        proc.wait()
    out = {}
    for name, v in samples.items():
        v = sorted(v)
        out[name] = {"median_ns": statistics.median(v), "p99_ns": v[min(len(v) - 1, int(round(0.99 * (len(v) - 1))))],
                     "min_ns": v[0], "max_ns": v[-1], "n": len(v)}
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
