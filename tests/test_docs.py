"""The README and docs/ stay true: links resolve, names exist, examples still run.

What is checked, in README.md and every docs/*.md page:

- every relative link (``[text](path#anchor)``) points at a file that exists, and its
  ``#anchor`` at a heading of that page (GitHub's slugs); every docs page is linked from the
  README;
- every path in inline code that starts with ``src/secondlock/``, ``tests/``, ``examples/``,
  ``bench/``, ``scripts/``, ``docs/`` or a package folder (``core/``, ``services/``, ``storage/``,
  ``web/``, ``notifications/``) exists, and ``tests/file.py::test_name`` names a test that
  exists;
- docs/configuration.md lists every setting of ``src/secondlock/config.py`` with its default,
  and no ``SECONDLOCK_*`` name anywhere is unknown;
- every ``secondlock ...`` command in a code block exists, with the options it uses;
- fenced code blocks run. ``sh`` blocks run with bash in a scratch directory (``secondlock``
  on the PATH, no ``SECONDLOCK_*`` variables) and ``python`` blocks with ``exec``, both
  against a live server whose address replaces ``http://localhost:8000``; no answer may be
  a problem document. ``toml`` blocks may hold only known settings.

**The marker.** A block that must not run (placeholders, a real gateway, production secrets,
a server that runs forever) carries ``no-run`` after its language: ```` ```sh no-run ````
or ```` ```python no-run ````. Its ``secondlock`` commands are still checked.
"""

from __future__ import annotations

import importlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
import typer
import uvicorn
from sqlalchemy import create_engine

from secondlock.config import ENV_PREFIX, Settings
from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.migrate import upgrade
from secondlock.web.app import create_app
from tests.conftest import TEST_SECRET

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "secondlock"
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
DOC_ORIGIN = "http://localhost:8000"
NO_RUN = "no-run"

FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.M | re.S)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)
INLINE_CODE = re.compile(r"`([^`\n]+)`")
REPO_PATH = re.compile(r"^(src/secondlock|tests|examples|bench|scripts|docs)/[\w./-]*$")
PACKAGE_PATH = re.compile(r"^(core|services|storage|web|notifications)/[\w./-]*$")
TEST_REF = re.compile(r"^(tests/[\w/]+\.py)::(test_\w+)$")
SETTING = re.compile(r"\bSECONDLOCK_[A-Z0-9_]*[A-Z0-9]\b")
EXTRA_SETTINGS = {ENV_PREFIX + "CONFIG_FILE"}


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    language: str
    runs: bool
    code: str

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line} ({self.language})"


def blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        words = match.group(1).split()
        language = words[0] if words else ""
        line = text.count("\n", 0, match.start()) + 1
        found.append(Block(page, line, language, NO_RUN not in words[1:], match.group(2)))
    return found


def prose(page: Path) -> str:
    """The page without its fenced code blocks."""
    return FENCE.sub("", page.read_text(encoding="utf-8"))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"`|\*\*|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for heading in HEADING.findall(prose(page)):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def relative_links(page: Path) -> list[str]:
    without_code = INLINE_CODE.sub("", prose(page))
    return [t for t in LINK.findall(without_code)
            if not re.match(r"^[a-z][a-z0-9+.-]*:", t)]


def ids(items: list[Any]) -> list[str]:
    return [str(item) if isinstance(item, Block) else item.name for item in items]


# Links, pages, paths -------------------------------------------------------------------------

@pytest.mark.parametrize("page", PAGES, ids=ids(PAGES))
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    broken = []
    for target in relative_links(page):
        path_part, _, anchor = target.partition("#")
        file = (page.parent / path_part).resolve() if path_part else page
        if not file.exists():
            broken.append(f"{target}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{target}: no heading with that anchor in {file.name}")
        elif ROOT not in file.parents and file != ROOT:
            broken.append(f"{target}: outside the repository")
    assert broken == [], page.name


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = {(ROOT / t.partition("#")[0]).resolve() for t in relative_links(README)}
    missing = [p.name for p in DOCS.glob("*.md") if p.resolve() not in linked]
    assert missing == []


def test_the_readme_fits_on_two_screens() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 100


def path_exists(token: str) -> bool:
    if "..." in token:  # a placeholder such as src/secondlock/...
        return True
    if REPO_PATH.match(token):
        return (ROOT / token).exists()
    if PACKAGE_PATH.match(token):
        return (PACKAGE / token).exists()
    return True


@pytest.mark.parametrize("page", PAGES, ids=ids(PAGES))
def test_paths_and_tests_named_in_the_docs_exist(page: Path) -> None:
    missing = []
    for token in INLINE_CODE.findall(prose(page)):
        test_ref = TEST_REF.match(token)
        if test_ref:
            file = ROOT / test_ref.group(1)
            pattern = rf"^def {test_ref.group(2)}\("
            if not file.exists() or not re.search(pattern, file.read_text("utf-8"), re.M):
                missing.append(token)
        elif not path_exists(token):
            missing.append(token)
    assert missing == [], page.name


# Settings ------------------------------------------------------------------------------------

def known_settings() -> set[str]:
    return {ENV_PREFIX + name.upper() for name in Settings.model_fields} | EXTRA_SETTINGS


def configuration_rows() -> dict[str, str]:
    """Setting name -> its default cell, from the tables of docs/configuration.md."""
    rows = {}
    for line in (DOCS / "configuration.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 3:
            name = cells[0].strip("`")
            if SETTING.fullmatch(name):
                assert name not in rows, f"{name} is listed twice"
                rows[name] = cells[1]
    return rows


def test_configuration_lists_every_setting_and_no_other() -> None:
    documented = set(configuration_rows())
    assert sorted(known_settings() - documented) == [], "settings missing from the docs"
    assert sorted(documented - known_settings()) == [], "documented settings that do not exist"


def test_configuration_shows_the_real_defaults() -> None:
    rows = configuration_rows()
    wrong = []
    for name, field in Settings.model_fields.items():
        default = field.default
        if default is None or default in ("", ()):
            continue
        if isinstance(default, bool):  # written as in the environment
            shown = str(default).lower()
        elif isinstance(default, float) and default.is_integer():
            shown = str(int(default))
        elif isinstance(default, Path):
            shown = default.as_posix()
        else:
            shown = str(default)
        cell = rows.get(ENV_PREFIX + name.upper(), "").replace("`", "")
        if shown not in cell:
            wrong.append(f"{ENV_PREFIX}{name.upper()}: docs say {cell!r}, config.py {shown!r}")
    assert wrong == []


@pytest.mark.parametrize("page", PAGES, ids=ids(PAGES))
def test_no_unknown_setting_is_named(page: Path) -> None:
    named = set(SETTING.findall(page.read_text(encoding="utf-8")))
    unknown = {n for n in named - known_settings() if not n.startswith(ENV_PREFIX + "TEST_")}
    assert sorted(unknown) == [], page.name


TOML_BLOCKS = [b for p in PAGES for b in blocks(p) if b.language == "toml"]


@pytest.mark.parametrize("block", TOML_BLOCKS, ids=ids(TOML_BLOCKS))
def test_toml_examples_hold_only_known_settings(block: Block) -> None:
    data = tomllib.loads(block.code)
    section = data.get("secondlock", data)
    assert set(section) <= set(Settings.model_fields)


# CLI commands --------------------------------------------------------------------------------

def cli_root() -> Any:
    """The click command behind the ``secondlock`` console script."""
    (script,) = entry_points(group="console_scripts", name="secondlock")
    module = importlib.import_module(script.module)
    return typer.main.get_command(module.app)  # a click-style group (typer may vendor click)


def commands_in(block: Block) -> list[list[str]]:
    """The ``secondlock`` invocations of a block, as words (``[``/``]`` of syntax dropped)."""
    found = []
    code = block.code.replace("\\\n", " ")
    for line in code.splitlines():
        line = line.split(" #", 1)[0].strip()
        for segment in re.split(r"\s\|\s|&&|;", line):
            words = segment.replace("[", " ").replace("]", " ").split()
            for i, word in enumerate(words):
                if word == "secondlock" or word.endswith("/bin/secondlock"):
                    found.append(words[i + 1:])
                    break
            else:
                if found and words and found[-1] and words[0] not in ("secondlock",):
                    # "secondlock oidc list-clients | remove-client ID": a sibling command
                    parent = found[-1][:-1] if len(found[-1]) > 1 else []
                    if re.fullmatch(r"[a-z][a-z0-9-]*", words[0]) and parent:
                        found.append([*parent[:1], *words])
    return found


def check_command(root: Any, words: list[str]) -> str | None:
    command, path = root, ["secondlock"]
    options = list(words)
    while hasattr(command, "commands") and options and not options[0].startswith("-"):
        name = options.pop(0)
        sub = command.commands.get(name)
        if sub is None:
            return f"{' '.join(path)} has no command {name!r}"
        command, path = sub, [*path, name]
    known = {"--help"} | {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
    if command is root:
        known |= {o for p in root.params for o in p.opts}
    for word in options:
        option = word.split("=", 1)[0]
        if option.startswith("--") and option not in known:
            return f"{' '.join(path)} has no option {option}"
    return None


ALL_BLOCKS = [b for p in PAGES for b in blocks(p)]
SHELL_BLOCKS = [b for b in ALL_BLOCKS if b.language in ("sh", "bash", "shell")]


@pytest.mark.parametrize("block", SHELL_BLOCKS, ids=ids(SHELL_BLOCKS))
def test_secondlock_commands_in_the_docs_exist(block: Block) -> None:
    root = cli_root()
    problems = [p for words in commands_in(block) if (p := check_command(root, words))]
    assert problems == []


# Runnable blocks -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated SecondLock on 127.0.0.1, reached as http://localhost:PORT."""
    data_dir = tmp_path_factory.mktemp("docs-server")
    database_url = f"sqlite:///{data_dir / 'secondlock.db'}"
    engine = create_engine(database_url)
    upgrade(engine)
    engine.dispose()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://localhost:{sock.getsockname()[1]}"
    settings = Settings(env="development", origin=url, data_dir=data_dir,
                        secret_key=TEST_SECRET, database_url=database_url)
    app = create_app(settings, mailer=OutboxMailer(echo=False))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    yield url
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


RUN_SHELL = [b for b in SHELL_BLOCKS if b.runs]
RUN_PYTHON = [b for b in ALL_BLOCKS if b.language == "python" and b.runs]


@pytest.mark.slow
@pytest.mark.parametrize("block", RUN_SHELL, ids=ids(RUN_SHELL))
def test_shell_examples_run(block: Block, live_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    script = "set -euo pipefail\n" + block.code.replace(DOC_ORIGIN, live_url)
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=180, check=False)
    assert done.returncode == 0, f"{block}\n{done.stdout}\n{done.stderr}"
    assert "/problems/" not in done.stdout, f"{block} got an error answer:\n{done.stdout}"


@pytest.mark.slow
@pytest.mark.parametrize("block", RUN_PYTHON, ids=ids(RUN_PYTHON))
def test_python_examples_run(block: Block, live_url: str) -> None:
    code = compile(block.code.replace(DOC_ORIGIN, live_url), str(block), "exec")
    exec(code, {"__name__": "__docs__"})  # noqa: S102 - our own docs, that is the point


def test_the_marker_is_used_and_some_blocks_run() -> None:
    assert RUN_SHELL, "no runnable shell example is left: is every block no-run?"
    assert RUN_PYTHON, "no runnable python example is left"
    assert any(not b.runs for b in SHELL_BLOCKS)
