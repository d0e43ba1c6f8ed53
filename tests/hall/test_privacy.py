"""The clear-ID check (hall.privacy) and the project's keyed hash: no false positives on our
own hashes, and an ID number in any of its written forms is caught anywhere in a payload.

In this suite: 1,000,000 hashes in the project's form (``kh-`` and 64 letters a-p) built from
random bytes in one go (HMAC-SHA256 output is uniform, so random bytes are the same
population), plus 20,000 real ``keyed_hash`` values of valid ID numbers under random keys,
each checked alone, and a sample of them inside whole requests through ``parse_request``.
"""
from __future__ import annotations

import binascii
import datetime as dt
import json
import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.idcard.idnumber import check_digit, is_keyed_hash, keyed_hash
from devices.sscard import codec
from hall.privacy import has_id_number, is_id_number, text_has_id_number
from hall.protocol import parse_request
from hall.protocol_errors import ProtocolError

FULL = {str(i): chr(0xFF10 + i) for i in range(10)}
LETTERS = bytes.maketrans(b"0123456789abcdef", b"abcdefghijklmnop")


def valid_id(rng: random.Random) -> str:
    area = rng.randint(110000, 659999)
    born = dt.date(1900, 1, 1) + dt.timedelta(days=rng.randint(0, 125 * 365))
    first17 = f"{area}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + check_digit(first17)


# ------------------------------------------------------------------ the project's hashes

def test_the_keyed_hash_has_no_digit_and_both_card_readers_give_the_same():
    h = keyed_hash("11010519491231002x", b"k" * 32)
    assert is_keyed_hash(h) and h.startswith("kh-") and len(h) == 67
    assert not any(c.isdigit() for c in h)
    assert codec.keyed_hash("11010519491231002X", b"k" * 32) == h


def test_a_million_hashes_in_the_projects_form_are_never_refused():
    n = 1_000_000
    body = binascii.hexlify(os.urandom(32 * n)).translate(LETTERS).decode("ascii")
    hashes = ["kh-" + body[i:i + 64] for i in range(0, len(body), 64)]
    assert len(hashes) == n and all(map(is_keyed_hash, hashes[:1000]))
    refused = [h for h in hashes if has_id_number(h)]
    assert refused == []


def test_real_keyed_hashes_of_real_id_numbers_are_never_refused_even_in_a_request():
    rng = random.Random(8)
    for i in range(20_000):
        h = keyed_hash(valid_id(rng), rng.randbytes(32))
        assert not has_id_number(h), h
        if i % 20 == 0:
            payload = json.dumps({"v": 1, "verb": "issue", "transaction": f"t{i}", "service": "help",
                                  "person": {"hash": h, "masked": "3701**********1234"}}).encode()
            assert parse_request(payload).fields["person"]["hash"] == h


def test_the_hash_that_was_refused_in_the_field_is_no_longer_refused():
    # issue 8: a hex hash whose last 18 characters were digits
    assert not has_id_number("419769dd0e3c5c0e5c2b0dd5c8c60e877143195232391406")
    assert not is_id_number("877143195232391406")


@pytest.mark.parametrize("text", [
    "13812345678", "2025-03-04T10:00:00+08:00", "A001", "3701**********1234", "1234567890123456789",
    "110101199003074515",  # the check digit is wrong
    "110101199013074514",  # month 13
    "123456789012345678",  # no real birth date
    "订单号 202503041234567890123456",  # one long number is not cut into windows
    "uuid 8c2e5941-9f0d-4a51-b7c3-5e0d1f2a3b4c",
])
def test_ordinary_digits_are_not_id_numbers(text):
    assert not has_id_number(text)


# ------------------------------------------------------------------ ID numbers in any form

def written(number: str, rng: random.Random) -> str:
    """``number`` as a person might type it: groups, spaces or dashes, full-width digits, x."""
    cuts = sorted(rng.sample(range(1, 18), rng.randint(0, 4)))
    parts = [number[a:b] for a, b in zip([0, *cuts], [*cuts, 18])]
    seps = [" ", "-", "　", " - ", "－", "\t", "—", "  "]
    text = parts[0]
    for part in parts[1:]:
        text += rng.choice(seps) + part
    if rng.random() < 0.5:
        text = "".join(FULL.get(c, c) if rng.random() < 0.6 else c for c in text)
    if text.endswith("X"):
        text = text[:-1] + rng.choice("XxＸｘ")
    return text


SAFE_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Nd")), max_size=20)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), before=SAFE_TEXT, after=SAFE_TEXT,
       where=st.sampled_from(["reason", "key", "list", "person.masked", "transaction", "number", "int"]))
def test_an_id_number_in_any_form_anywhere_in_a_request_is_refused(seed, before, after, where):
    rng = random.Random(seed)
    number = valid_id(rng)
    text = f"{before}：{written(number, rng)}，{after}"
    body = {"v": 1, "verb": "cancel", "transaction": "t-1", "number": "A001"}
    if where == "reason":
        body["reason"] = text
    elif where == "key":
        body[text] = 1
    elif where == "list":
        body["reason"] = ["x", {"deep": [text]}]
    elif where == "person.masked":
        body.update(verb="issue", service="help", person={"masked": text})
    elif where == "transaction":
        body["transaction"] = text
    elif where == "number":
        body["number"] = text
    else:
        body["reason"] = int(number[:17] + "0") if number.endswith("X") else int(number)
        if number.endswith("X"):
            return  # an integer cannot end in X
    assert has_id_number(body)
    with pytest.raises(ProtocolError) as info:
        parse_request(json.dumps(body, ensure_ascii=rng.random() < 0.5).encode())
    assert info.value.code == "personal_data"
    assert number[6:14] not in json.dumps(info.value.body(), ensure_ascii=False)


def test_the_forms_of_the_issue_are_caught():
    n = "42010619860402327X"
    assert is_id_number(n)
    for text in (n, n.lower(), "420106 19860402 327X", "420106-1986-0402-327x", "４２０１０６１９８６０４０２３２７Ｘ",
                 "身份证号４２０１０６　１９８６０４０２　３２７ｘ丢了", "no 42010619860402327xyz", "1234 420106 19860402 327X"):
        assert text_has_id_number(text), text


def test_an_id_number_written_as_a_json_float_or_an_escape_is_caught_in_the_raw_text_too():
    for payload in (b'{"v":1,"verb":"cancel","transaction":"t","number":"A001","reason":110101199003074514.0}',
                    b'{"v":1,"verb":"cancel","transaction":"t","number":"A001","reason":"\\u0031\\u00310101199003074514"}'):
        with pytest.raises(ProtocolError) as info:
            parse_request(payload)
        assert info.value.code == "personal_data"
