"""argon2id in one memory block kept by the thread that hashes (#17).

argon2 takes its working memory (19 MiB for a password) with ``malloc`` and frees it after
every hash. glibc keeps a freed block that size in the arena of the thread that hashed. A
worker runs more threads than glibc has arenas (8 per core), so request threads share that
arena; their small allocations land in the freed space, and the next hash needs a second
block: under a guessing flood a worker grew by ~20 MiB that it never gave back.

``BlockPasswordHasher`` is argon2-cffi's ``PasswordHasher`` except that each thread hashing
with it hands argon2 a block of its own, mapped once outside malloc, through the allocation
callbacks of argon2's context (argon2-cffi's ``low_level`` binding, ``argon2_ctx``). argon2
still wipes the block after every use. Hashes are the same PHC strings and a check compares in
constant time; a hash this block cannot serve (another type or version, more memory) is
checked by argon2-cffi itself. The tests compare the two both ways.

A thread's block serves every hasher on it, and grows to the largest cost asked for. Password
hashes and recovery codes run on one thread (``argon2_thread``), so one 19 MiB block serves
both (the codes' 4 MiB one was a second block).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import mmap
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

from argon2 import PasswordHasher, Type, extract_parameters
from argon2.exceptions import HashingError, InvalidHashError, VerifyMismatchError
from argon2.low_level import ARGON2_VERSION, error_to_str, ffi, lib  # type: ignore[attr-defined]

_KIB = 1024


class _Block:
    """One thread's argon2 memory: an anonymous mapping and the two callbacks that lend it."""

    def __init__(self, kib: int) -> None:
        self.size = kib * _KIB
        self._map = mmap.mmap(-1, self.size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        self._start = ffi.cast("uint8_t *", ffi.from_buffer(self._map))
        self._lent = False
        # error=: should a callback fail, argon2 is told that the memory could not be had
        # (a callback's default answer, 0, would be ARGON2_OK with no memory).
        self.allocate = ffi.callback("int(uint8_t **, size_t)", self._lend,
                                     error=lib.ARGON2_MEMORY_ALLOCATION_ERROR)
        self.free = ffi.callback("void(uint8_t *, size_t)", self._take_back)

    def _lend(self, memory: Any, size: int) -> int:
        if self._lent or size > self.size:
            return int(lib.ARGON2_MEMORY_ALLOCATION_ERROR)
        self._lent = True
        memory[0] = self._start
        return int(lib.ARGON2_OK)

    def _take_back(self, memory: Any, size: int) -> None:
        self._lent = False  # argon2 has wiped it (its default, FLAG_clear_internal_memory)


_BLOCKS = threading.local()
_THREAD: ThreadPoolExecutor | None = None
_THREAD_LOCK = threading.Lock()


def thread_block(kib: int) -> _Block:
    """This thread's block, at least ``kib`` KiB (a bigger one replaces a smaller one)."""
    block: _Block | None = getattr(_BLOCKS, "block", None)
    if block is None or block.size < kib * _KIB:
        block = _BLOCKS.block = _Block(kib)
    return block


def argon2_thread() -> ThreadPoolExecutor:
    """The process's argon2 thread, started on first use: password hashes and recovery codes
    queue there, one at a time, and share its block."""
    global _THREAD
    with _THREAD_LOCK:
        if _THREAD is None:
            _THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="argon2")
        return _THREAD


class BlockPasswordHasher(PasswordHasher):
    """argon2-cffi's ``PasswordHasher``, with argon2id's memory kept per thread (module doc)."""

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        if self.type is not Type.ID:
            return super().hash(password, salt=salt)
        salt = salt or os.urandom(self.salt_len)
        digest = self._raw(_bytes(password, self.encoding), salt, time_cost=self.time_cost,
                           memory_kib=self.memory_cost, parallelism=self.parallelism,
                           hash_len=self.hash_len)
        return (f"$argon2id$v={ARGON2_VERSION}$m={self.memory_cost},t={self.time_cost},"
                f"p={self.parallelism}${_b64(salt)}${_b64(digest)}")

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        """As argon2-cffi's: True, or ``VerifyMismatchError`` / ``VerificationError`` /
        ``InvalidHashError``."""
        encoded = hash.decode("ascii") if isinstance(hash, bytes) else hash
        parts = encoded.split("$")
        try:
            params = extract_parameters(encoded)
        except InvalidHashError:
            return super().verify(hash, password)  # raises, as argon2-cffi does
        if (params.type is not Type.ID or params.version != ARGON2_VERSION
                or params.memory_cost > self.memory_cost or len(parts) != 6):
            return super().verify(hash, password)
        try:
            salt, expected = _unb64(parts[4]), _unb64(parts[5])
        except (binascii.Error, ValueError):
            raise InvalidHashError from None
        try:
            digest = self._raw(_bytes(password, self.encoding), salt,
                               time_cost=params.time_cost, memory_kib=params.memory_cost,
                               parallelism=params.parallelism, hash_len=len(expected))
        except HashingError:  # parameters argon2 refuses (a salt too short, say)
            raise InvalidHashError from None
        if not hmac.compare_digest(digest, expected):
            raise VerifyMismatchError
        return True

    def _raw(self, secret: bytes, salt: bytes, *, time_cost: int, memory_kib: int,
             parallelism: int, hash_len: int) -> bytes:
        block = thread_block(memory_kib)
        out = ffi.new("uint8_t[]", hash_len)
        pwd = ffi.new("uint8_t[]", secret)
        csalt = ffi.new("uint8_t[]", salt)
        context = ffi.new("argon2_context *", {
            "out": out, "outlen": hash_len, "pwd": pwd, "pwdlen": len(secret),
            "salt": csalt, "saltlen": len(salt), "secret": ffi.NULL, "secretlen": 0,
            "ad": ffi.NULL, "adlen": 0, "t_cost": time_cost, "m_cost": memory_kib,
            "lanes": parallelism, "threads": parallelism, "version": ARGON2_VERSION,
            "allocate_cbk": block.allocate, "free_cbk": block.free,
            "flags": lib.ARGON2_DEFAULT_FLAGS})
        result = lib.argon2_ctx(context, Type.ID.value)
        if result != lib.ARGON2_OK:
            raise HashingError(error_to_str(result))
        return bytes(ffi.buffer(out, hash_len))


def _bytes(value: str | bytes, encoding: str) -> bytes:
    return value.encode(encoding) if isinstance(value, str) else value


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
