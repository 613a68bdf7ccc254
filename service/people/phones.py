"""Mainland mobile numbers in one canonical form: 11 ASCII digits.

Every door that takes a phone (login, registration, member records and grants, the roster
import, need and pair lookups, the throttle keys) goes through ``normalise_phone``, so
``+86 138-0013-8000``, ``0086 13800138000``, ``138 0013 8000`` and the same digits typed with a
full-width input method are one number: one account, one record, one throttle counter.
"""

import re
import unicodedata

# ASCII digits only: ``\\d`` would also take other scripts' digits, a second spelling of a
# number nobody could type at the login page.
MOBILE = re.compile(r"^1[3-9][0-9]{9}$", re.ASCII)
# What people put between digit groups: spaces of every kind, dashes, dots, brackets, slashes.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212.()/]+")


def normalise_phone(raw: object) -> str:
    """The canonical form of a typed mobile number: separators and a ``+86``/``0086``/``86``
    country prefix dropped, full-width characters made plain. Anything that is not text gives
    ``""``; what is left of a non-number is returned for ``is_mobile`` to refuse."""
    if not isinstance(raw, str):
        return ""
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    elif len(text) == 13 and text.startswith("86") and MOBILE.match(text[2:]):
        text = text[2:]  # a mainland mobile never starts with 86, so the prefix is unambiguous
    return text


def is_mobile(phone: str) -> bool:
    return bool(MOBILE.match(phone))


def phone_key(prefix: str, raw: object) -> str:
    """A throttle key for the phone a request names: every spelling of one number shares it."""
    phone = normalise_phone(raw)
    return f"{prefix}:{phone}" if phone else f"{prefix}:-"


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else "****"
