"""Helpers shared by the Python tests (importable: pytest puts this folder on sys.path)."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, List


def wait_until(predicate: Callable[[], Any], timeout: float, poll: float = 0.01) -> bool:
    """Polls `predicate` until it is truthy (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return bool(predicate())
        time.sleep(poll)  # wait_until polls its condition under a deadline


class Recorder:
    """An on_state_change callback that records every change and the thread it ran on."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.changes: List[Any] = []
        self.threads: List[int] = []

    def __call__(self, change: Any) -> None:
        with self.lock:
            self.changes.append(change)
            self.threads.append(threading.get_ident())

    def states(self) -> List[str]:
        with self.lock:
            return [c.to_state for c in self.changes]

    def saw(self, to_state: str, reason: str = "") -> bool:
        with self.lock:
            return any(c.to_state == to_state and (not reason or c.reason == reason) for c in self.changes)


class Renderer:
    """A simulated renderer thread: frame() at ~100 fps while may_render() says yes."""

    def __init__(self, session: Any, frame_time: float = 0.01) -> None:
        self.session = session
        self.frame_time = frame_time
        self.frames = 0
        self.gated = 0
        self.error: BaseException | None = None
        self._quit = threading.Event()
        self.thread = threading.Thread(target=self._run, name="renderer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while not self._quit.wait(self.frame_time):
                if self.session.may_render():
                    self.session.frame()
                    self.frames += 1
                else:
                    self.gated += 1
        except BaseException as e:  # noqa: BLE001 - reported by stop()
            self.error = e

    def stop(self) -> None:
        self._quit.set()
        self.thread.join(5)
        assert not self.thread.is_alive(), "renderer thread did not stop"
        if self.error is not None:
            raise self.error


def stop_and_check_billing(emulator: Any, client: Any, session: Any) -> Any:
    """stop() + flush(), then the billing invariant (docs/ARCHITECTURE.md): the ledger's active_ms equals the
    client's active_ms and reported_ms exactly. Returns the session's final stats."""
    session.stop()
    assert client.flush(5.0)
    stats = session.stats()
    row = emulator.ledger_session(session.id)
    assert row is not None and row["released"] is True
    assert row["active_ms"] == stats.active_ms == stats.reported_ms
    return stats
