"""Input nobody should send, below the hub: JSON nesting and Unicode (hall.untrusted), the
engine's own type checks of a command, and `yichuang replay` answering every line once."""
from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hall import untrusted
from hall.config import load_hall
from hall.engine import FIELD_TYPES, Engine
from hall.replay import replay
from hall.store import HallStore
from tests.hall.conftest import ROOT, TOWNSHIP

# ------------------------------------------------------------------ nesting and Unicode


@pytest.mark.parametrize("text, depth", [
    ("{}", 1), ('{"a": [1, {"b": []}]}', 4), ('"[[[["', 0), ('{"a": "\\"[[[["}', 1), ("[" * 5000, 5000),
    ('{"a":"\\\\"}', 1),
])
def test_nesting_is_counted_outside_strings_without_parsing(text, depth):
    assert untrusted.nesting_depth(text, 10 ** 6) == depth


@pytest.mark.parametrize("text", ["[" * 1200 + "]" * 1200, '{"a":' * 400 + "1" + "}" * 400, "[" * 100000])
def test_deep_nesting_is_refused_before_the_parser_recurses(text):
    with pytest.raises(untrusted.Unreadable) as info:
        untrusted.loads(text, 6)
    assert info.value.code == "too_deep"


@pytest.mark.parametrize("text", ['{"a":"\\udfff"}', '{"\\ud800":1}', '["ok", {"x": ["\\udc00z"]}]'])
def test_a_lone_surrogate_anywhere_is_not_unicode(text):
    with pytest.raises(untrusted.Unreadable) as info:
        untrusted.loads(text, 6)
    assert info.value.code == "not_unicode"


def test_a_surrogate_pair_is_one_character_and_nan_is_not_json():
    assert untrusted.loads('{"a":"\\ud83d\\ude00"}', 6) == {"a": "😀"}
    for text in ("NaN", '{"a": Infinity}', "[-Infinity]"):
        with pytest.raises(untrusted.Unreadable):
            untrusted.loads(text, 6)


# ------------------------------------------------------------------ the engine's own type checks

WRONG = [[], ["a"], {"x": 1}, 1.5, True, "\udfff"]


@pytest.mark.parametrize("verb", Engine(load_hall(TOWNSHIP)).verbs)
def test_every_field_of_the_wrong_type_is_refused_by_the_engine_with_a_clear_reason(hall, verb):
    hall.ok("staff_login", window="1", staff="0101")
    hall.ok("issue", service="household")
    hall.ok("call_next", window="1")
    before = hall.store.state.scalars(), dict(hall.store.state.tickets)
    for field, allowed in FIELD_TYPES.items():
        for value in WRONG:
            fits = bool in allowed if isinstance(value, bool) else isinstance(value, allowed)
            if fits and untrusted.is_unicode(value):
                continue
            command = {"verb": verb, "window": "1", "transaction": f"{verb}-{field}-{value!r}", field: value}
            reply, events = hall.store.apply(command)
            assert reply["status"] == "error" and events == [], (verb, field, value, reply)
            assert reply["error"]["code"] in ("bad_request", "unknown_verb"), (verb, field, value, reply)
            if reply["error"]["code"] == "bad_request" and untrusted.is_unicode(value):
                assert f"'{field}'" in reply["error"]["message_en"]
    assert (hall.store.state.scalars(), dict(hall.store.state.tickets)) == before


def test_the_reviewed_cases_outcome_and_to_service_as_lists(hall):
    hall.ok("staff_login", window="1", staff="0101")
    hall.ok("issue", service="household")
    hall.ok("call_next", window="1")
    assert hall.no("finish", "bad_request", window="1", outcome=["completed"])["message_en"].endswith(
        "'outcome' must be a string")
    assert hall.no("transfer", "bad_request", window="1", to_service=["help"])
    assert hall.no("issue", "bad_request", service="help", person={"hash": ["x"]})
    assert hall.ok("finish", window="1")["status"] == "finished"


def test_a_lone_surrogate_never_reaches_sqlite(hall):
    for cmd in ({"verb": "staff_login", "window": "1", "staff": "01\udfff"}, {"verb": "iss\udfffue"},
                {"verb": "cancel", "number": "A001", "transaction": "t\ud800"}, {"verb": "tick", "\udc00": 1}):
        reply, events = hall.store.apply(cmd)
        assert reply["status"] == "error" and reply["error"]["code"] == "bad_request" and events == []
        json.dumps(reply, ensure_ascii=False).encode("utf-8")  # the reply itself is writable


# ------------------------------------------------------------------ replay: one reply per line

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)
VERBS = st.sampled_from(["issue", "cancel", "finish", "transfer", "staff_login", "call_next", "pause", "tick",
                         "return_missed", "close_service", "bogus"])
FIELDS = st.sampled_from(sorted(FIELD_TYPES) + ["at", "person", "extra"])
COMMANDS = st.builds(lambda verb, fields: {"verb": verb, **fields}, VERBS, st.dictionaries(FIELDS, JSON_VALUES))
SURROGATE_LINES = st.text(max_size=6).map(lambda t: '{"verb":"issue","service":"' + t.replace('"', "") + '\\udfff"}')
LINES = st.one_of(COMMANDS.map(json.dumps), JSON_VALUES.map(json.dumps), st.text(max_size=40), SURROGATE_LINES,
                  st.integers(1, 3000).map(lambda n: "[" * n + "]" * n), st.just('{"at": 5, "verb": "tick"}'))


@pytest.fixture(scope="module")
def replay_store(tmp_path_factory):
    store = HallStore(tmp_path_factory.mktemp("replay") / "r.db", load_hall(TOWNSHIP))
    yield store
    store.close()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(lines=st.lists(LINES.filter(lambda line: "\n" not in line and "\r" not in line), max_size=12))
def test_any_line_to_replay_gets_exactly_one_reply_line_and_the_replay_goes_on(replay_store, lines):
    out = io.StringIO()
    counts = replay(replay_store, lines, out)
    expected = sum(1 for line in lines if line.strip() and not line.strip().startswith("#"))
    replies = [json.loads(x) for x in out.getvalue().splitlines() if x.startswith('{"reply"')]
    assert len(replies) == counts["commands"] == expected
    assert all(r["reply"]["status"] in ("ok", "error") for r in replies)
    assert not any(r["reply"].get("error", {}).get("code") == "internal_error" for r in replies)


def test_the_replay_command_answers_bytes_that_are_not_utf8_and_goes_on(tmp_path):
    lines = [b'{"verb":"finish","window":"1","outcome":["completed"],"transaction":"a"}', b"\xff\xfe not text",
             b'{"verb":"issue","service":"help","transaction":"b","at":"2026-11-23T09:00:00"}',
             b"[" * 2000, b'{"verb":"iss\\udfffue"}', b'{"verb":"transfer","window":"1","to_service":["x"]}']
    out = subprocess.run([sys.executable, "-m", "hall.cli", "replay", "--config", str(TOWNSHIP), "--db",
                          str(tmp_path / "r.db"), "--no-events"], input=b"\n".join(lines) + b"\n",
                         capture_output=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    replies = [json.loads(line)["reply"] for line in out.stdout.decode().splitlines()]
    assert [r["status"] for r in replies] == ["error", "error", "ok", "error", "error", "error"]
    assert replies[0]["error"]["message_en"].endswith("'outcome' must be a string")
    assert "Traceback" not in out.stderr.decode()


def test_a_status_payload_is_depth_checked_too():
    from hall.protocol import parse_status

    assert parse_status(b"[" * 60000) is None
    assert parse_status(b'{"state":"online"' + b"[" * 5000) is None
    assert parse_status(b'{"v":1,"state":"online"}') == "online"
