"""Password policy (NIST SP 800-63B, checklist PW-1..PW-4) and argon2id hashing."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Container
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from secondlock.core.argon2_block import BlockPasswordHasher, argon2_thread
from secondlock.core.errors import WeakPasswordError
from secondlock.core.i18n import msg

T = TypeVar("T")

#: Longest password we accept (PW-2: at least 64 allowed, a documented cap <= 128).
MAX_PASSWORD_LENGTH = 128


def normalise_password(password: str) -> str:
    """NFKC form, so that an "é" typed as one or two code points is the same password (PW-3)."""
    return unicodedata.normalize("NFKC", password)


@dataclass(frozen=True)
class PasswordPolicy:
    """What a new password must satisfy. No composition rules (PW-3)."""

    min_length: int = 8
    #: Minimum when the account has no second factor (PW-1 suggests 15).
    min_length_single_factor: int = 15
    service_name: str = "SecondLock"

    def check(
        self,
        password: str,
        *,
        email: str,
        blocklist: Container[str],
        has_second_factor: bool = False,
    ) -> str:
        """Return the normalised password, or raise WeakPasswordError with a reason.

        Raises:
            WeakPasswordError: ``too_short``, ``too_long``, ``blocklisted`` or ``contextual``.
        """
        if not isinstance(password, str):
            raise WeakPasswordError("invalid", msg("The password must be text."))
        if "\x00" in password or not _encodable(password):
            raise WeakPasswordError("invalid",
                                    msg("The password contains a character we cannot use."))
        normal = normalise_password(password)
        minimum = self.min_length if has_second_factor else max(
            self.min_length, self.min_length_single_factor
        )
        length = len(normal)  # code points, not bytes (PW-1)
        if length < minimum:
            raise WeakPasswordError(
                "too_short",
                msg("Use at least %(minimum)d characters. A few unrelated words make a long "
                    "password that is easy to remember.", minimum=minimum),
            )
        if length > MAX_PASSWORD_LENGTH:
            raise WeakPasswordError(
                "too_long", msg("Use at most %(maximum)d characters.",
                                maximum=MAX_PASSWORD_LENGTH)
            )
        if normal in blocklist:
            raise WeakPasswordError(
                "blocklisted",
                msg("This password is one of the most common or leaked passwords, so attackers "
                    "try it first. Choose something less predictable."),
            )
        if _is_contextual(normal, email=email, service_name=self.service_name):
            raise WeakPasswordError(
                "contextual",
                msg("The password is too close to your email address or the name of this "
                    "service. Choose something unrelated."),
            )
        return normal


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _strip_decoration(value: str) -> str:
    """Lower-case with digits and symbols at both ends removed: ``Ada2025!`` -> ``ada``."""
    return value.casefold().strip("0123456789!@#$%^&*()_+-=.,;:?~ '\"")


def _is_contextual(password: str, *, email: str, service_name: str) -> bool:
    core = _strip_decoration(password)
    compact = core.replace(" ", "")
    local = email.rsplit("@", 1)[0].casefold()
    words = {local, _strip_decoration(local), email.casefold(), service_name.casefold(),
             service_name.casefold().replace(" ", "")}
    words.discard("")
    return core in words or compact in words or password.casefold() in words


@dataclass(frozen=True)
class HashParameters:
    """argon2id cost; OWASP's floor is m=19 MiB, t=2, p=1."""

    time_cost: int = 2
    memory_kib: int = 19 * 1024
    parallelism: int = 1


class PasswordHasher:
    """argon2id hashing with a dummy verify for unknown accounts (PW-8).

    Every hash runs on a small dedicated pool (``max_parallel`` threads, default 1: the
    process's argon2 thread, shared with recovery codes): many sign-ins at once queue there,
    and each of those threads keeps one 19 MiB block for argon2 (``core.argon2_block``),
    which caps a worker's memory; more worker processes use more cores.
    """

    def __init__(self, params: HashParameters | None = None, *, max_parallel: int = 1) -> None:
        p = params or HashParameters()
        self._hasher = BlockPasswordHasher(
            time_cost=p.time_cost, memory_cost=p.memory_kib, parallelism=p.parallelism,
            type=Type.ID,
        )
        self._pool = argon2_thread() if max_parallel == 1 \
            else ThreadPoolExecutor(max_workers=max_parallel, thread_name_prefix="argon2")
        self._dummy = self._on_pool(
            lambda: self._hasher.hash("secondlock dummy password for timing"))

    def _on_pool(self, work: Callable[[], T]) -> T:
        return self._pool.submit(work).result()

    def hash(self, password: str) -> str:
        normal = normalise_password(password)
        return self._on_pool(lambda: self._hasher.hash(normal))

    def verify(self, stored_hash: str, password: str) -> bool:
        """True when the password matches; never raises for a mismatch or a bad hash."""
        if not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH * 4:
            return False
        normal = normalise_password(password)

        def check() -> bool:
            try:
                return self._hasher.verify(stored_hash, normal)
            except (VerifyMismatchError, VerificationError, InvalidHashError,
                    UnicodeEncodeError):
                return False

        return self._on_pool(check)

    def dummy_verify(self, password: str) -> None:
        """Spend the same time as a real check, for an account that does not exist."""
        self.verify(self._dummy, password if isinstance(password, str) else "")

    def needs_rehash(self, stored_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True
