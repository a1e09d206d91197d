"""kill -9 right after commits that cause mail and texts, against real server processes, a
real SMTP server and a real HTTP SMS gateway on loopback: every committed change's message
arrives after the restart.

Each round: turn 2FA on, sign in from a new device, reset the password; or add a phone (an
SMS code), start a recovery and complete it; with the server killed (SIGKILL) right after
each answer and started again. Then the same once more with a normal stop: there every
message arrives exactly once.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path

import httpx
import pyotp
import pytest

from tests.cli.test_serve import SECONDLOCK, Server, free_port
from tests.conftest import PASSWORD
from tests.notifications.conftest import Inbox
from tests.notifications.sms_server import FakeGateway, sms_server

__all__ = ["sms_server"]

ROUNDS = int(os.environ.get("SECONDLOCK_TEST_KILL_ROUNDS", "3"))
PHONE_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Mobile Safari/537.36")
DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
RESET_LINK = re.compile(r"/password-reset/link\?token=([\w-]+)")
NOTICES = {"2fa_on": "two-factor authentication is on",
           "new_device": "new sign-in to your account",
           "reset": "your password was reset"}


class Node:
    """One ``secondlock serve`` process that can be killed and started again."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.env = {**env, "SECONDLOCK_ORIGIN": f"http://localhost:{self.port}"}
        self.log = log
        self.server: Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as sink:
            process = subprocess.Popen(
                [str(SECONDLOCK), "serve", "--port", str(self.port)], stdout=sink,
                stderr=subprocess.STDOUT, env=self.env)
        self.server = Server(process=process, port=self.port, log=self.log)
        deadline = time.monotonic() + 60  # a loaded CI machine starts slowly
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"serve exited with {process.returncode}:\n{self.server.output()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        pytest.fail(f"serve did not start in 60 s:\n{self.server.output()}")

    def kill_nine(self) -> None:
        assert self.server is not None
        self.server.process.send_signal(signal.SIGKILL)
        self.server.process.wait()

    def stop(self) -> None:
        if self.server is not None and self.server.process.poll() is None:
            self.server.stop()


@contextmanager
def node(env: dict[str, str], log: Path) -> Iterator[Node]:
    running = Node(env, log)
    running.start()
    try:
        yield running
    finally:
        if running.server is not None and running.server.process.poll() is None:
            running.server.process.kill()
            running.server.process.wait()


def mails_to(inbox: Inbox, to: str, subject_part: str) -> list[EmailMessage]:
    return [m for m in list(inbox.messages)
            if str(m["To"]) == to and subject_part in str(m["Subject"])]


def wait_for_mail(inbox: Inbox, to: str, subject_part: str, timeout: float = 20.0
                  ) -> EmailMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = mails_to(inbox, to, subject_part)
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no mail {subject_part!r} to {to}; got "
                         f"{[(str(m['To']), str(m['Subject'])) for m in inbox.messages]}")


def text_of(mail: EmailMessage) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def killer(server: Node, *, kill: bool) -> Callable[[], None]:
    """What a round calls right after each answer: kill -9 and restart, or nothing."""
    def after_commit() -> None:
        if kill:
            server.kill_nine()
            server.start()
    return after_commit


def signed_up(http: httpx.Client, email: str) -> dict[str, str]:
    """A new account, signed in: its bearer header."""
    assert http.post("/api/v1/accounts", json={"email": email, "password": PASSWORD}
                     ).status_code == 201
    token = http.post("/api/v1/login", json={"email": email, "password": PASSWORD}
                      ).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def run_round(server: Node, inbox: Inbox, email: str, *, kill: bool) -> None:
    after_commit = killer(server, kill=kill)
    with httpx.Client(base_url=server.url, timeout=10,
                      headers={"User-Agent": DESKTOP_UA}) as http:
        auth = signed_up(http, email)
        started = http.post("/api/v1/me/authenticators/totp", json={}, headers=auth).json()
        totp = pyotp.TOTP(started["secret"])
        confirmed = http.post(f"/api/v1/me/authenticators/{started['id']}/confirm",
                              json={"code": totp.now()}, headers=auth)
        assert confirmed.status_code == 200, confirmed.text
    after_commit()  # 2FA is on: its notice must survive
    with httpx.Client(base_url=server.url, timeout=10,
                      headers={"User-Agent": PHONE_UA}) as http:
        login = http.post("/api/v1/login", json={"email": email, "password": PASSWORD}).json()
        code = confirmed.json()["recovery_codes"][0]
        verified = http.post("/api/v1/login/verify", json={
            "mfa_token": login["mfa_token"], "method": "recovery_code", "code": code})
        assert verified.status_code == 200, verified.text
    after_commit()  # a sign-in from a phone never seen before
    with httpx.Client(base_url=server.url, timeout=10) as http:
        assert http.post("/api/v1/password-reset", json={"email": email}).status_code == 202
        link = wait_for_mail(inbox, email, "reset your password")
        match = RESET_LINK.search(text_of(link))
        assert match, text_of(link)
        reset = http.post("/api/v1/password-reset/complete", json={
            "token": match.group(1), "new_password": PASSWORD + " 2"})
        assert reset.status_code == 204, reset.text
    after_commit()  # the password was reset


@pytest.mark.slow
def test_kill_nine_after_a_commit_loses_no_notice(server_env: dict[str, str], tmp_path: Path,
                                                  smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    env = {**server_env, "SECONDLOCK_SMTP_URL": f"smtp://127.0.0.1:{port}",
           "SECONDLOCK_SMS_PROVIDER": "off"}
    log = tmp_path / "serve.log"
    with node(env, log) as server:
        killed = [f"killed{i}@example.com" for i in range(ROUNDS)]
        for email in killed:
            run_round(server, inbox, email, kill=True)
        run_round(server, inbox, "calm@example.com", kill=False)
        for email in [*killed, "calm@example.com"]:
            for subject in NOTICES.values():
                # A kill in the middle of a send leaves a lease of 30 s to run out first.
                wait_for_mail(inbox, email, subject, timeout=120)
        server.stop()
    # The normal path (no kill): each notice exactly once.
    for subject in NOTICES.values():
        assert len(mails_to(inbox, "calm@example.com", subject)) == 1, subject
    # A kill between "sent" and "marked sent" may repeat one; a lost one never.
    repeated = [(email, subject) for email in killed for subject in NOTICES.values()
                if len(mails_to(inbox, email, subject)) > 1]
    assert len(repeated) <= 1, repeated
    assert log.read_text(errors="replace").count("Application startup complete") \
        >= 3 * ROUNDS + 1


# Recovery notices and SMS codes (#13): the same kill -9 after the commits that cause them.
MESSAGE_ROUNDS = int(os.environ.get("SECONDLOCK_TEST_KILL_MESSAGE_ROUNDS", "2"))
RECOVERY_LINK = re.compile(r"/recovery/link\?token=([\w-]+)")
RECOVERY_DELAY_SECONDS = 2
RECOVERY_NOTICES = {"started": "someone is recovering your account",
                    "completed": "your account was recovered"}


def texts_to(gateway: FakeGateway, phone: str, part: str) -> list[str]:
    return [r.json["body"] for r in list(gateway.received)
            if r.json and r.json["to"] == phone and part in r.json["body"]]


def wait_for_text(gateway: FakeGateway, phone: str, part: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = texts_to(gateway, phone, part)
        if found:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"no text {part!r} to {phone}; got {gateway.bodies()}")


def run_messages_round(server: Node, inbox: Inbox, gateway: FakeGateway, email: str,
                       phone: str, *, kill: bool) -> None:
    """Add a phone (an SMS code), start a recovery, complete it: a kill after each commit."""
    after_commit = killer(server, kill=kill)
    with httpx.Client(base_url=server.url, timeout=10,
                      headers={"User-Agent": DESKTOP_UA}) as http:
        auth = signed_up(http, email)
        started = http.post("/api/v1/me/authenticators/sms", json={"phone": phone},
                            headers=auth)
        assert started.status_code == 201, started.text
    after_commit()  # the code is stored and its text queued: it must still arrive
    code = re.search(r"\b(\d{6})\b", wait_for_text(gateway, phone, "code", timeout=120))
    assert code
    with httpx.Client(base_url=server.url, timeout=10,
                      headers={"User-Agent": DESKTOP_UA}) as http:
        confirmed = http.post(f"/api/v1/me/authenticators/{started.json()['id']}/confirm",
                              json={"code": code.group(1)}, headers=auth)
        assert confirmed.status_code == 200, confirmed.text
        assert http.post("/api/v1/recovery", json={"email": email}).status_code == 202
        link = RECOVERY_LINK.search(text_of(wait_for_mail(inbox, email, "recover your account",
                                                          timeout=60)))
        assert link
        body = {"token": link.group(1), "password": PASSWORD}
        assert http.post("/api/v1/recovery/start", json=body).status_code == 202
    after_commit()  # the recovery waits: every channel must hear of it
    time.sleep(RECOVERY_DELAY_SECONDS)
    with httpx.Client(base_url=server.url, timeout=10) as http:
        completed = http.post("/api/v1/recovery/complete", json=body)
        assert completed.status_code == 200, completed.text
    after_commit()  # every factor is gone: the owner must hear of it


@pytest.mark.slow
def test_kill_nine_loses_no_sms_code_and_no_recovery_notice(
        server_env: dict[str, str], tmp_path: Path, smtp_server: tuple[Inbox, int],
        sms_server: FakeGateway) -> None:
    inbox, port = smtp_server
    env = {**server_env, "SECONDLOCK_SMTP_URL": f"smtp://127.0.0.1:{port}",
           "SECONDLOCK_SMS_PROVIDER": "webhook",
           "SECONDLOCK_SMS_WEBHOOK_URL": f"{sms_server.base_url}/sms",
           "SECONDLOCK_RECOVERY_DELAY": str(RECOVERY_DELAY_SECONDS)}
    log = tmp_path / "serve.log"
    killed = [(f"recovering{i}@example.com", f"+4474001234{i:02d}")
              for i in range(MESSAGE_ROUNDS)]
    calm = ("calm-recovery@example.com", "+447400123499")
    with node(env, log) as server:
        for email, phone in killed:
            run_messages_round(server, inbox, sms_server, email, phone, kill=True)
        run_messages_round(server, inbox, sms_server, *calm, kill=False)
        for email, phone in [*killed, calm]:
            for subject in RECOVERY_NOTICES.values():
                wait_for_mail(inbox, email, subject, timeout=120)
            wait_for_text(gateway=sms_server, phone=phone, part="recovery", timeout=120)
        server.stop()
    # The normal path: each message exactly once.
    email, phone = calm
    for subject in RECOVERY_NOTICES.values():
        assert len(mails_to(inbox, email, subject)) == 1, subject
    assert len(texts_to(sms_server, phone, "code")) == 1
    assert len(texts_to(sms_server, phone, "recovery")) == 1
    # A kill between "sent" and "marked sent" may repeat the message in flight, one per kill
    # at most (three kills a round); a lost one never. On a loaded machine more than one of
    # the kills lands in that moment (seen: two in one run).
    repeated = [(email, subject) for email, _ in killed for subject in RECOVERY_NOTICES.values()
                if len(mails_to(inbox, email, subject)) > 1]
    repeated += [(phone, part) for _, phone in killed for part in ("code", "recovery")
                 if len(texts_to(sms_server, phone, part)) > 1]
    assert len(repeated) <= 3 * MESSAGE_ROUNDS, repeated
    assert all(len(mails_to(inbox, email, subject)) <= 2 for email, _ in killed
               for subject in RECOVERY_NOTICES.values())
    assert log.read_text(errors="replace").count("Application startup complete") \
        >= 3 * MESSAGE_ROUNDS + 1
