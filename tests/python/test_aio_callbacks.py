"""creditmeter.aio callbacks run on the event loop's thread; a closed loop drops them quietly."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest

import creditmeter
import creditmeter.aio
from aio_helpers import eventually, ledger_equals_stats
from helpers import wait_until


@pytest.mark.asyncio
async def test_plain_and_async_callbacks_run_on_the_loop_thread(emulator, make_aio_client):
    secret = emulator.create_account("free", 50)
    client = make_aio_client(secret)
    loop_thread = threading.get_ident()
    plain, async_seen, balances = [], [], []

    def on_change(change):
        plain.append((change.to_state, threading.get_ident(), creditmeter._native._is_callback_thread()))

    async def on_change_async(change):
        await asyncio.sleep(0)
        async_seen.append((change.to_state, threading.get_ident()))

    session = await client.start_session(
        on_state_change=on_change, on_balance=lambda u: balances.append((u.balance, threading.get_ident()))
    )
    assert await eventually(lambda: balances, 5)
    session.pause()
    assert await eventually(lambda: [p[0] for p in plain] == ["paused_by_user"], 5)
    session.on_state_change(on_change_async)
    session.resume()
    session.stop()
    assert await eventually(lambda: [a[0] for a in async_seen] == ["active", "stopped"], 5)
    assert all(t == loop_thread and not on_callback_thread for _, t, on_callback_thread in plain)
    assert all(t == loop_thread for _, t in async_seen)
    assert all(t == loop_thread for _, t in balances)
    assert await client.flush(5.0)
    ledger_equals_stats(emulator, session)


@pytest.mark.asyncio
async def test_state_changes_yields_every_later_change_and_ends_after_stopped(emulator, make_aio_client):
    secret = emulator.create_account("free", 50)
    client = make_aio_client(secret)
    session = await client.start_session()
    first, second = session.state_changes(), session.state_changes()

    async def collect(it):
        return [(c.from_state, c.to_state, c.reason) async for c in it]

    tasks = [asyncio.ensure_future(collect(first)), asyncio.ensure_future(collect(second))]
    session.pause()
    session.resume()
    session.stop()
    expected = [("active", "paused_by_user", "user"), ("paused_by_user", "active", "user"),
                ("active", "stopped", "stopped")]
    assert await asyncio.wait_for(asyncio.gather(*tasks), 5) == [expected, expected]
    # After `stopped` was delivered, a new iterator ends at once.
    assert await asyncio.wait_for(collect(session.state_changes()), 1) == []
    assert await client.flush(5.0)
    ledger_equals_stats(emulator, session)


@pytest.mark.asyncio
async def test_a_failing_callback_is_logged_and_the_session_goes_on(emulator, make_aio_client, caplog):
    secret = emulator.create_account("free", 50)
    client = make_aio_client(secret)
    caplog.set_level(logging.ERROR, logger="creditmeter")

    async def bad(change):
        raise RuntimeError("boom from an async callback")

    session = await client.start_session(on_state_change=bad)
    session.pause()
    assert await eventually(lambda: any(r.exc_info and "boom" in str(r.exc_info[1]) for r in caplog.records), 5)
    session.resume()
    before = session.stats().heartbeats_ok
    assert await eventually(lambda: session.stats().heartbeats_ok > before, 5)
    session.stop()
    assert await client.flush(5.0)
    ledger_equals_stats(emulator, session)


def test_a_closed_loop_drops_later_callbacks_quietly_and_metering_goes_on(emulator, make_aio_client, caplog, capfd):
    secret = emulator.create_account("free", 50)
    client = make_aio_client(secret)
    seen = []

    async def start():
        return await client.start_session(on_state_change=lambda c: seen.append(c.to_state))

    session = asyncio.run(start())  # the loop is closed when run() returns
    caplog.set_level(logging.DEBUG)
    session.pause()
    session.resume()
    for _ in range(30):
        session.frame()
        threading.Event().wait(0.01)  # a renderer's frame pace
    before = session.stats().heartbeats_ok
    assert wait_until(lambda: session.stats().heartbeats_ok > before, 5)
    session.stop()
    assert asyncio.run(client.flush(5.0))
    ledger_equals_stats(emulator, session)
    assert session.stats().active_ms > 0
    assert seen == []  # dropped, not run on some other thread
    err = capfd.readouterr().err
    assert "Event loop is closed" not in err and "Traceback" not in err, err
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.records
