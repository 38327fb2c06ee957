#!/usr/bin/env python3
"""creditmeter.aio: the event loop's largest gap between 5 ms ticks while the server holds a
start_session, a flush and a credit_summary (emulator fault `hang`), against the same ticker on
an idle loop in the same run (the baseline). Goal: < 20 ms. JSON on stdout.

PYTHONPATH must hold the built creditmeter package (scripts/bench.sh sets it)."""
import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_frame import admin, start_emulator  # noqa: E402


class Ticker:
    """Sleeps 5 ms at a time; `largest_gap` is the longest wait between two wake-ups (s)."""

    def __init__(self):
        self.largest_gap = 0.0

    async def run(self):
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.005)
            now = time.monotonic()
            self.largest_gap = max(self.largest_gap, now - last)
            last = now


async def held(url, ticker, path, make_call, hold_s):
    """The largest gap (ms) while the server holds `make_call()`'s request on `path` for hold_s."""
    admin(url, "/admin/faults", {"mode": "hang", "path": path})
    call = asyncio.ensure_future(make_call())
    await asyncio.sleep(0.01)  # the call's thread starts; from here the loop must keep ticking
    ticker.largest_gap = 0.0
    await asyncio.sleep(hold_s)
    gap = ticker.largest_gap
    req_clear(url)
    with contextlib.suppress(Exception):  # a held request ends with no answer: an error or a retry's answer
        await call
    return gap * 1000


def req_clear(url):
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(url + "/admin/faults", method="DELETE")).read()


async def one_run(url, secret, hold_s):
    import creditmeter.aio

    ticker = Ticker()
    tick_task = asyncio.ensure_future(ticker.run())
    out = {}
    async with creditmeter.aio.Client(base_url=url, api_secret=secret, journal_dir="", log_level="error") as client:
        await asyncio.sleep(0.05)
        ticker.largest_gap = 0.0
        await asyncio.sleep(hold_s)
        out["idle"] = ticker.largest_gap * 1000
        out["start_session"] = await held(url, ticker, "/v1/runtime-tokens/request", client.start_session, hold_s)
        session = await client.start_session()
        session.frame()
        session.stop()
        out["flush"] = await held(url, ticker, "/v1/runtime-tokens/release", lambda: client.flush(30.0), hold_s)
        out["credit_summary"] = await held(url, ticker, "/v2/credit-summaries", client.credit_summary, hold_s)
    tick_task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await tick_task
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--emulator", required=True)
    ap.add_argument("--repetitions", type=int, default=10)
    ap.add_argument("--hold", type=float, default=0.5, help="seconds the server holds each request")
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    if a.smoke:
        a.repetitions, a.hold = 2, 0.2
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    proc, url = start_emulator(a.emulator)
    try:
        admin(url, "/admin/accounts", {"api_secret": "bench-aio", "plan": "pro", "balance": 1e6, "max_concurrent": 10})
        runs = [asyncio.run(one_run(url, "bench-aio", a.hold)) for _ in range(a.repetitions)]
    finally:
        proc.terminate()
        proc.wait()
    out = {"hold_s": a.hold, "tick_ms": 5, "n": len(runs)}
    for key in runs[0]:
        v = [r[key] for r in runs]
        out[key] = {"median_ms": statistics.median(v), "max_ms": max(v), "min_ms": min(v)}
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
