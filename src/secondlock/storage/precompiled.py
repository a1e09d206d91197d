"""Statements on a hot path, compiled once per dialect and run without the ORM.

``Session.execute(statement)`` builds a cache key for the statement on every call, which on
the second sign-in step cost more than running the SQL itself. A ``Precompiled`` statement is
compiled once per dialect; each call only converts its parameters (with the column types' own
bind processors, so a UTC datetime is stored exactly as the ORM stores it) and hands the SQL to
the driver through the caller's connection, inside the caller's transaction: a Session's
``connection()`` or a ``storage.lean`` transaction (``Transaction`` is either). Rows come back
as the driver gives them: ``as_utc`` reads a datetime column on SQLite (text) and PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, overload

from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import Compiled
from sqlalchemy.sql.expression import Executable


class Rows(Protocol):
    """What callers read from a statement's result (SQLAlchemy's or ``storage.lean``'s)."""

    @property
    def rowcount(self) -> int: ...

    def all(self) -> Sequence[Any]: ...

    def scalar(self) -> Any: ...

    def scalar_one_or_none(self) -> Any: ...


class DriverSql(Protocol):
    """A connection that runs SQL text on its driver: SQLAlchemy's ``Connection`` or a
    ``storage.lean.LeanTransaction``."""

    @property
    def dialect(self) -> Dialect: ...

    def exec_driver_sql(self, statement: str, parameters: Any) -> Rows: ...


class Transaction(Protocol):
    """A Session or a ``storage.lean.LeanTransaction``: precompiled statements run on its
    ``connection()``; ``info`` keeps its signals (``storage.signals``)."""

    @property
    def info(self) -> dict[Any, Any]: ...

    def connection(self) -> DriverSql: ...

    def commit(self) -> None: ...


class _Form:
    """One statement compiled for one dialect."""

    def __init__(self, statement: Executable, dialect: Dialect) -> None:
        compiled: Any = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        self.compiled: Compiled = compiled
        self.sql = str(compiled)
        self.positional = bool(getattr(compiled, "positional", False))
        self.order: list[str] = list(getattr(compiled, "positiontup", None) or [])
        self.processors: dict[str, Callable[[Any], Any]] = dict(
            getattr(compiled, "_bind_processors", {}))
        self._binds = _plain_binds(compiled)

    def parameters(self, values: dict[str, Any]) -> Any:
        params: Any = self._plain(values) if self._binds is not None else None
        if params is None:  # SQLAlchemy's own way (it also says which value is missing)
            params = self.compiled.construct_params(values)
        for name, process in self.processors.items():
            if name in params:
                params[name] = process(params[name])
        if self.positional:
            return tuple(params[name] for name in self.order)
        return params

    def _plain(self, values: dict[str, Any]) -> dict[str, Any] | None:
        """``construct_params`` for plain bound parameters, without its general machinery;
        None when a required value is missing."""
        assert self._binds is not None
        params: dict[str, Any] = {}
        for name, key, default, required in self._binds:
            if key in values:
                params[name] = values[key]
            elif name in values:
                params[name] = values[name]
            elif required:
                return None
            else:
                params[name] = default
        return params


def _plain_binds(compiled: Any) -> list[tuple[str, str, Any, bool]] | None:
    """(name, key, value, required) of each bound parameter, or None when the statement
    needs ``construct_params``'s general case (escaped names, expanding or computed
    values)."""
    if getattr(compiled, "escaped_bind_names", None) or getattr(
            compiled, "_render_postcompile", False):
        return None
    binds = []
    for bind, name in compiled.bind_names.items():
        if bind.callable is not None or bind.expanding:
            return None
        binds.append((name, bind.key, bind.value, bool(bind.required)))
    return binds


class Precompiled:
    """A Core statement compiled once per dialect, run on a connection's driver cursor."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._forms: dict[str, _Form] = {}
        self._lock = threading.Lock()

    def _form(self, dialect: Dialect) -> _Form:
        form = self._forms.get(dialect.name)
        if form is None:
            with self._lock:
                form = self._forms.setdefault(dialect.name, _Form(self.statement, dialect))
        return form

    def execute(self, connection: DriverSql, **values: Any) -> Rows:
        """Run with ``values`` for the bound parameters, in the connection's transaction."""
        form = self._form(connection.dialect)
        return connection.exec_driver_sql(form.sql, form.parameters(values))


@overload
def as_utc(value: datetime | str) -> datetime: ...


@overload
def as_utc(value: None) -> None: ...


def as_utc(value: datetime | str | None) -> datetime | None:
    """A datetime column as the driver returned it, as an aware UTC datetime."""
    if isinstance(value, str):
        try:  # SQLite: naive UTC text, as UTCDateTime writes it. One parse: parsing and
            # then replacing tzinfo cost five times as much, and GET /me reads five (#17).
            return datetime.fromisoformat(value + "+00:00")
        except ValueError:  # text with an offset of its own
            value = datetime.fromisoformat(value)
    if value is None or value.tzinfo is UTC:
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
