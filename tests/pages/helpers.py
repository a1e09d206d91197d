"""Small helpers for the page tests: pull the CSRF token, fill forms, audit the HTML."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import httpx2 as httpx  # what starlette.testclient answers with
from fastapi.testclient import TestClient

from secondlock.core.clock import FixedClock
from secondlock.core.totp import code_at

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LABELLED_TAGS = {"input", "select", "textarea"}
UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def submit(client: TestClient, form_page: str, action: str, data: dict[str, str],
           **kwargs: object) -> httpx.Response:
    """GET the page that holds the form, then POST it with that page's CSRF token."""
    page = client.get(form_page)
    assert page.status_code == 200, page.text
    return client.post(action, data={**data, "csrf_token": csrf_of(page.text)},
                       follow_redirects=False, **kwargs)  # type: ignore[arg-type]


def page_signup(client: TestClient, email: str, password: str) -> httpx.Response:
    return submit(client, "/signup", "/signup", {"email": email, "password": password})


def page_login(client: TestClient, email: str, password: str) -> httpx.Response:
    return submit(client, "/login", "/login", {"email": email, "password": password})


@dataclass
class Audit:
    """What HTMLAudit found on one page."""

    fields: list[dict[str, str]] = field(default_factory=list)
    label_for: set[str] = field(default_factory=set)
    wrapped: int = 0
    autocomplete: list[str] = field(default_factory=list)
    inline_scripts: int = 0
    inline_styles: int = 0
    headings: list[int] = field(default_factory=list)
    lang: str | None = None
    skip_link: bool = False

    def unlabelled(self) -> list[dict[str, str]]:
        return [f for f in self.fields
                if not f.get("_wrapped") and f.get("id", "") not in self.label_for]


class HTMLAudit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.audit = Audit()
        self._label_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.audit.lang = a.get("lang")
        if tag == "label":
            self._label_depth += 1
            if a.get("for"):
                self.audit.label_for.add(a["for"])
        if tag in LABELLED_TAGS and not (tag == "input" and a.get("type") in
                                         UNLABELLED_INPUT_TYPES):
            self.audit.fields.append({**a, "_tag": tag,
                                      "_wrapped": "1" if self._label_depth else ""})
        if "autocomplete" in a:
            self.audit.autocomplete.append(a["autocomplete"])
        if tag == "script" and not a.get("src"):
            self.audit.inline_scripts += 1
        if tag == "style" or "style" in a:
            self.audit.inline_styles += 1
        if re.fullmatch(r"h[1-6]", tag):
            self.audit.headings.append(int(tag[1]))
        if tag == "a" and a.get("href") == "#main":
            self.audit.skip_link = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_depth = max(0, self._label_depth - 1)


def audit(html: str) -> Audit:
    parser = HTMLAudit()
    parser.feed(html)
    parser.close()
    return parser.audit


KEY = re.compile(r'id="totp-key">([A-Z2-7 ]+)<')
APP_ID = re.compile(r'name="authenticator_id" value="([^"]+)"')
CODE_ITEM = re.compile(r"<li><code>([a-z0-9-]{19})</code></li>")


@dataclass
class Enrolled:
    secret: str
    app_id: str
    codes: list[str]
    response: httpx.Response


def start_enrollment(client: TestClient) -> httpx.Response:
    """Press "Add an authenticator app" on the security page."""
    return submit(client, "/account/security", "/account/security/totp", {})


def enroll_app(client: TestClient, clock: FixedClock, name: str = "iPhone") -> Enrolled:
    """The wizard through TestClient: start, read the key as shown, confirm with its code.

    Moves the clock on a step afterwards, so the next code is not a replay.
    """
    page = start_enrollment(client)
    assert page.status_code == 200, page.text
    key = KEY.search(page.text)
    app_id = APP_ID.search(page.text)
    assert key
    assert app_id
    secret = key.group(1).replace(" ", "")
    done = client.post("/account/security/totp/confirm",
                       data={"authenticator_id": app_id.group(1), "name": name,
                             "code": code_at(secret, clock.now()),
                             "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    clock.advance(seconds=30)
    return Enrolled(secret=secret, app_id=app_id.group(1), codes=CODE_ITEM.findall(done.text),
                    response=done)
