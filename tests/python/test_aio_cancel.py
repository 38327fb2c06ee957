"""Cancellation is a stop: inside `async with session`, during start_session, during flush."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import pytest

import creditmeter
from aio_helpers import eventually, ledger_equals_stats

pytestmark = pytest.mark.asyncio


async def test_a_task_cancelled_inside_async_with_session_stops_it(emulator, make_aio_client):
    secret = emulator.create_account("free", 50)
    client = make_aio_client(secret)
    started = asyncio.Event()
    box = []

    async def engine():
        async with await client.start_session() as session:
            box.append(session)
            started.set()
            while True:  # renders until cancelled (the caller hung up)
                if session.may_render():
                    session.frame()
                await asyncio.sleep(0.01)

    task = asyncio.ensure_future(engine())
    await asyncio.wait_for(started.wait(), 10)
    session = box[0]
    assert await eventually(lambda: session.stats().heartbeats_ok >= 1, 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert session.state == "stopped"
    assert await client.flush(5.0)
    ledger_equals_stats(emulator, session)
    assert session.stats().active_ms > 0


async def test_a_cancelled_flush_returns_at_once(emulator, make_aio_client):
    secret = emulator.create_account("free", 50)
    client = make_aio_client(secret)
    session = await client.start_session()
    for _ in range(10):
        session.frame()
        await asyncio.sleep(0.01)
    emulator.fault(mode="hang", path="/v1/runtime-tokens/release")
    session.stop()
    flush = asyncio.ensure_future(client.flush(60.0))
    assert not await eventually(flush.done, 0.3)  # it waits: the release is held
    t0 = time.monotonic()
    flush.cancel()
    with pytest.raises(asyncio.CancelledError):
        await flush
    assert time.monotonic() - t0 < 0.5  # control came back at once, not after 60 s
    emulator.clear_faults()
    assert await client.flush(5.0)  # nothing lost, nothing billed twice
    ledger_equals_stats(emulator, session)


async def test_a_cancelled_start_whose_exchange_completes_later_stops_that_session(emulator, make_aio_client):
    # One concurrent session allowed: a leaked slot would refuse the next start.
    secret = emulator.create_account("free", 50, max_concurrent=1)
    client = make_aio_client(secret)
    abandoned_id = str(uuid.uuid4())
    # The server takes the exchange (the slot is taken) but its answer arrives 1.5 s later.
    emulator.fault(mode="slow", hang_ms=1500, path="/v1/runtime-tokens/request")
    changes = []
    start = asyncio.ensure_future(client.start_session(session_id=abandoned_id, on_state_change=changes.append))
    assert await eventually(lambda: emulator.ledger_session(abandoned_id) is not None, 5)
    start.cancel()
    with pytest.raises(asyncio.CancelledError):
        await start
    # When the answer arrives, the session nobody received is stopped at once: released, nothing billed.
    assert await eventually(lambda: (emulator.ledger_session(abandoned_id) or {}).get("released") is True, 10)
    row = emulator.ledger_session(abandoned_id)
    assert row["active_ms"] == 0
    assert changes == []  # the caller gave it up: none of its callbacks run
    emulator.clear_faults()
    async with await client.start_session() as session:  # the slot is free again
        session.frame()
    assert await client.flush(5.0)
    ledger_equals_stats(emulator, session)


async def test_aclose_ends_a_flush_in_progress(emulator, make_aio_client):
    secret = emulator.create_account("free", 50)
    client = make_aio_client(secret, shutdown_timeout=0.5)
    session = await client.start_session()
    emulator.fault(mode="hang")
    session.stop()
    flush = asyncio.ensure_future(client.flush(60.0))
    assert not await eventually(flush.done, 0.3)
    await client.aclose()
    assert await asyncio.wait_for(flush, 5) is False
    assert client.closed
    with pytest.raises(creditmeter.Error):
        await client.start_session()


async def test_a_cancelled_start_against_a_hanging_server_ends_its_thread_and_leaves_nothing(emulator, make_aio_client):
    # The server makes the session, then holds the answer: the cancel interrupts the native
    # exchange itself (its thread ends at once, it does not wait out request_timeout), and the
    # C++ client re-attaches and releases the session the server made.
    secret = emulator.create_account("free", 50, max_concurrent=1)
    client = make_aio_client(secret, request_timeout=30.0)
    abandoned_id = str(uuid.uuid4())
    emulator.fault(mode="hang", apply=True, count=1, path="/v1/runtime-tokens/request")
    start = asyncio.ensure_future(client.start_session(session_id=abandoned_id))
    assert await eventually(lambda: not emulator.admin("GET", "/admin/faults")["faults"], 5)  # held by the server
    start.cancel()
    with pytest.raises(asyncio.CancelledError):
        await start
    assert await eventually(lambda: not any(t.name == "creditmeter-aio-start" for t in threading.enumerate()), 5)
    assert await client.flush(10.0)  # the re-attach and the release of the session nobody received
    row = emulator.ledger_session(abandoned_id)
    assert row["released"] is True and row["active_ms"] == 0 and row["credits_charged"] == 0
    async with await client.start_session() as session:  # the one slot is free again
        session.frame()
    assert await client.flush(5.0)
    ledger_equals_stats(emulator, session)
