"""Usage events: session.record(), on_event_rejected, the events counters and the unit."""

from __future__ import annotations

import asyncio
import math
import threading
import uuid
from typing import Any, Dict, List

import pytest

import creditmeter
import creditmeter.aio
from aio_helpers import eventually
from helpers import wait_until


def ledger_events(emulator: Any, session_id: str) -> Dict[str, Any]:
    """event_id -> the ledger's row of that charged event."""
    rows = emulator.admin("GET", "/admin/ledger?session_id=" + session_id)["events"]
    ids = [r["event_id"] for r in rows]
    assert len(ids) == len(set(ids)), "an event charged twice"
    return {r["event_id"]: r for r in rows}


class Rejections:
    """An on_event_rejected callback that keeps each event and the thread it ran on."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: List[creditmeter.RejectedEvent] = []
        self.threads: List[int] = []

    def __call__(self, event: creditmeter.RejectedEvent) -> None:
        with self.lock:
            self.events.append(event)
            self.threads.append(threading.get_ident())

    def count(self) -> int:
        with self.lock:
            return len(self.events)


def test_each_event_is_charged_once_at_its_price(emulator, make_client):
    secret = emulator.create_account("creator", 1000)
    client = make_client(secret)
    s = client.start_session()
    # floor(quantity_milli * price_micro / 10^6) milli-credits per event.
    expected = {
        s.record("llm_gpt4"): 10.0,                 # 1 request at 10
        s.record("tts_seconds", 1.5): 0.124,        # 1500 ms-units at 83333 micro-credits: 124.9995 -> 124
        s.record("api_request", 0.333): 0.033,      # 333 at 100000: 33.3 -> 33
        s.record("kb_query", quantity=2): 2.0,      # 2 queries at 1
        s.record("llm_claude", 0.0004): 0.0,        # rounds to 0 milli-units: free, still charged once
    }
    assert len(expected) == 5
    for event_id in expected:
        assert str(uuid.UUID(event_id)) == event_id
    assert s.stats().events_recorded == 5
    s.stop()
    assert client.flush(10.0)

    charged = ledger_events(emulator, s.id)
    assert set(charged) == set(expected)
    for event_id, credits in expected.items():
        assert charged[event_id]["credits_charged"] == pytest.approx(credits, abs=1e-9)
    st = s.stats()
    assert (st.events_recorded, st.events_acknowledged, st.events_rejected, st.events_pending) == (5, 5, 0, 0)
    assert st.unit == "credits"
    row = emulator.ledger_session(s.id)
    assert row["event_credits_charged"] == pytest.approx(sum(expected.values()))
    assert st.credits_charged == pytest.approx(row["credits_charged"])  # time and events
    assert "events_acknowledged=5" in repr(st) and "unit='credits'" in repr(st)
    usage = client.usage()
    assert (usage.events_recorded, usage.events_acknowledged, usage.events_rejected) == (5, 5, 0)
    assert client.credit_summary().unit == "credits"


def test_a_rejected_action_is_reported_on_the_callback_and_settled_by_flush(emulator, make_client):
    secret = emulator.create_account("creator", 100)
    client = make_client(secret)
    first = Rejections()
    s = client.start_session(on_event_rejected=first)
    unknown = s.record("no_such_action", 2.5)
    known = s.record("llm_gpt35")
    # flush() counts the rejected event as settled: it returns True with the session live.
    assert client.flush(10.0)
    assert wait_until(lambda: first.count() == 1, 5)
    event = first.events[0]
    assert isinstance(event, creditmeter.RejectedEvent)
    assert event.event_id == unknown
    assert event.action == "no_such_action"
    assert event.quantity == 2.5
    assert event.code == "UNKNOWN_ACTION"
    assert "no_such_action" in event.message
    assert "UNKNOWN_ACTION" in repr(event)
    assert first.threads[0] != threading.get_ident()  # the client's callback thread
    st = s.stats()
    assert (st.events_recorded, st.events_acknowledged, st.events_rejected, st.events_pending) == (2, 1, 1, 0)
    assert set(ledger_events(emulator, s.id)) == {known}

    # Replaced by Session.on_event_rejected(); None removes it.
    second = Rejections()
    s.on_event_rejected(second)
    again = s.record("still_unknown")
    assert client.flush(10.0)
    assert wait_until(lambda: second.count() == 1, 5)
    assert second.events[0].event_id == again
    s.on_event_rejected(None)
    s.record("unknown_too")
    assert client.flush(10.0)
    assert s.stats().events_rejected == 3
    assert first.count() == 1 and second.count() == 1
    with pytest.raises(TypeError):
        s.on_event_rejected(42)
    with pytest.raises(TypeError):
        client.start_session(on_event_rejected="not callable")
    s.stop()
    assert client.flush(10.0)
    assert client.usage().events_rejected == 3


def test_bad_input_raises_and_records_nothing(emulator, make_client):
    secret = emulator.create_account("creator", 100)
    client = make_client(secret)
    s = client.start_session()
    for action, quantity in (("", 1.0), ("a" * 65, 1.0), ("llm_gpt4", math.nan), ("llm_gpt4", math.inf),
                             ("llm_gpt4", -1.0)):
        with pytest.raises(creditmeter.InvalidArgument) as raised:
            s.record(action, quantity)
        assert isinstance(raised.value, ValueError)
        assert "record()" in str(raised.value)
    with pytest.raises(TypeError):
        s.record(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        s.record("llm_gpt4", "lots")  # type: ignore[arg-type]
    assert s.stats().events_recorded == 0
    s.record("a" * 64)  # the longest allowed (no price: rejected by the server, not by record())
    assert s.stats().events_recorded == 1

    s.stop()
    with pytest.raises(creditmeter.InvalidArgument, match="stopped"):
        s.record("llm_gpt4")
    audio = client.start_session(audio_only=True)
    with pytest.raises(creditmeter.InvalidArgument, match="audio-only"):
        audio.record("llm_gpt4")
    audio.stop()
    assert client.flush(10.0)
    assert s.stats().events_recorded == 1


def test_a_usd_account_says_usd(emulator, make_client):
    secret = "sk_test_py_usd_" + uuid.uuid4().hex
    emulator.admin("POST", "/admin/accounts", {"api_secret": secret, "balance": 20, "unit": "USD"})
    client = make_client(secret)
    assert client.credit_summary().unit == "USD"
    s = client.start_session()
    assert s.stats().unit == "USD"
    s.record("photo_avatar_generation")
    s.stop()
    assert client.flush(10.0)
    st = s.stats()
    assert st.unit == "USD"
    assert st.events_acknowledged == 1
    assert st.credits_charged == pytest.approx(emulator.ledger_session(s.id)["credits_charged"])


@pytest.mark.asyncio
async def test_aio_record_and_rejections_on_the_loop(emulator, make_aio_client):
    secret = emulator.create_account("creator", 100)
    client = make_aio_client(secret)
    loop_thread = threading.get_ident()
    seen: List[Any] = []

    async def on_rejected(event: creditmeter.RejectedEvent) -> None:
        await asyncio.sleep(0)
        seen.append(("async", event.event_id, event.code, threading.get_ident()))

    session = await client.start_session(on_event_rejected=on_rejected)
    charged = session.record("llm_gpt4", 1.0)
    first = session.record("not_priced")
    assert await client.flush(10.0)
    assert await eventually(lambda: len(seen) == 1, 5)
    assert seen[0] == ("async", first, "UNKNOWN_ACTION", loop_thread)

    session.on_event_rejected(lambda e: seen.append(("plain", e.event_id, e.code, threading.get_ident())))
    second = session.record("not_priced_either", quantity=3)
    assert await client.flush(10.0)
    assert await eventually(lambda: len(seen) == 2, 5)
    assert seen[1] == ("plain", second, "UNKNOWN_ACTION", loop_thread)
    with pytest.raises(TypeError):
        session.on_event_rejected(3)
    session.stop()
    with pytest.raises(creditmeter.InvalidArgument):
        session.record("llm_gpt4")
    assert await client.flush(10.0)
    st = session.stats()
    assert (st.events_recorded, st.events_acknowledged, st.events_rejected, st.events_pending) == (3, 1, 2, 0)
    assert set(ledger_events(emulator, session.id)) == {charged}
