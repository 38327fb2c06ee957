"""A renderer thread calling frame() while the main thread pauses and resumes."""

from __future__ import annotations

import threading

import creditmeter
from helpers import Recorder, Renderer, stop_and_check_billing, wait_until


def test_renderer_thread_with_pause_and_resume(emulator, make_client):
    secret = emulator.create_account("free", 50)
    client = make_client(secret)
    rec = Recorder()
    s = client.start_session(on_state_change=rec)
    renderer = Renderer(s, frame_time=0.005)
    try:
        for i in range(5):
            frames = renderer.frames
            assert wait_until(lambda: renderer.frames > frames + 5, 5)
            s.pause()
            assert not s.may_render()
            gated = renderer.gated
            frames = renderer.frames
            assert wait_until(lambda: renderer.gated > gated + 3, 5)
            # Paused: the renderer is gated (at most one frame raced the pause).
            assert renderer.frames <= frames + 1
            s.resume()
            assert s.may_render()
        active_before = s.stats().active_ms
        assert wait_until(lambda: s.stats().active_ms > active_before + 100, 5)
    finally:
        renderer.stop()
    stop_and_check_billing(emulator, client, s)
    assert wait_until(lambda: rec.saw("stopped"), 5)
    assert rec.states().count("paused_by_user") == 5


def test_many_sessions_many_threads(emulator, make_client):
    secret = emulator.create_account("pro", 1000)
    client = make_client(secret)
    sessions = [client.start_session() for _ in range(4)]
    renderers = [Renderer(s) for s in sessions]
    try:
        assert wait_until(lambda: all(s.stats().heartbeats_ok >= 1 for s in sessions), 10)
    finally:
        for r in renderers:
            r.stop()
    errors = []

    def stop(s):
        try:
            s.stop()
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=stop, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert client.flush(5.0)
    for s in sessions:
        assert s.state == "stopped"
        assert emulator.ledger_session(s.id)["active_ms"] == s.stats().reported_ms


def test_frame_and_may_render_are_cheap():
    c = creditmeter.Client(base_url="http://127.0.0.1:9", api_secret="sk_x", journal_dir="")
    s = c.start_session(audio_only=True)
    import timeit

    per_call = min(timeit.repeat(s.frame, number=100_000, repeat=3)) / 100_000
    assert per_call < 5e-6, per_call
    per_call = min(timeit.repeat(s.may_render, number=100_000, repeat=3)) / 100_000
    assert per_call < 5e-6, per_call
    c.close()
