"""Phone numbers for SMS codes: parse and validate with ``phonenumbers``, store E.164, mask.

Pure functions; the default region and the country allow-list come from settings as values.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from secondlock.core.i18n import msg
from secondlock.core.sms_email_code_errors import InvalidPhoneError

MAX_PHONE_INPUT = 40
#: Number types that cannot receive a text message: refused at enrollment.
_NO_SMS = {PhoneNumberType.FIXED_LINE, PhoneNumberType.PREMIUM_RATE,
           PhoneNumberType.SHARED_COST, PhoneNumberType.TOLL_FREE, PhoneNumberType.PAGER,
           PhoneNumberType.UAN, PhoneNumberType.VOICEMAIL}
BULLET = "\u2022"


def parse_phone(raw: str, default_region: str | None = None) -> str:
    """The number in E.164 (``+12015550123``), from international or national input.

    National input (``(201) 555-0123``) needs ``default_region`` (ISO 3166 alpha-2).

    Raises:
        InvalidPhoneError: with a message that says what to fix.
    """
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_PHONE_INPUT:
        raise InvalidPhoneError(msg("Enter your mobile number, like +1 201 555 0123."))
    text = raw.strip()
    region = None if text.startswith("+") or text.startswith("00") else default_region
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        if region is None and not text.startswith("+"):
            raise InvalidPhoneError(msg("Enter the number with its country code, like "
                                        "+1 201 555 0123.")) from None
        raise InvalidPhoneError(msg("That does not look like a phone number. Enter it with its "
                                    "country code, like +1 201 555 0123.")) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneError(msg("That phone number is not valid. Check the digits and the "
                                    "country code."))
    if phonenumbers.number_type(number) in _NO_SMS:
        raise InvalidPhoneError(msg("That number cannot receive text messages. Enter a mobile "
                                    "number."))
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def phone_region(e164: str) -> str:
    """The ISO country code of a stored number (``US``), or ``ZZ`` when unknown."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164, None)) or "ZZ"
    except NumberParseException:
        return "ZZ"


def region_allowed(e164: str, allowed: tuple[str, ...]) -> bool:
    """Whether SMS may go to this number's country (an empty allow-list allows all)."""
    return not allowed or phone_region(e164) in allowed


def mask_phone(e164: str) -> str:
    """``+1 ••• ••• 2671``: the country code and the last four digits, nothing more."""
    try:
        number = phonenumbers.parse(e164, None)
        country = f"+{number.country_code}"
        national = str(number.national_number)
    except NumberParseException:
        country, national = "+", e164.lstrip("+")
    dots = BULLET * 3
    return f"{country} {dots} {dots} {national[-4:]}"


def mask_email(email: str) -> str:
    """``a•••@example.com``: enough to recognise the mailbox, not to learn the address."""
    local, _, domain = email.rpartition("@")
    if not local:
        return BULLET * 3
    return f"{local[0]}{BULLET * 3}@{domain}"
