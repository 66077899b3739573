"""The Simplified Chinese catalog is complete and its committed .mo matches the .po.

The compiled catalog is committed so `make run` needs no gettext tools; this test catches a
.po edited without recompiling (`make messages`).
"""

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[1] / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_message_has_a_chinese_translation():
    catalog = polib.pofile(str(LOCALE / "django.po"))

    untranslated = [entry.msgid for entry in catalog.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]

    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalog_matches_its_source():
    source = {
        (entry.msgid, entry.msgid_plural): entry.msgstr or entry.msgstr_plural.get(0, "")
        for entry in polib.pofile(str(LOCALE / "django.po")).translated_entries()
    }
    compiled = {
        (entry.msgid, entry.msgid_plural): entry.msgstr or entry.msgstr_plural.get(0, "")
        for entry in polib.mofile(str(LOCALE / "django.mo"))
        if entry.msgid
    }

    assert compiled == source
