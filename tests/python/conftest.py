"""pytest fixtures for the creditmeter Python binding: a real creditmeter-emulator.

The emulator binary comes from env CREDITMETER_EMULATOR (ctest sets it). One emulator
serves the whole run (configured with a 1 s heartbeat and a 3 s grace); every test uses its
own account, so tests never see each other's sessions. Nothing sleeps to synchronise: use
wait_until(predicate, timeout).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Optional

import pytest

from helpers import wait_until

HEARTBEAT_INTERVAL_S = 1
OFFLINE_GRACE_S = 3


def _emulator_path() -> str:
    path = os.environ.get("CREDITMETER_EMULATOR") or shutil.which("creditmeter-emulator")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError(
            "no emulator: set CREDITMETER_EMULATOR to the creditmeter-emulator binary "
            "(ctest -L python does it)"
        )
    return path


class Emulator:
    """A creditmeter-emulator process on 127.0.0.1 and its admin API."""

    def __init__(self, workdir: Path) -> None:
        port_file = workdir / "port"
        self._log = open(workdir / "emulator.log", "wb")
        self.proc = subprocess.Popen(
            [_emulator_path(), "--host", "127.0.0.1", "--port", "0", "--port-file", str(port_file), "--quiet"],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        port_text = ""

        def listening() -> bool:
            nonlocal port_text
            if self.proc.poll() is not None:
                return True
            if port_file.exists():
                port_text = port_file.read_text().strip()
            return bool(port_text)

        if not wait_until(listening, 10.0) or self.proc.poll() is not None or not port_text:
            self.close()
            raise RuntimeError("creditmeter-emulator did not listen within 10 s (see emulator.log)")
        self.port = int(port_text)
        self.base_url = f"http://127.0.0.1:{self.port}"
        # Admin calls never go through a proxy.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()

    def admin(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with self._opener.open(req, timeout=5) as resp:
                text = resp.read().decode()
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"emulator admin {method} {path}: {e.code} {e.read().decode()!r}") from None
        answer = json.loads(text) if text else {}
        return answer.get("data", answer) if isinstance(answer, dict) else answer

    def create_account(self, plan: str = "free", balance: float = 50, max_concurrent: Optional[int] = None) -> str:
        secret = "sk_test_py_" + uuid.uuid4().hex
        body: Dict[str, Any] = {"api_secret": secret, "plan": plan, "balance": balance}
        if max_concurrent is not None:
            body["max_concurrent"] = max_concurrent
        self.admin("POST", "/admin/accounts", body)
        return secret

    def topup(self, secret: str, credits: float) -> None:
        self.admin("POST", "/admin/accounts/topup", {"api_secret": secret, "credits": credits})

    def revoke(self, secret: str) -> None:
        self.admin("POST", "/admin/accounts/revoke", {"api_secret": secret})

    def configure(self, **config: float) -> None:
        self.admin("POST", "/admin/config", config)

    def fault(self, **rule: Any) -> Any:
        return self.admin("POST", "/admin/faults", rule)

    def clear_faults(self) -> None:
        self.admin("DELETE", "/admin/faults")

    def ledger_session(self, session_id: str) -> Optional[Dict[str, Any]]:
        for row in self.admin("GET", "/admin/ledger").get("sessions", []):
            if row.get("session_id") == session_id:
                return row
        return None


@pytest.fixture(scope="session", autouse=True)
def _tested_package() -> None:
    """check_wheel.sh runs the suite against an installed wheel: make sure that is what imports."""
    expected = os.environ.get("CREDITMETER_EXPECT_PACKAGE_DIR")
    if expected:
        import creditmeter

        where = os.path.realpath(creditmeter.__file__)
        assert where.startswith(os.path.realpath(expected) + os.sep), where


@pytest.fixture(scope="session", autouse=True)
def _hermetic_env(tmp_path_factory: pytest.TempPathFactory):
    """No proxy for loopback, and journals in a temporary state directory."""
    saved = {k: os.environ.get(k) for k in ("NO_PROXY", "no_proxy", "XDG_STATE_HOME")}
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("state"))
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def _emulator_process(tmp_path_factory: pytest.TempPathFactory):
    emu = Emulator(tmp_path_factory.mktemp("emulator"))
    try:
        emu.configure(heartbeat_interval_s=HEARTBEAT_INTERVAL_S, offline_grace_s=OFFLINE_GRACE_S)
        yield emu
    finally:
        emu.close()


@pytest.fixture
def emulator(_emulator_process: Emulator):
    """The shared emulator; faults a test set are cleared after it."""
    yield _emulator_process
    _emulator_process.clear_faults()


@pytest.fixture
def make_client(emulator: Emulator):
    """make_client(secret, **options) -> creditmeter.Client, closed after the test."""
    import creditmeter

    clients = []

    def make(secret: str, **options: Any) -> "creditmeter.Client":
        options.setdefault("base_url", emulator.base_url)
        options.setdefault("journal_dir", "")
        options.setdefault("connect_timeout", 2.0)
        c = creditmeter.Client(api_secret=secret, **options)
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def free_port() -> int:
    """A loopback port nobody listens on."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def script_dir() -> Path:
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


@pytest.fixture
def make_aio_client(emulator: Emulator):
    """make_aio_client(secret, **options) -> creditmeter.aio.Client, closed after the test."""
    import creditmeter.aio

    clients = []

    def make(secret: str, **options: Any) -> "creditmeter.aio.Client":
        options.setdefault("base_url", emulator.base_url)
        options.setdefault("journal_dir", "")
        options.setdefault("connect_timeout", 2.0)
        c = creditmeter.aio.Client(api_secret=secret, **options)
        clients.append(c)
        return c

    yield make
    for c in clients:
        c._native.close()  # the loop of the test has ended: the synchronous close
