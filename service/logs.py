"""Keep personal data out of logs: mobile numbers are masked and bearer tokens dropped
in every log record, whichever library logs it (PIPL)."""

from __future__ import annotations

import logging
import re

PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_installed = False


def scrub(text: str) -> str:
    return BEARER.sub(r"\1***", PHONE.sub(r"\1****\2", text))


def install() -> None:
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logged as it is
            return record
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
