from __future__ import annotations

import re
import threading

import pytest
from argon2 import PasswordHasher

from secondlock.core import recovery_codes as rc


def test_ten_distinct_typeable_codes_of_at_least_64_bits() -> None:
    codes = rc.generate()
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert rc.ENTROPY_BITS >= 64
    for code in codes:
        assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", code)
        assert not set(code) & set("01ilo")  # no look-alikes


def test_normalise_accepts_case_dashes_and_spaces() -> None:
    assert rc.normalise("ABCD-EFGH-JKMN-PQRS") == "abcdefghjkmnpqrs"
    assert rc.normalise(" abcd efgh jkmn pqrs ") == "abcdefghjkmnpqrs"
    assert rc.normalise("abcd-efgh-jkmn-pqr") is None
    assert rc.normalise("abcd-efgh-jkmn-pqr0") is None
    assert rc.normalise(None) is None


def test_hash_is_salted_and_matches_only_its_code() -> None:
    code = rc.generate(1)[0]
    first, second = rc.hash_code(code), rc.hash_code(code)
    assert first != second
    assert first.startswith("$argon2id$")
    compact = rc.normalise(code)
    assert compact is not None
    assert rc.matches(first, compact)
    assert rc.matches(second, compact)
    other = rc.normalise(rc.generate(1)[0])
    assert other is not None
    assert not rc.matches(first, other)
    assert not rc.matches("garbage", compact)



class _RecordingHasher:
    """The real hasher, noting the thread each call runs on."""

    def __init__(self, real: PasswordHasher) -> None:
        self.real = real
        self.threads: set[str] = set()

    def hash(self, compact: str) -> str:
        self.threads.add(threading.current_thread().name)
        return self.real.hash(compact)

    def verify(self, stored_hash: str, compact: str) -> bool:
        self.threads.add(threading.current_thread().name)
        return self.real.verify(stored_hash, compact)


def test_hashing_and_checking_run_on_one_thread_whichever_thread_asks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2's memory is a block kept by the thread it runs on: one thread, the process's
    argon2 thread, one block (#17), not one for every request thread that ever touched a
    recovery code."""
    recorder = _RecordingHasher(rc._HASHER)
    monkeypatch.setattr(rc, "_HASHER", recorder)
    code = rc.generate(1)[0]
    results: list[bool] = []

    def hash_and_check() -> None:
        results.append(rc.matches(rc.hash_code(code), rc.normalise(code) or ""))

    for _ in range(3):
        caller = threading.Thread(target=hash_and_check)
        caller.start()
        caller.join()
    assert results == [True, True, True]
    [thread] = recorder.threads
    assert thread.startswith("argon2")
