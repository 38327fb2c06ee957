#!/usr/bin/env python3
"""python_asyncio_engine: an asyncio avatar service metered by creditmeter.aio.

Shaped like a LiveKit Agents avatar plugin or a pipecat avatar service (neither is imported):
the session starts on the first frame request, stops when the caller hangs up, and a
disconnect cancels the service's task (which stops the session). A balance pill is updated
from the balance callbacks and a "top up" prompt shows on ``paused_billing``.

    CREDITMETER_BASE_URL=http://127.0.0.1:8765 CREDITMETER_API_SECRET=sk_... \\
        python3 examples/python_asyncio_engine.py --duration 5 [--disconnect]

Exit 0 when all usage was acknowledged and the server's figure equals the client's, else 1.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Optional

import creditmeter
import creditmeter.aio

FPS = 25


class AvatarService:
    """One call's avatar. LiveKit: build it in the agent's entrypoint and await run() where
    ``AvatarSession.start()`` would; pipecat: call run() from the service's ``start`` and
    cancel its task in ``cancel``."""

    def __init__(self, client: creditmeter.aio.Client) -> None:
        self.client = client
        self.session: Optional[creditmeter.aio.Session] = None
        self.frames = 0

    # UI hooks: they run on the event loop, so they may touch asyncio objects and the UI freely.
    def on_balance(self, update: creditmeter.BalanceUpdate) -> None:
        print(f"[pill] {update.balance:.2f} credits (~{update.minutes_left:.0f} min)", flush=True)

    async def on_state_change(self, change: creditmeter.StateChange) -> None:
        print(f"state: {change.from_state} -> {change.to_state} ({change.reason})", flush=True)
        if change.to_state == "paused_billing":
            print("[prompt] Out of credits: top up to continue", flush=True)

    async def run(self, frame_requests: "asyncio.Queue[Optional[int]]") -> None:
        """Serves frame requests until the caller hangs up (None). Cancellation stops the session."""
        first = await frame_requests.get()  # start on the first frame request, not before
        if first is None:
            return
        self.session = await self.client.start_session(
            model="essence", surface="cloud", on_state_change=self.on_state_change, on_balance=self.on_balance)
        print(f"session {self.session.id} started", flush=True)
        async with self.session:  # leaving it (hang-up, error or cancel) stops the session
            while await frame_requests.get() is not None:
                if self.session.may_render():  # paused: show a "paused" card instead
                    self.frames += 1  # ... render and push the avatar frame ...
                    self.session.frame()


async def caller(frame_requests: "asyncio.Queue[Optional[int]]", duration: float) -> None:
    """The remote side: asks for frames at 25 fps, then hangs up."""
    for i in range(int(duration * FPS)):
        await frame_requests.put(i)
        await asyncio.sleep(1 / FPS)
    await frame_requests.put(None)


async def main_async(duration: float, disconnect: bool) -> int:
    async with creditmeter.aio.Client() as client:  # CREDITMETER_BASE_URL, CREDITMETER_API_SECRET
        service = AvatarService(client)
        requests: "asyncio.Queue[Optional[int]]" = asyncio.Queue()
        task = asyncio.ensure_future(service.run(requests))
        remote = asyncio.ensure_future(caller(requests, duration))
        if disconnect:  # the room went away mid-call: the framework cancels the service
            await asyncio.sleep(duration / 2)
            task.cancel()
            remote.cancel()
        await asyncio.gather(task, remote, return_exceptions=True)
        delivered = await client.flush(5.0)
        summary = await client.credit_summary()
        print(f"balance {summary.balance:.2f} credits ({summary.plan})")
    if service.session is None:
        print("python_asyncio_engine: no session started", file=sys.stderr)
        return 1
    st = service.session.stats()
    print(f"rendered {service.frames} frames; state {service.session.state}; active {st.active_ms} ms, "
          f"reported {st.reported_ms} ms, {st.credits_charged:.4f} credits")
    if not delivered:
        print("python_asyncio_engine: usage not acknowledged yet", file=sys.stderr)
    return 0 if delivered and st.reported_ms == st.active_ms and service.session.state == "stopped" else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--duration", type=float, default=5.0, help="seconds of call")
    ap.add_argument("--disconnect", action="store_true", help="cancel the service halfway (a dropped room)")
    args = ap.parse_args()
    try:
        return asyncio.run(main_async(args.duration, args.disconnect))
    except creditmeter.Error as e:
        print(f"python_asyncio_engine: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
