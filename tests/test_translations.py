"""The English catalogue is complete and its compiled form matches the source."""

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent / "service" / "translations"


def test_every_interface_string_has_an_english_translation():
    with open(ROOT / "messages.pot", "rb") as f:
        template = {m.id for m in read_po(f) if m.id}
    with open(ROOT / "en" / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    translated = {m.id for m in catalog if m.id and m.string}
    assert template <= translated, sorted(template - translated)


def test_compiled_catalog_is_up_to_date():
    with open(ROOT / "en" / "LC_MESSAGES" / "messages.po", "rb") as f:
        source = {m.id: m.string for m in read_po(f) if m.id and m.string}
    with open(ROOT / "en" / "LC_MESSAGES" / "messages.mo", "rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id}
    assert compiled == source, "run `make translations`"


def test_template_is_current_with_the_code():
    """Every string marked in the code is in the template (run `make translations` if not)."""
    from babel.messages.extract import extract_from_dir

    method_map = [("service/**.py", "python"), ("service/**/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "N_": None, "lazy_gettext": None, "ngettext": (1, 2)}
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT.parent.parent), method_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    with open(ROOT / "messages.pot", "rb") as f:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    assert found <= template, sorted(found - template)
