"""The PostgreSQL session lookup's own connections: bounded like the pool, closed at the end."""

from __future__ import annotations

import asyncio

from sqlalchemy import create_engine

from secondlock.storage.session_lookup import AsyncSessionLookup


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
