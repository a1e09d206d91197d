"""What a log line should say about the request it belongs to: its id and, once known, the
account. One dict per request in a context variable; worker threads see the same dict (the
context is copied, the dict shared), so an account found in a thread shows in later lines."""

from __future__ import annotations

from contextvars import ContextVar

_current: ContextVar[dict[str, str] | None] = ContextVar("secondlock_log_context", default=None)


def begin(request_id: str) -> dict[str, str]:
    context = {"request_id": request_id}
    _current.set(context)
    return context


def current() -> dict[str, str] | None:
    return _current.get()


def note_account(account_id: str) -> None:
    context = _current.get()
    if context is not None:
        context["account_id"] = account_id
