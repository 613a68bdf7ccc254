"""Every message the code marks has an English translation, and the translation keeps the
message's placeholders (a lost ``%(name)s`` would fall back to Chinese, a new one would fail)."""

from __future__ import annotations

import re
from configparser import ConfigParser
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "service" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "_l": None, "N_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]")


def _method_map() -> list[tuple[str, str]]:
    """The project's own ``babel.cfg``: sections ``[method: pattern]``."""
    parser = ConfigParser()
    parser.read(ROOT / "babel.cfg", encoding="utf-8")
    pairs = []
    for section in parser.sections():
        method, _, pattern = section.partition(":")
        pairs.append((pattern.strip(), method.strip()))
    return pairs


def _marked_ids() -> dict[str, str]:
    """Message id -> where it is first used, for every marked string under ``service/``."""
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(str(ROOT), _method_map(), keywords=KEYWORDS):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def _english() -> dict[str, str]:
    with open(CATALOGUE, "rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id and isinstance(m.id, str)}


def test_method_map_covers_the_code_and_the_templates():
    methods = dict((m, p) for p, m in _method_map())
    assert methods.get("python", "").startswith("service/") and methods.get("jinja2", "").startswith("service/")


def test_every_marked_message_has_an_english_translation():
    english = _english()
    missing = [
        f"{where}: {msgid!r}"
        for msgid, where in sorted(_marked_ids().items(), key=lambda item: item[1])
        if CJK.search(msgid) and (not english.get(msgid) or english[msgid] == msgid)
    ]
    assert not missing, f"{len(missing)} message(s) without English:\n" + "\n".join(missing)


def test_translations_keep_the_placeholders():
    wrong = []
    for msgid, msgstr in _english().items():
        if msgstr and set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(msgstr)):
            wrong.append(f"{msgid!r} -> {msgstr!r}")
    assert not wrong, "\n".join(wrong)


def test_the_placeholder_check_sees_names_and_conversions():
    assert set(PLACEHOLDER.findall("任务状态为 %(status)s，第 %(n)d 个，%(share).1f%%")) == {"status", "n", "share"}
