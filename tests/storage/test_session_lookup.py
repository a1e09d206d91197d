"""The connection the session lookup keeps for the event loop (SQLite's inline lookups): used
by that thread alone, let go when it breaks, closed with the lookup. PostgreSQL's own
connections: tests/storage/test_session_lookup_pg.py."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, update
from sqlalchemy.pool import PoolProxiedConnection

from secondlock.core.tokens import hash_token
from secondlock.storage.orm import Account
from secondlock.storage.repositories import Sessions
from secondlock.storage.session_lookup import SessionLookup
from tests.conftest import MadeAccount


@pytest.fixture
def made(client: TestClient, account_factory: Callable[..., MadeAccount],
         app: FastAPI) -> tuple[SessionLookup, bytes, list[object]]:
    """The app's lookup, a live session's token hash, and the thread of every pool checkout
    from now on (the app's own background work checks out connections too)."""
    account = account_factory()
    lookup: SessionLookup = app.state.services.sessions.lookup
    checkouts: list[object] = []
    engine = app.state.services.rt.db.autocommit_engine
    event.listen(engine, "checkout", lambda *args: checkouts.append(threading.get_ident()))
    return lookup, hash_token(account.token), checkouts


def test_the_loop_lookup_keeps_one_connection_instead_of_a_checkout_each(
        made: tuple[SessionLookup, bytes, list[object]]) -> None:
    lookup, token_hash, checkouts = made
    views = [lookup.on_loop(token_hash) for _ in range(5)]
    assert all(view is not None and view.email.startswith("shopper") for view in views)
    assert checkouts.count(threading.get_ident()) == 1
    assert lookup.on_loop(b"no such token hash") is None


def test_another_thread_takes_pooled_connections(
        made: tuple[SessionLookup, bytes, list[object]]) -> None:
    lookup, token_hash, checkouts = made
    assert lookup.on_loop(token_hash) is not None  # this thread keeps one
    seen: list[object] = []
    worker = threading.Thread(target=lambda: seen.extend(
        lookup.on_loop(token_hash) for _ in range(3)))
    worker.start()
    worker.join()
    assert len(seen) == 3
    assert all(view is not None for view in seen)
    assert checkouts.count(worker.ident) == 3


def _kept_after_a_lookup(lookup: SessionLookup, token_hash: bytes) -> PoolProxiedConnection:
    assert lookup.on_loop(token_hash) is not None
    kept = lookup.kept
    assert kept is not None
    assert kept.dbapi_connection is not None
    return kept


def test_a_kept_connection_that_broke_is_let_go_and_the_lookup_still_answers(
        made: tuple[SessionLookup, bytes, list[object]]) -> None:
    lookup, token_hash, _ = made
    broken = _kept_after_a_lookup(lookup, token_hash)
    assert broken.dbapi_connection is not None
    broken.dbapi_connection.close()  # as a database gone away would leave it
    assert lookup.on_loop(token_hash) is not None
    assert lookup.on_loop(token_hash) is not None
    assert lookup.kept is not None
    assert lookup.kept is not broken


def test_closing_the_lookup_closes_the_kept_connection(
        made: tuple[SessionLookup, bytes, list[object]]) -> None:
    lookup, token_hash, _ = made
    kept = _kept_after_a_lookup(lookup, token_hash)
    lookup.close()
    assert lookup.kept is None
    assert kept.dbapi_connection is None  # closed, not left for the garbage collector


def test_a_kept_connection_invalidated_by_the_pool_is_let_go_too(
        made: tuple[SessionLookup, bytes, list[object]]) -> None:
    lookup, token_hash, _ = made
    invalidated = _kept_after_a_lookup(lookup, token_hash)
    invalidated.invalidate()  # its DBAPI connection is closed and gone
    assert invalidated.dbapi_connection is None
    assert lookup.on_loop(token_hash) is not None  # from the pool, the kept one let go
    assert lookup.on_loop(token_hash) is not None  # a new one kept
    assert lookup.kept is not None
    assert lookup.kept is not invalidated


@pytest.mark.parametrize(("verified", "change_password", "enrolling"),
                         list(itertools.product((False, True), repeat=3)))
def test_the_flags_column_reads_back_as_the_account_says(
        made: tuple[SessionLookup, bytes, list[object]], app: FastAPI,
        verified: bool, change_password: bool, enrolling: bool) -> None:
    """The account's flags share one column in the lookup; the view matches the ORM's."""
    lookup, token_hash, _ = made
    db = app.state.services.rt.db
    at = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    with db.write() as s:
        s.execute(update(Account).values(
            email_verified_at=at if verified else None,
            password_change_required=change_password,
            enrollment_started_at=at if enrolling else None))
        s.commit()
    with db.read() as s:
        plain = Sessions(s).view_by_token_hash(token_hash)
    assert plain is not None
    for view in (lookup(token_hash), lookup.on_loop(token_hash)):
        assert view is not None
        assert (view.email_verified, view.password_change_required,
                view.enrollment_started_at) == (verified, change_password,
                                                at if enrolling else None)
        assert view[:12] == tuple(plain)[:12]
        assert (view.mfa_enabled, view.methods, view.recovery_codes_remaining) == (False, (), 0)
