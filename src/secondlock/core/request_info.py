"""Who is asking: the few request facts the services need, without the web framework."""

from __future__ import annotations

from dataclasses import dataclass

MAX_USER_AGENT = 512


@dataclass(frozen=True)
class RequestInfo:
    ip: str
    user_agent: str = ""

    @classmethod
    def of(cls, ip: str, user_agent: str | None) -> RequestInfo:
        agent = (user_agent or "").replace("\x00", "")[:MAX_USER_AGENT]
        return cls(ip=ip[:45], user_agent=agent)


#: For actions started from the command line.
CLI_REQUEST = RequestInfo(ip="cli", user_agent="secondlock-cli")
