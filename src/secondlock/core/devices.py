"""A short, human description of a device from its User-Agent ("Firefox on Windows")."""

from __future__ import annotations

from functools import lru_cache

from ua_parser import parse

from secondlock.core.i18n import msg


@lru_cache(maxsize=2048)
def describe_device(user_agent: str) -> str:
    """English, translatable (a Msg): browser and system names stay as they are."""
    if not user_agent:
        return msg("Unknown device")
    if user_agent == "secondlock-cli":
        return msg("Command line")
    result = parse(user_agent)
    browser = result.user_agent.family if result.user_agent else "Other"
    system = result.os.family if result.os else "Other"
    device = result.device.family if result.device else "Other"
    if browser == "Other" and system == "Other":
        return msg("Unknown device")
    name: str = browser if browser != "Other" else msg("A browser")
    hardware = device not in ("Other", "Mac", "Generic Smartphone", "K") and device not in system
    if system != "Other" and hardware:
        return msg("%(browser)s on %(system)s (%(device)s)", browser=name, system=system,
                   device=device)
    if system != "Other":
        return msg("%(browser)s on %(system)s", browser=name, system=system)
    if hardware:
        return msg("%(browser)s (%(device)s)", browser=name, device=device)
    return name
