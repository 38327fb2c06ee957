#!/usr/bin/env python3
"""python_events_engine: a simulated conversational avatar metered by creditmeter (Python).

    CREDITMETER_BASE_URL=http://127.0.0.1:8765 CREDITMETER_API_SECRET=sk_... \\
        python3 examples/python_events_engine.py --duration 10

Beside the active time (a 25 fps renderer thread gated on may_render()), each turn of the
conversation records what it spent as usage events: the user's speech transcribed
(stt_seconds), one LLM request (llm_gpt4) and the reply spoken (tts_seconds). record() never
waits on the network; the server charges each event once at its price (docs/CREDITS.md).
Exit 0 when all usage (time and events) was settled, 1 on any error.
"""
from __future__ import annotations

import argparse
import sys
import threading
import time

import creditmeter


def on_change(c: creditmeter.StateChange) -> None:  # runs on the client's callback thread
    print(f"state: {c.from_state} -> {c.to_state} ({c.reason}: {c.message})", flush=True)


def on_rejected(e: creditmeter.RejectedEvent) -> None:  # an action the server has no price for
    print(f"not billed: {e.action} x {e.quantity:g} ({e.code}): {e.message}", flush=True)


def converse(session: creditmeter.Session, done: threading.Event) -> int:
    """The engine's conversation: a turn a second while the avatar may render."""
    turns = 0
    while not done.wait(1.0):
        if not session.may_render():  # paused: no new turns (and no new spending)
            continue
        user_speech_s = 1.5 + (turns % 3) * 0.5
        reply_speech_s = 2.0 + (turns % 4) * 0.75
        session.record("stt_seconds", user_speech_s)  # ... transcribe the user ...
        session.record("llm_gpt4")  # ... one request for the reply ...
        session.record("tts_seconds", reply_speech_s)  # ... and speak it
        turns += 1
    return turns


def render(session: creditmeter.Session, done: threading.Event) -> None:
    """The renderer thread: one per session calls frame()."""
    next_t = time.monotonic()
    while not done.wait(max(0.0, next_t - time.monotonic())):
        next_t += 0.04  # 25 fps
        if session.may_render():
            session.frame()  # ... after rendering the avatar frame ...


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds to run (default 10)")
    args = parser.parse_args()
    try:
        with creditmeter.Client() as client:  # CREDITMETER_BASE_URL, CREDITMETER_API_SECRET
            session = client.start_session(on_state_change=on_change, on_event_rejected=on_rejected)
            print(f"session {session.id} started (amounts in {session.stats().unit})", flush=True)
            done = threading.Event()
            renderer = threading.Thread(target=render, args=(session, done), name="renderer")
            renderer.start()
            timer = threading.Timer(args.duration, done.set)
            timer.start()
            turns = converse(session, done)
            renderer.join()
            session.stop()
            delivered = client.flush(5.0)
            st = session.stats()
            print(
                f"{turns} turns; active {st.active_ms} ms (reported {st.reported_ms} ms); events "
                f"{st.events_recorded} recorded, {st.events_acknowledged} charged, {st.events_rejected} rejected; "
                f"{st.credits_charged:.3f} {st.unit} charged (time and events), balance {st.balance:.3f}",
                flush=True,
            )
            settled = delivered and st.events_pending == 0
    except creditmeter.Error as e:
        print(f"python_events_engine: {e}", file=sys.stderr)
        return 1
    if not settled:
        print("python_events_engine: usage not settled yet (kept in the journal)", file=sys.stderr)
    return 0 if settled else 1


if __name__ == "__main__":
    sys.exit(main())
