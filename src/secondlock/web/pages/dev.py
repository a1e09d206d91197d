"""Development only: the outbox page, so a developer can open the links we would mail."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.notifications.outbox import OutboxMailer
from secondlock.notifications.sms import OutboxSms
from secondlock.web.pages.deps import MaybeSignedIn, Renderer

URL = re.compile(r"https?://[^\s<>\"']+")
SHOWN = 20

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class ShownMail:
    at: datetime
    to: str
    subject: str
    text: str
    links: list[str]


@router.get("/dev/outbox")
def outbox(request: Request, pages: Renderer, view: MaybeSignedIn) -> Response:
    own_site = pages.settings.origin + "/"
    mailer = request.app.state.mailer
    mails: list[ShownMail] | None = None
    if isinstance(mailer, OutboxMailer):
        mails = [ShownMail(at=sent.at, to=sent.message.to, subject=sent.message.subject,
                           text=sent.message.text,
                           # Only links to this service become clickable, each once
                           # (a mail may repeat its link, say in the text and a footer).
                           links=list(dict.fromkeys(u for u in URL.findall(sent.message.text)
                                                    if u.startswith(own_site))))
                 for sent in mailer.latest()[:SHOWN]]
    gateway = pages.services(request).rt.sms  # SMS codes (#4): the text outbox
    texts = gateway.latest()[:SHOWN] if isinstance(gateway, OutboxSms) else None
    return pages.render(request, "outbox.html", user=view, mails=mails, texts=texts)
