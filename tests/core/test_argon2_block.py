"""argon2id in a kept block: the same hashes and checks as argon2-cffi, one block per thread."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.low_level import ffi, lib  # type: ignore[attr-defined]

from secondlock.core.argon2_block import BlockPasswordHasher, _Block, argon2_thread, thread_block


def small() -> BlockPasswordHasher:
    """A cheap argon2id hasher (64 KiB, one pass)."""
    return BlockPasswordHasher(time_cost=1, memory_cost=64, parallelism=1, type=Type.ID)


def argon2_cffis() -> PasswordHasher:
    """argon2-cffi's own, with ``small``'s parameters."""
    return PasswordHasher(time_cost=1, memory_cost=64, parallelism=1, type=Type.ID)


#: From the test vectors of argon2's reference implementation (argon2id, version 0x13).
REFERENCE = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"


def test_reproduces_the_reference_implementations_vector() -> None:
    hasher = BlockPasswordHasher(time_cost=2, memory_cost=65536, parallelism=1, type=Type.ID)

    assert hasher.hash("password", salt=b"somesalt") == REFERENCE
    assert hasher.verify(REFERENCE, "password") is True


@pytest.mark.parametrize("password", ["correct horse", "pässwörd ✓", ""])
def test_hashes_exactly_as_argon2_cffi_for_the_same_salt(password: str) -> None:
    salt = bytes(range(16))

    ours = small().hash(password, salt=salt)

    assert ours == argon2_cffis().hash(password, salt=salt)


def test_each_checks_the_others_hashes() -> None:
    ours, theirs = small(), argon2_cffis()

    assert ours.verify(theirs.hash("secret one"), "secret one") is True
    assert theirs.verify(ours.hash("secret two"), "secret two") is True


def test_a_wrong_password_is_a_mismatch() -> None:
    hasher = small()

    with pytest.raises(VerifyMismatchError):
        hasher.verify(hasher.hash("right"), "wrong")
    with pytest.raises(VerifyMismatchError):
        hasher.verify(REFERENCE.replace("$CTF", "$DTF"), "password")


def test_every_hash_gets_a_new_salt() -> None:
    hasher = small()

    assert hasher.hash("same") != hasher.hash("same")


@pytest.mark.parametrize("stored", [
    "not a hash",
    "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ",  # no digest
    "$argon2id$v=19$m=64,t=1,p=1$c29tZX*hbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
    "$argon2id$v=19$m=64,t=1,p=1$c29t$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",  # salt < 8
])
def test_a_malformed_hash_is_refused_not_matched(stored: str) -> None:
    # VerificationError: argon2-cffi's own check of what the block could not parse.
    with pytest.raises((InvalidHashError, VerificationError)):
        small().verify(stored, "password")


def test_hashes_the_block_cannot_serve_are_checked_by_argon2_cffi() -> None:
    """More memory than the block, another type: argon2-cffi's own check, same answers."""
    hasher = small()
    bigger = PasswordHasher(time_cost=1, memory_cost=256, parallelism=2, type=Type.ID)
    other_type = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1, type=Type.I)

    for stored in (bigger.hash("pw"), other_type.hash("pw")):
        assert hasher.verify(stored, "pw") is True
        with pytest.raises(VerifyMismatchError):
            hasher.verify(stored, "not pw")


def test_a_thread_keeps_one_block_for_every_hasher_and_threads_do_not_share_one() -> None:
    def hash_both_and_look() -> _Block:
        small().hash("first")
        block = thread_block(64)
        BlockPasswordHasher(time_cost=1, memory_cost=32, parallelism=1,
                            type=Type.ID).hash("second")  # smaller: served by the same
        assert thread_block(32) is block
        return block

    with ThreadPoolExecutor(max_workers=1) as one, ThreadPoolExecutor(max_workers=1) as two:
        mine = one.submit(hash_both_and_look).result()
        theirs = two.submit(hash_both_and_look).result()
        again = one.submit(lambda: thread_block(64)).result()

    assert again is mine
    assert theirs is not mine


def test_a_bigger_cost_gets_a_bigger_block_that_then_serves_both() -> None:
    def grow() -> tuple[int, int, bool]:
        small().hash("x")
        before = thread_block(64).size
        bigger = BlockPasswordHasher(time_cost=1, memory_cost=256, parallelism=1, type=Type.ID)
        stored = bigger.hash("y")
        block = thread_block(64)
        return before, block.size, bigger.verify(stored, "y") and small().verify(
            small().hash("z"), "z") and thread_block(64) is block

    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(grow).result() == (64 * 1024, 256 * 1024, True)


def test_passwords_and_recovery_codes_share_the_argon2_thread() -> None:
    from secondlock.core import recovery_codes
    from secondlock.core.passwords import HashParameters, PasswordHasher

    hasher = PasswordHasher(HashParameters(time_cost=1, memory_kib=64))
    code = recovery_codes.generate(1)[0]
    stored = recovery_codes.hash_code(code)
    kept = argon2_thread().submit(lambda: thread_block(1).size).result()

    assert hasher._pool is argon2_thread()
    assert kept >= 4096 * 1024  # the code's cost was met in the argon2 thread's own block
    assert not [t for t in threading.enumerate() if t.name.startswith("recovery-codes")]
    compact = recovery_codes.normalise(code)
    assert compact is not None
    assert recovery_codes.matches(stored, compact)


def test_threads_hashing_at_once_each_get_right_answers() -> None:
    hasher = small()
    stored = {f"password {i}": hasher.hash(f"password {i}") for i in range(8)}
    start = threading.Barrier(8)

    def check(password: str) -> bool:
        start.wait()
        return all(hasher.verify(stored[password], password) for _ in range(5))

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(check, stored))


def test_a_block_is_lent_once_at_a_time_and_never_beyond_its_size() -> None:
    block = _Block(64)
    memory = ffi.new("uint8_t **")

    assert block._lend(memory, 64 * 1024 + 1) == lib.ARGON2_MEMORY_ALLOCATION_ERROR
    assert block._lend(memory, 64 * 1024) == lib.ARGON2_OK
    assert block._lend(memory, 1024) == lib.ARGON2_MEMORY_ALLOCATION_ERROR
    block._take_back(memory[0], 64 * 1024)
    assert block._lend(memory, 1024) == lib.ARGON2_OK
