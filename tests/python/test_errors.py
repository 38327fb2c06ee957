"""Every error: authentication, insufficient credits, concurrency, network, bad arguments."""

from __future__ import annotations

import time

import pytest

import creditmeter


def test_exception_hierarchy():
    for cls in (
        creditmeter.AuthenticationError,
        creditmeter.InsufficientCredits,
        creditmeter.ConcurrencyLimitError,
        creditmeter.NetworkError,
        creditmeter.InvalidArgument,
    ):
        assert issubclass(cls, creditmeter.Error)
    assert issubclass(creditmeter.Error, Exception)
    assert issubclass(creditmeter.InvalidArgument, ValueError)
    assert not issubclass(creditmeter.NetworkError, ValueError)


def test_bad_secret_fails_fast_without_leaking_it(emulator, make_client):
    emulator.create_account("free", 50)
    client = make_client("sk_test_wrong_secret_py")
    t0 = time.monotonic()
    with pytest.raises(creditmeter.AuthenticationError) as info:
        client.start_session()
    assert time.monotonic() - t0 < 2
    e = info.value
    assert e.http_status == 401 and e.code == "INVALID_API_SECRET"
    assert "sk_test_wrong_secret_py" not in str(e) and "sk_test_wrong_secret_py" not in repr(e)
    assert str(e) == e.message


def test_revoked_key_is_an_authentication_error(emulator, make_client):
    secret = emulator.create_account("free", 50)
    emulator.revoke(secret)
    with pytest.raises(creditmeter.AuthenticationError) as info:
        make_client(secret).start_session()
    assert info.value.http_status in (401, 403)


def test_zero_balance_is_insufficient_credits(emulator, make_client):
    secret = emulator.create_account("free", 0)
    with pytest.raises(creditmeter.InsufficientCredits) as info:
        make_client(secret).start_session()
    assert info.value.http_status == 402 and info.value.code == "INSUFFICIENT_BALANCE"
    assert "top up" in str(info.value)


def test_concurrency_limit_names_the_limit(emulator, make_client):
    secret = emulator.create_account("free", 50, max_concurrent=1)
    client = make_client(secret)
    with client.start_session():
        with pytest.raises(creditmeter.ConcurrencyLimitError) as info:
            client.start_session()
        assert info.value.limit == 1 and info.value.http_status == 403
    # The slot frees within a round trip of stop().
    assert client.flush(5.0)
    with client.start_session() as s:
        assert s.state == "active"


def test_unreachable_server_is_a_network_error(free_port):
    client = creditmeter.Client(base_url=f"http://127.0.0.1:{free_port}", api_secret="sk_x", journal_dir="")
    with pytest.raises(creditmeter.NetworkError) as info:
        client.start_session()
    assert info.value.http_status == 0
    assert "sk_x" not in str(info.value)
    client.close()


def test_server_error_is_a_network_error(emulator, make_client):
    secret = emulator.create_account("free", 50)
    emulator.fault(mode="status", status=503, code="UNAVAILABLE")
    with pytest.raises(creditmeter.NetworkError):
        make_client(secret).start_session()


@pytest.mark.parametrize(
    "options",
    [
        {"base_url": "not a url"},
        {"base_url": "ftp://127.0.0.1:1"},
        {"base_url": "http://api.example.com"},  # plain http to a remote host
        {"log_level": "loud"},
    ],
)
def test_bad_client_options(options):
    options.setdefault("api_secret", "sk_x")
    with pytest.raises(creditmeter.InvalidArgument):
        creditmeter.Client(journal_dir="", **options)


def test_bad_session_arguments(emulator, make_client):
    secret = emulator.create_account("free", 50)
    client = make_client(secret)
    with pytest.raises(creditmeter.InvalidArgument):
        client.start_session(model="")
    with pytest.raises(creditmeter.InvalidArgument):
        client.start_session(session_id="spaces are not allowed")
    with pytest.raises(TypeError):
        client.start_session(on_state_change=42)
    with pytest.raises(TypeError):
        client.start_session(model=None)
    with client.start_session() as s:
        with pytest.raises(TypeError):
            s.on_state_change("not callable")
    with pytest.raises(TypeError):
        creditmeter.Client(base_url=emulator.base_url, api_secret=secret, log=5)
