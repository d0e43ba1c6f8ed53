"""The hall file's parts for the window: staff PIN hashes, keypad/remote/LED-bar wiring, the
bridge's ports and RF keys; and the commands' answers to a wrong device or a bad PIN."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hall.config import ConfigError, load_hall
from hall.pin import PinError, hash_pin, parse_hash, verify_pin

ROOT = Path(__file__).resolve().parents[2]
TOWNSHIP = ROOT / "config" / "halls" / "township.toml"


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hall.cli", *args], cwd=ROOT, input=stdin, capture_output=True,
                          text=True, timeout=60)


def test_a_pin_hash_is_salted_slow_and_verifiable():
    one, two = hash_pin("2580"), hash_pin("2580")
    assert one != two and "2580" not in one  # salted; never the PIN itself
    n, r, p, salt, digest = parse_hash(one)
    assert (n, r, p, len(salt), len(digest)) == (2 ** 14, 8, 1, 16, 32)
    assert verify_pin("2580", one) and verify_pin("2580", two)
    assert not verify_pin("2581", one) and not verify_pin("2580", "scrypt$bad")
    for bad in ("123", "12ab", "1234567890123"):
        with pytest.raises(PinError):
            hash_pin(bad)


def test_staff_pin_prints_the_line_for_the_hall_file():
    done = run("staff-pin", "--stdin", stdin="4711\n")
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip()
    assert line.startswith('pin = "scrypt$') and verify_pin("4711", line.split('"')[1])
    refused = run("staff-pin", "--stdin", stdin="47\n")
    assert refused.returncode == 2 and "4-12 digits" in refused.stderr


def broken(tmp_path, old: str, new: str) -> list[tuple[str, str]]:
    text = TOWNSHIP.read_text()
    assert old in text
    path = tmp_path / "hall.toml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ConfigError) as caught:
        load_hall(path)
    return [(key, message) for _, key, message in caught.value.problems]


def test_the_example_hall_is_wired(tmp_path):
    config = load_hall(TOWNSHIP)
    assert all(verify_pin("1234", s.pin) for s in config.staff.values())
    assert (config.windows["1"].keypad, config.windows["9"].remote, config.windows["3"].ledbar) == (1, 0xA1B2C, 3)
    bridge = config.devices["bridge-1"]
    assert bridge.bus.startswith("serial://") and dict(bridge.rf_keys)[1] == "call_next"


def test_wiring_mistakes_are_named(tmp_path):
    assert broken(tmp_path, 'pin = "scrypt$16384', 'pin = "md5$16384')[0][0] == "staff[0].pin"
    problems = broken(tmp_path, "keypad = 2\n", "keypad = 1\n")
    assert ("window[2].keypad", "window 1 already has keypad 1") in problems
    assert broken(tmp_path, 'remote = "A1B2C"', 'remote = "XYZ"')[0][0] == "window[3].remote"
    assert broken(tmp_path, "ledbar = 9", "ledbar = 300")[0] == ("window[3].ledbar", "a bus address is 1-254")
    problems = broken(tmp_path, '"8" = "finish"', '"8" = "issue"')
    assert problems[0][0].endswith("].rf_keys.8") and "'issue' is not one of" in problems[0][1]


def test_the_commands_say_what_is_wrong_with_the_device():
    done = run("caller", "--config", str(TOWNSHIP), "--device", "kiosk-1")
    assert done.returncode == 2 and "'kiosk-1' is not a caller" in done.stderr and "caller-3" in done.stderr
    done = run("keypad-bridge", "--config", str(TOWNSHIP), "--device", "caller-3", "--journal", "/dev/null/x")
    assert done.returncode == 2 and "not a keypad_bridge" in done.stderr


def test_a_pin_check_gives_back_scrypts_work_area(tmp_path):
    """A soft caller runs for months: after a PIN check the 16 MB scrypt used is not kept in the
    heap (glibc kept it after the first check: the soak's caller +26.8 % at its second sign-in)."""
    child = tmp_path / "pins.py"
    child.write_text(
        "import ctypes\n"
        "from hall.pin import hash_pin, verify_pin\n"
        "class Info(ctypes.Structure):\n"
        "    _fields_ = [(n, ctypes.c_size_t) for n in ('arena', 'ordblks', 'smblks', 'hblks', 'hblkhd', 'usmblks',"
        " 'fsmblks', 'uordblks', 'fordblks', 'keepcost')]\n"
        "libc = ctypes.CDLL('libc.so.6')\n"
        "libc.mallinfo2.restype = Info\n"
        "stored = hash_pin('1234')\n"
        "for _ in range(3):\n"
        "    assert verify_pin('1234', stored)\n"
        "print(libc.mallinfo2().arena)\n")
    out = subprocess.run([sys.executable, str(child)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    arena = int(out.stdout.split()[-1])
    assert arena < 8 * 1024 * 1024, f"the heap keeps {arena / 2**20:.1f} MB after three PIN checks"
