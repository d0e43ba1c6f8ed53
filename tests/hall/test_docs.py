"""docs/commands.md and the code say the same thing: every verb, event and refusal."""
from __future__ import annotations

import re

from hall.engine import Engine
from hall.messages import REFUSALS
from tests.hall.conftest import ROOT

DOC = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")


def _table_first_column(heading_words: str) -> set[str]:
    return set(re.findall(r"^\| `([a-z_]+)`", DOC, re.M))


def test_every_verb_is_documented(township):
    documented = _table_first_column("verb")
    assert set(Engine(township).verbs) <= documented


def test_every_event_type_is_documented():
    emitted = set()
    for path in (ROOT / "hall").glob("*.py"):
        emitted |= set(re.findall(r'emit\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert emitted, "found no emitted events: the pattern is stale"
    documented = set(re.findall(r"`([a-z_]+)`", DOC))
    assert emitted - documented == set()


def test_every_refusal_is_documented_with_its_chinese_message():
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| (.+?) \|$", DOC, re.M))
    for code, (zh, _) in REFUSALS.items():
        assert rows.get(code) == zh, code


def test_every_hall_file_key_is_documented():
    from hall.config import _SCHEMA

    doc = (ROOT / "docs" / "hall-config.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", doc, re.M))
    keys = {key for table, schema in _SCHEMA.items() if table not in ("", "tidal") for key in schema}
    assert keys - documented == set()
