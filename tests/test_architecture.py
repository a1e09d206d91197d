"""The layers hold: imports run web/cli -> services -> core, services -> storage -> core, and
web and cli reach storage only through the composition root. Functions stay short.

Both checks read the source (``ast``), so every import counts, also one inside a function,
and a failure names the file and line to fix.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "secondlock"
COMPOSITION_ROOT = "secondlock.composition"
MAX_FUNCTION_LINES = 80

#: Layer -> the layers of ours it must never import (a layer may always import itself).
FORBIDDEN: dict[str, set[str]] = {
    # Rules with no I/O: nothing of ours at all.
    "core": {"config", "translations", "notifications", "storage", "services", "web", "cli",
             "composition"},
    "storage": {"notifications", "services", "web", "cli", "composition"},
    # Mail and SMS gateways: plain delivery, no use cases and no database.
    "notifications": {"storage", "services", "web", "cli", "composition"},
    "services": {"web", "cli", "composition"},
    # Storage only through the composition root.
    "web": {"storage"},
    "cli": {"storage"},
}


@dataclass(frozen=True)
class Import:
    where: str  # path:line
    importer: str  # dotted module name
    imported: str  # dotted module name


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def source_files() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations/" not in path.relative_to(PACKAGE).as_posix():
            yield path


def imports_of(path: Path) -> Iterator[Import]:
    importer = module_name(path)
    package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
    yield from imports_in(path.read_text(), str(path.relative_to(SRC.parent)), importer, package)


def imports_in(source: str, filename: str, importer: str, package: str) -> Iterator[Import]:
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importing package
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            # "from secondlock import storage" imports a layer by its attribute name.
            targets = [f"{module}.{a.name}" for a in node.names] if module == "secondlock" \
                else [module]
        else:
            continue
        for target in targets:
            if target == "secondlock" or target.startswith("secondlock."):
                yield Import(f"{filename}:{node.lineno}", importer, target)


def test_layers_import_only_downwards() -> None:
    broken = [f"{i.where}: {i.importer} imports {i.imported}"
              for path in source_files() for i in imports_of(path)
              if layer(i.imported) in FORBIDDEN.get(layer(i.importer), set())]
    assert not broken, "imports against the layers:\n" + "\n".join(broken)


def test_only_web_and_cli_use_the_composition_root() -> None:
    broken = [f"{i.where}: {i.importer} imports {i.imported}"
              for path in source_files() for i in imports_of(path)
              if i.imported == COMPOSITION_ROOT and layer(i.importer) not in ("web", "cli")]
    assert not broken, "\n".join(broken)


def test_the_layer_check_sees_relative_and_nested_imports() -> None:
    """The walker itself: a relative import and one inside a function both count."""
    source = ("from ..storage import db\n"
              "def f() -> None:\n"
              "    import secondlock.web.app\n")
    found = {(i.imported, i.where) for i in imports_in(
        source, "probe.py", "secondlock.core.probe", "secondlock.core")}
    assert found == {("secondlock.storage", "probe.py:1"), ("secondlock.web.app", "probe.py:3")}


def long_functions(paths: Iterator[Path]) -> list[str]:
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    found.append(f"{path.relative_to(SRC.parent)}:{node.lineno}: "
                                 f"{node.name} has {lines} lines")
    return found


def test_no_function_is_longer_than_80_lines() -> None:
    found = long_functions(source_files())
    assert not found, f"split these (at most {MAX_FUNCTION_LINES} lines):\n" + "\n".join(found)
