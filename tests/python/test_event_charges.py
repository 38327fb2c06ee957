"""What usage events cost beside active time: stats().events_credits_charged, usage(), and the unit on
every BalanceUpdate (sync and creditmeter.aio), against the emulator's ledger."""

from __future__ import annotations

import threading
import uuid
from typing import Any, List

import pytest

from aio_helpers import eventually
from helpers import Renderer, wait_until


class Balances:
    """An on_balance callback that keeps every update."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.updates: List[Any] = []

    def __call__(self, update: Any) -> None:
        with self.lock:
            self.updates.append(update)

    def snapshot(self) -> List[Any]:
        with self.lock:
            return list(self.updates)


def test_events_credits_charged_is_the_ledgers_event_charges_and_the_rest_is_time(emulator, make_client):
    secret = emulator.create_account("creator", 1000)
    client = make_client(secret)
    s = client.start_session()
    renderer = Renderer(s)
    s.record("llm_gpt4")
    s.record("tts_seconds", 12.5)  # 12500 at 83333 micro-credits: 1041.6625 -> 1.041
    for _ in range(10):
        s.record("api_request")  # 0.1 each: ten of them sum to 0.9999999999999999 as floats
    assert wait_until(lambda: s.stats().active_ms >= 1500, 10)
    renderer.stop()
    s.stop()
    assert client.flush(10.0)

    row = emulator.ledger_session(s.id)
    assert row["event_credits_charged"] == 12.041
    assert row["time_credits_charged"] > 0
    st = s.stats()
    assert st.events_acknowledged == 12
    assert st.events_credits_charged == row["event_credits_charged"]  # exactly
    assert st.credits_charged - st.events_credits_charged == pytest.approx(row["time_credits_charged"], abs=1e-9)
    assert "events_credits_charged=12.041" in repr(st)
    usage = client.usage()
    assert usage.events_credits_charged == row["event_credits_charged"]
    assert "events_credits_charged=12.041" in repr(usage)


def test_every_balance_update_carries_the_accounts_unit(emulator, make_client):
    secret = "sk_test_py_usd_" + uuid.uuid4().hex
    emulator.admin("POST", "/admin/accounts", {"api_secret": secret, "balance": 20, "unit": "USD"})
    client = make_client(secret)
    balances = Balances()
    s = client.start_session(on_balance=balances)
    s.record("photo_avatar_generation")  # 0.25
    assert client.flush(10.0)
    assert wait_until(lambda: any(u.session_credits == 0.25 for u in balances.snapshot()), 5)
    updates = balances.snapshot()
    assert {u.unit for u in updates} == {"USD"}
    assert "unit='USD'" in repr(updates[-1])
    assert s.stats().events_credits_charged == 0.25


@pytest.mark.asyncio
async def test_aio_events_credits_charged_and_the_unit_on_the_loop(emulator, make_aio_client):
    secret = emulator.create_account("creator", 100)
    client = make_aio_client(secret)
    seen: List[Any] = []

    async def on_balance(update: Any) -> None:
        seen.append(update)

    session = await client.start_session(on_balance=on_balance)
    session.record("kb_query", 3)
    session.record("llm_gpt35")
    assert await client.flush(10.0)
    assert await eventually(lambda: any(u.session_credits == 5 for u in seen), 5)
    assert {u.unit for u in seen} == {"credits"}
    st = session.stats()
    assert st.events_credits_charged == 5.0
    assert st.events_credits_charged == emulator.ledger_session(session.id)["event_credits_charged"]
    assert client.usage().events_credits_charged == 5.0
