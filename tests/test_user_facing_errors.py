"""Every error a shopper can see goes through translation.

Errors reach shoppers as problem documents and page messages: their ``title`` and the
``detail`` they are raised with. Both must be ``msg(...)`` markers (``core.i18n``), which the
catalogs translate; a bare English sentence would show in English to every language.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import pkgutil
from pathlib import Path

import secondlock
from secondlock.core.errors import SecondLockError
from secondlock.core.i18n import Msg

PACKAGE = Path(secondlock.__file__).parent
#: Errors that never reach a shopper's screen: settings (the operator's console), decryption
#: and gateway failures (logged, then reported with a translated error), OAuth protocol
#: errors (English by RFC 6749, for the shop's developer), and bare HTTP statuses (the page
#: shows its own translated text for the status), and SQLAlchemy's connection errors (the pool
#: handles them; a request that still fails answers the translated database_unavailable).
NOT_FOR_SHOPPERS = {"SettingsError", "DecryptionError", "DeliveryError", "InvalidRequestError",
                    "HTTPException", "DisconnectionError", "OperationalError"}
BUILTIN_ERRORS = {name for name, value in vars(builtins).items()
                  if isinstance(value, type) and issubclass(value, BaseException)}


def is_sentence(node: ast.expr, sentences: set[str]) -> bool:
    """A literal English text (or a module constant holding one), not a marker or a code."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return " " in node.value.strip()
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return is_sentence(node.left, sentences) or is_sentence(node.right, sentences)
    return isinstance(node, ast.Name) and node.id in sentences


def untranslated_raises(source: str, filename: str) -> list[str]:
    tree = ast.parse(source, filename)
    sentences = {target.id for statement in tree.body if isinstance(statement, ast.Assign)
                 and is_sentence(statement.value, set())
                 for target in statement.targets if isinstance(target, ast.Name)}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Raise) or not isinstance(node.exc, ast.Call):
            continue
        callee = node.exc.func
        name = callee.id if isinstance(callee, ast.Name) else \
            callee.attr if isinstance(callee, ast.Attribute) else ""
        if name in BUILTIN_ERRORS or name in NOT_FOR_SHOPPERS:
            continue
        arguments = [*node.exc.args, *(keyword.value for keyword in node.exc.keywords)]
        if any(is_sentence(argument, sentences) for argument in arguments):
            found.append(f"{filename}:{node.lineno}: {name}")
    return found


def test_errors_are_raised_with_translatable_text() -> None:
    found = [where for path in sorted(PACKAGE.rglob("*.py"))
             if not path.relative_to(PACKAGE).as_posix().startswith(("storage/migrations/",
                                                                     "cli/"))
             for where in untranslated_raises(path.read_text(),
                                              str(path.relative_to(PACKAGE.parent)))]
    assert not found, ("raise these with msg(...) from secondlock.core.i18n:\n"
                       + "\n".join(found))


def all_error_classes() -> set[type[SecondLockError]]:
    for module in pkgutil.walk_packages(secondlock.__path__, "secondlock."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
    found: set[type[SecondLockError]] = set()
    pending = [SecondLockError]
    while pending:
        cls = pending.pop()
        found.add(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_error_title_is_translatable() -> None:
    untranslated = sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in all_error_classes()
                          if not isinstance(cls.title, Msg))
    assert not untranslated


def test_the_check_catches_a_bare_sentence() -> None:
    source = ('TEXT = "Try again later."\n'
              'def f(error: type) -> None:\n'
              '    raise error("That did not work.")\n'
              'def g() -> None:\n'
              '    raise NotFoundError(TEXT)\n'
              'def h() -> None:\n'
              '    raise WeakPasswordError("too_short", msg("Choose a longer one."))\n')
    assert untranslated_raises(source, "probe.py") == ["probe.py:3: error",
                                                       "probe.py:5: NotFoundError"]
