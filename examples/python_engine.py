#!/usr/bin/env python3
"""python_engine: a simulated 25 fps avatar engine metered by creditmeter (Python binding).

    CREDITMETER_BASE_URL=http://127.0.0.1:8765 CREDITMETER_API_SECRET=sk_... \\
        python3 examples/python_engine.py --duration 10 [--asyncio]

A renderer thread (or an asyncio task with --asyncio) gates each frame on may_render(); state
changes are printed as they come. Exit 0 when all usage was acknowledged, 1 on any error.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import threading
import time
from typing import List, Tuple

import creditmeter
import creditmeter.aio


def on_change(c: creditmeter.StateChange) -> None:  # runs on the client's callback thread (aio: the loop)
    print(f"state: {c.from_state} -> {c.to_state} ({c.reason}: {c.message})", flush=True)


def render_threaded(session: creditmeter.Session, duration: float) -> int:
    frames: List[int] = [0]
    done = threading.Event()

    def loop() -> None:  # the renderer thread: one per session calls frame()
        next_t = time.monotonic()
        while not done.wait(max(0.0, next_t - time.monotonic())):
            next_t += 0.04  # 25 fps
            if session.may_render():  # paused: show a "paused" card instead
                session.frame()  # ... after rendering the avatar frame ...
                frames[0] += 1

    t = threading.Thread(target=loop, name="renderer")
    t.start()
    done.wait(duration)  # the main thread is free meanwhile (pause(), resume(), UI...)
    done.set()
    t.join()
    return frames[0]


async def render_asyncio(session: creditmeter.aio.Session, duration: float) -> int:
    frames, end = 0, time.monotonic() + duration
    while time.monotonic() < end:
        if session.may_render():  # cheap, never blocks: fine on the event loop
            session.frame()
            frames += 1
        await asyncio.sleep(0.04)
    return frames


async def main_async(duration: float) -> Tuple[creditmeter.SessionStats, int, bool]:
    # creditmeter.aio: start_session and flush never block the event loop.
    async with creditmeter.aio.Client() as client:
        async with await client.start_session(on_state_change=on_change) as session:
            print(f"session {session.id} started (asyncio)", flush=True)
            frames = await render_asyncio(session, duration)
        delivered = await client.flush(5.0)  # leaving `async with session` queued the release
        return session.stats(), frames, delivered  # the stats once the release is acknowledged


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--duration", type=float, default=10.0, help="seconds to render")
    ap.add_argument("--asyncio", action="store_true", help="render from an asyncio task (creditmeter.aio)")
    args = ap.parse_args()
    try:  # base_url, api_secret: CREDITMETER_BASE_URL, CREDITMETER_API_SECRET
        if args.asyncio:
            st, frames, delivered = asyncio.run(main_async(args.duration))
        else:
            with creditmeter.Client() as client:
                with client.start_session(model="essence", surface="cloud", on_state_change=on_change) as session:
                    print(f"session {session.id} started", flush=True)
                    frames = render_threaded(session, args.duration)
                delivered = client.flush(5.0)  # stop() (leaving the with) queued the release
                st = session.stats()
    except creditmeter.Error as e:
        print(f"python_engine: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(f"rendered {frames} frames; active {st.active_ms} ms, reported {st.reported_ms} ms, "
          f"{st.credits_charged:.4f} credits, balance {st.balance:.2f}")
    if not delivered:
        print("python_engine: usage not acknowledged yet", file=sys.stderr)
    return 0 if delivered and st.reported_ms == st.active_ms else 1


if __name__ == "__main__":
    sys.exit(main())
