"""docs/commands.md and the code say the same thing: every verb, event and refusal, and the
hall file's keys in docs/hall-config.md. Each check reads only the tables it is about, and
wants exactly the code's list: a row missing, left over or reworded fails."""
from __future__ import annotations

import re

from hall.engine import Engine
from hall.messages import REFUSALS
from hall.protocol_words import EVENT_TYPES
from tests.hall.conftest import ROOT

DOC = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")


def tables(first_header: str, doc: str = DOC) -> list[list[str]]:
    """The rows (cells) of every markdown table whose header row starts ``| first_header |``."""
    rows, inside = [], False
    lines = doc.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(f"| {first_header} |") and i + 1 < len(lines) and lines[i + 1].startswith("|--"):
            inside = True
            continue
        if inside and line.startswith("|--"):
            continue
        if inside and line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        else:
            inside = False
    return rows


def first_column(first_header: str, doc: str = DOC) -> list[str]:
    """Every `name` in the first column of those tables (a cell may list several)."""
    return [name for row in tables(first_header, doc) for name in re.findall(r"`([a-z_]+)`", row[0])]


def test_every_verb_is_documented_once(township):
    documented = first_column("verb")
    assert sorted(documented) == sorted(Engine(township).verbs)


def test_every_event_type_is_documented_once():
    emitted = set()
    for path in (ROOT / "hall").glob("*.py"):
        emitted |= set(re.findall(r'emit\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert emitted, "found no emitted events: the pattern is stale"
    documented = first_column("type")
    assert sorted(documented) == sorted(EVENT_TYPES)
    assert emitted <= set(EVENT_TYPES)


def test_every_refusal_is_documented_with_its_chinese_message():
    rows = {re.findall(r"`([a-z_]+)`", r[0])[0]: r[1] for r in tables("code")}
    assert rows == {code: zh for code, (zh, _) in REFUSALS.items()}


def test_every_hall_file_key_is_documented():
    from hall.config import _SCHEMA

    doc = (ROOT / "docs" / "hall-config.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", doc, re.M))
    keys = {key for table, schema in _SCHEMA.items() if table not in ("", "tidal") for key in schema}
    assert keys - documented == set()


def test_the_table_reader_sees_only_the_tables_asked_for():
    doc = "| verb | x |\n|---|---|\n| `a` | 1 |\n\n| code | y |\n|---|---|\n| `b` | 2 |\n"
    assert first_column("verb", doc) == ["a"] and first_column("code", doc) == ["b"]
    assert first_column("type", doc) == []
