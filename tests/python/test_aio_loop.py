"""creditmeter.aio never blocks the event loop: start, flush and summary while the server holds them."""

from __future__ import annotations

import asyncio

import pytest

import creditmeter
import creditmeter.aio
from aio_helpers import LoopTicker, eventually, ledger_equals_stats

pytestmark = pytest.mark.asyncio


async def test_the_loop_ticks_during_a_start_a_flush_and_a_summary(emulator, make_aio_client):
    secret = emulator.create_account("free", 50)
    client = make_aio_client(secret)
    async with LoopTicker() as ticker:
        # A start the server holds: the loop ticks meanwhile; the hang ends without an answer.
        emulator.fault(mode="hang", path="/v1/runtime-tokens/request")
        start = asyncio.ensure_future(client.start_session())
        assert await ticker.ticks_while_pending(start, 40)
        emulator.clear_faults()
        with pytest.raises(creditmeter.NetworkError):
            await start

        session = await client.start_session()
        assert await eventually(lambda: session.stats().heartbeats_ok >= 1, 5)
        for _ in range(20):
            session.frame()
            await asyncio.sleep(0.01)

        # A flush whose release the server holds: the loop ticks; then it is acknowledged.
        emulator.fault(mode="hang", path="/v1/runtime-tokens/release")
        session.stop()
        flush = asyncio.ensure_future(client.flush(20.0))
        assert await ticker.ticks_while_pending(flush, 40)
        emulator.clear_faults()  # the held release gets no answer: the client sends it again
        assert await flush is True

        # A credit summary the server holds.
        emulator.fault(mode="hang", path="/v2/credit-summaries")
        summary = asyncio.ensure_future(client.credit_summary())
        assert await ticker.ticks_while_pending(summary, 40)
        emulator.clear_faults()  # ends the hang without an answer: an error, or a retry's answer
        try:
            await summary
        except creditmeter.NetworkError:
            pass
        real = await client.credit_summary()
        assert isinstance(real, creditmeter.CreditSummary)
        assert real.balance == pytest.approx(session.stats().balance)
    ledger_equals_stats(emulator, session)
    assert session.stats().active_ms > 0
    await client.aclose()
    assert client.closed


async def test_async_with_client_and_session(emulator, make_aio_client):
    secret = emulator.create_account("free", 50)
    async with make_aio_client(secret) as client:
        async with await client.start_session(model="essence", surface="cloud") as session:
            assert session.may_render()
            for _ in range(10):
                session.frame()
                await asyncio.sleep(0.01)
            assert session.state == "active"
        assert session.state == "stopped"
        assert await client.flush(5.0)
        ledger_equals_stats(emulator, session)
    assert client.closed


async def test_errors_are_the_synchronous_apis(emulator, make_aio_client):
    client = make_aio_client("sk_test_py_unknown_secret")
    with pytest.raises(creditmeter.AuthenticationError):
        await client.start_session()
    with pytest.raises(creditmeter.InvalidArgument):
        await client.flush(-1.0)
    with pytest.raises(TypeError):
        await client.start_session(on_state_change=42)
