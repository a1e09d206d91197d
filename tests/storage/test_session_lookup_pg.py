"""PostgreSQL's session lookup on its own asyncpg connections: the database URL carried over
as the pooled engines read it, bounded like the pool, 503 when the server cannot be reached."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from secondlock.core.errors import DatabaseUnavailableError
from secondlock.storage.postgres import CONNECT_TIMEOUT_S
from secondlock.storage.session_lookup_pg import AsyncSessionLookup, asyncpg_connect_args

BASE = "postgresql+psycopg://shop:p%40ss%3Aword@db.internal:5433/secondlock"


def args_for(query: str = "") -> dict[str, object]:
    return asyncpg_connect_args(make_url(BASE + query))


def test_a_plain_url_becomes_a_dsn_with_the_engines_connect_timeout() -> None:
    args = args_for()
    assert args == {"dsn": "postgresql://shop:p%40ss%3Aword@db.internal:5433/secondlock",
                    "timeout": float(CONNECT_TIMEOUT_S)}


def test_connect_timeout_and_tls_parameters_are_carried_over() -> None:
    args = args_for("?connect_timeout=7&sslmode=verify-full&sslrootcert=/etc/ca.pem")
    assert args["timeout"] == 7.0
    dsn = make_url(str(args["dsn"]))
    assert dict(dsn.query) == {"sslmode": "verify-full", "sslrootcert": "/etc/ca.pem"}
    assert dsn.password == "p@ss:word"


def test_application_name_and_options_are_sent_as_server_settings() -> None:
    args = args_for("?application_name=shop-2fa"
                    "&options=-c%20search_path%3Dauth%20-cstatement_timeout%3D5s"
                    "%20--lock-timeout%3D2s")
    assert args["server_settings"] == {"application_name": "shop-2fa", "search_path": "auth",
                                       "statement_timeout": "5s", "lock_timeout": "2s"}
    assert "?" not in str(args["dsn"])


def test_psycopgs_never_prepare_turns_the_statement_cache_off() -> None:
    assert args_for("?prepare_threshold=none")["statement_cache_size"] == 0
    assert "statement_cache_size" not in args_for("?prepare_threshold=5")


def test_socket_tuning_is_dropped_and_an_unknown_parameter_refused_at_start() -> None:
    assert args_for("?keepalives=1&keepalives_idle=30") == args_for()
    with pytest.raises(ValueError, match="gssencmode"):
        args_for("?gssencmode=require")
    with pytest.raises(ValueError, match="options"):
        args_for("?options=-X")


def test_concurrent_lookups_share_at_most_keep_connections(pg_url: str) -> None:
    engine = create_engine(pg_url)
    lookup = AsyncSessionLookup(engine, keep=2)

    async def many() -> list[object]:
        answers = await asyncio.gather(*(lookup(b"no such token hash %d" % i)
                                          for i in range(8)))
        kept = len(lookup._idle)
        await lookup.aclose()
        return [*answers, kept]

    try:
        *answers, kept = asyncio.run(many())
    finally:
        engine.dispose()
    assert answers == [None] * 8  # every lookup answered, two at a time
    assert kept == 2


def test_the_lookups_connections_take_the_urls_settings(pg_url: str) -> None:
    scoped = make_url(pg_url)  # the tests' own schema is set through options already
    options = f"{scoped.query.get('options', '')} -c statement_timeout=4321".strip()
    url = scoped.update_query_dict({"application_name": "lookup-under-test", "options": options})
    engine = create_engine(url)
    lookup = AsyncSessionLookup(engine, keep=1)

    async def settings() -> tuple[object, ...]:
        assert await lookup(b"no such token hash") is None
        connection = lookup._idle[0]
        found = await connection.fetchrow(
            "SELECT current_setting('application_name'), current_setting('statement_timeout')")
        await lookup.aclose()
        return tuple(found)

    try:
        assert asyncio.run(settings()) == ("lookup-under-test", "4321ms")
    finally:
        engine.dispose()


def test_an_unreachable_server_is_database_unavailable_not_a_hang() -> None:
    # Port 1 on loopback: nothing listens, the connect is refused at once.
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    lookup = AsyncSessionLookup(engine, keep=1)
    try:
        with pytest.raises(DatabaseUnavailableError):
            asyncio.run(lookup(b"any token hash"))
    finally:
        engine.dispose()


def test_a_cancelled_lookup_closes_its_connection_instead_of_keeping_it(pg_url: str) -> None:
    engine = create_engine(pg_url)
    lookup = AsyncSessionLookup(engine, keep=1)

    async def cancel_one() -> int:
        assert await lookup(b"warm up") is None  # one connection kept
        pid = lookup._idle[0].get_server_pid()
        with engine.connect() as conn:  # hold the sessions table so the next lookup waits
            conn.execute(text("BEGIN"))
            conn.execute(text("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE"))
            waiting = asyncio.ensure_future(lookup(b"never answered"))
            await asyncio.sleep(0.3)
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            conn.execute(text("ROLLBACK"))
        assert lookup._idle == []  # not put back with an answer still on its way
        assert await lookup(b"after") is None  # a new connection answers
        new_pid = lookup._idle[0].get_server_pid()
        await lookup.aclose()
        return pid if new_pid != pid else -1

    try:
        assert asyncio.run(cancel_one()) > 0
    finally:
        engine.dispose()
