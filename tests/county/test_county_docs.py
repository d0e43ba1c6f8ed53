"""docs/county.md says what the code does: the county link's topics and the county file's keys."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from hall import protocol

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "county.md").read_text(encoding="utf-8")


def test_the_link_topics_are_the_protocol_modules():
    documented = set(re.findall(r"^\| `yc/<hall>/((?:up|down)/\w+)` \| (yes|no) \| 1 \|", DOC, re.M))
    wanted = {(s.pattern, "yes" if s.retained else "no") for s in protocol.TOPICS
              if s.pattern.startswith(("up/", "down/"))}
    assert wanted and documented == wanted


def test_every_county_file_key_is_documented():
    data = tomllib.loads((ROOT / "config" / "county" / "guanxian.toml").read_text(encoding="utf-8"))
    keys = {f"[county] {k}" for k in data["county"]} | {f"[[hall]] {k}" for k in data["hall"][0]}
    rows = set()
    for cell in re.findall(r"^\| `(\[\[?\w+\]\]? )([^`]+)`(?:, `([^`]+)`)? \|", DOC, re.M):
        rows.add(cell[0] + cell[1])
        if cell[2]:
            rows.add(cell[0] + cell[2])
    assert keys <= rows, keys - rows
