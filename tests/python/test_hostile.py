"""Careless arguments the C++ checks refuse, seen from Python: a NUL byte inside base_url or
journal_dir (a Python str may hold one; a C string would cut it short), an unusable explicit
journal_dir, and min_heartbeat_interval (the floor of a server's heartbeat interval)."""

from __future__ import annotations

import pytest

import creditmeter


def test_nul_in_base_url_is_refused():
    with pytest.raises(creditmeter.InvalidArgument, match="NUL"):
        creditmeter.Client(base_url="http://127.0.0.1:9\0.evil.example", api_secret="sk_test_nul_0123", journal_dir="")


def test_nul_in_journal_dir_is_refused(tmp_path):
    with pytest.raises(creditmeter.InvalidArgument, match="NUL"):
        creditmeter.Client(base_url="http://127.0.0.1:9", api_secret="sk_test_nul_0123", journal_dir=f"{tmp_path}/a\0b")


def test_unusable_journal_dir_is_refused(tmp_path):
    plain = tmp_path / "a-file"
    plain.write_text("")
    with pytest.raises(creditmeter.InvalidArgument, match="journal_dir"):
        creditmeter.Client(base_url="http://127.0.0.1:9", api_secret="sk_test_nul_0123", journal_dir=plain / "j")


def test_min_heartbeat_interval_is_checked():
    creditmeter.Client(base_url="http://127.0.0.1:9", api_secret="sk_test_nul_0123", journal_dir="",
                       min_heartbeat_interval=0.1).close()
    with pytest.raises(creditmeter.InvalidArgument, match="min_heartbeat_interval"):
        creditmeter.Client(base_url="http://127.0.0.1:9", api_secret="sk_test_nul_0123", journal_dir="",
                           min_heartbeat_interval=0)


def test_retry_after_is_on_the_error(emulator, make_client):
    secret = emulator.create_account("free", 50)
    emulator.fault(mode="status", status=429, retry_after=9)
    client = make_client(secret)
    with pytest.raises(creditmeter.NetworkError) as info:
        client.start_session()
    assert info.value.http_status == 429
    assert info.value.retry_after == 9.0
    emulator.clear_faults()
    with pytest.raises(creditmeter.AuthenticationError) as refused:
        make_client("sk_test_wrong_secret_hostile").start_session()
    assert refused.value.retry_after == 0.0
