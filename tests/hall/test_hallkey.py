"""The hall key (hall.hallkey): where it lives, created once with mode 0600, never replaced."""
from __future__ import annotations

import re
import stat

import pytest

from hall.config import ConfigError, load_hall, parse_hall
from hall.hallkey import key_path, load_hall_key
from tests.hall.conftest import TOWNSHIP, tiny_hall


def hall_file(tmp_path, extra: str = ""):
    text = TOWNSHIP.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^\[hall\]$", "[hall]\n" + extra, text, count=1)
    path = tmp_path / "halls" / "town.toml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    return load_hall(path)


def test_without_key_file_the_key_is_created_beside_the_hall_file_once_with_mode_0600(tmp_path):
    config = hall_file(tmp_path)
    assert config.key_file == ""
    assert key_path(config) == tmp_path / "halls" / "town.key"
    key = load_hall_key(config)
    assert len(key) == 32
    path = tmp_path / "halls" / "town.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == key.hex() + "\n"
    assert load_hall_key(config) == key  # the same key on every later use
    assert load_hall_key(load_hall(config.source)) == key  # and for every app that loads the hall


def test_key_file_is_relative_to_the_hall_file_and_a_test_may_pass_its_own(tmp_path):
    config = hall_file(tmp_path, 'key_file = "../secrets/hall.key"\n')
    assert config.key_file == "../secrets/hall.key"
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "hall.key").write_text("ab" * 16 + "\n")
    assert load_hall_key(config) == bytes.fromhex("ab" * 16)
    mine = tmp_path / "mine.key"
    assert len(load_hall_key(config, mine)) == 32 and mine.exists()


@pytest.mark.parametrize("content", ["", "not hex at all", "abcd", "ab" * 15])
def test_a_key_file_without_a_valid_key_is_an_error_and_is_never_replaced(tmp_path, content):
    config = hall_file(tmp_path, 'key_file = "bad.key"\n')
    path = tmp_path / "halls" / "bad.key"
    path.write_text(content)
    with pytest.raises(ConfigError) as info:
        load_hall_key(config)
    assert "bad.key" in str(info.value) and "hexadecimal" in str(info.value)
    assert path.read_text() == content


def test_a_hall_not_read_from_a_file_needs_a_path(tmp_path):
    config = parse_hall(tiny_hall())
    with pytest.raises(ConfigError):
        load_hall_key(config)
    assert len(load_hall_key(config, tmp_path / "k.key")) == 32
