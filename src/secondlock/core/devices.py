"""A short, human description of a device from its User-Agent ("Firefox on Windows")."""

from __future__ import annotations

from functools import lru_cache

from ua_parser import parse


@lru_cache(maxsize=2048)
def describe_device(user_agent: str) -> str:
    if not user_agent:
        return "Unknown device"
    if user_agent == "secondlock-cli":
        return "Command line"
    result = parse(user_agent)
    browser = result.user_agent.family if result.user_agent else "Other"
    system = result.os.family if result.os else "Other"
    device = result.device.family if result.device else "Other"
    if browser == "Other" and system == "Other":
        return "Unknown device"
    parts = [browser if browser != "Other" else "A browser"]
    if system != "Other":
        parts.append(f"on {system}")
    if device not in ("Other", "Mac", "Generic Smartphone", "K") and device not in system:
        parts.append(f"({device})")
    return " ".join(parts)
