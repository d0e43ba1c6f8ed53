"""The simulator answers the published frames with the published bytes, over a real pty."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import serial

from devices.idcard import codec
from devices.idcard.cards import VirtualCard
from devices.idcard.driver import IdCardReader, Timeouts
from devices.idcard.simulator import SamState
from devices.idcard.text import parse_appended_address, parse_text

ROOT = Path(__file__).resolve().parents[2]


def h(text: str) -> bytes:
    return bytes.fromhex(text)


@pytest.fixture
def port_to():
    ports = []

    def open_port(path, baudrate=115200):
        port = serial.Serial(path, baudrate, timeout=0.5)
        ports.append(port)
        return port

    yield open_port
    for port in ports:
        port.close()


def ask(port, frame: str | bytes, expect: int | None = None) -> bytes:
    """Write a frame, read one reply frame (exactly ``expect`` bytes when given)."""
    port.reset_input_buffer()
    port.write(h(frame) if isinstance(frame, str) else frame)
    if expect is not None:
        return port.read(expect)
    head = port.read(7)
    if len(head) < 7:
        return head
    return head + port.read((head[5] << 8) | head[6])


def test_published_exchanges_byte_for_byte(idcard_sim, idcard_cards, port_to):
    sim = idcard_sim(None)
    port = port_to(sim.path)
    assert ask(port, "AA AA AA 96 69 00 03 11 FF ED") == h("AA AA AA 96 69 00 04 00 00 90 94")
    assert ask(port, "AA AA AA 96 69 00 03 10 FF EC") == h("AA AA AA 96 69 00 04 00 00 90 94")
    assert ask(port, "AA AA AA 96 69 00 03 20 01 22") == h("AA AA AA 96 69 00 04 00 00 80 84")
    assert ask(port, "AA AA AA 96 69 00 03 20 02 21") == h("AA AA AA 96 69 00 04 00 00 81 85")
    assert ask(port, "AA AA AA 96 69 00 03 30 01 32") == h("AA AA AA 96 69 00 04 00 00 41 45")

    card = VirtualCard(idcard_cards["resident"].text, serial=bytes(8))
    sim.place(card)
    assert ask(port, "AA AA AA 96 69 00 03 20 01 22") == \
        h("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")
    assert ask(port, "AA AA AA 96 69 00 03 20 02 21") == \
        h("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C")
    reply = ask(port, "AA AA AA 96 69 00 03 30 01 32", expect=1295)
    assert len(reply) == 1295
    assert reply[:14] == h("AA AA AA 96 69 05 08 00 00 90 01 00 04 00")
    body = codec.parse_frame(reply)
    assert parse_text(body[7:263]) == parse_text(card.text)
    # no appended address on this card: SW3 91
    assert ask(port, "AA AA AA 96 69 00 03 30 03 30") == h("AA AA AA 96 69 00 04 00 00 91 95")
    # read once: the card must leave the reader before it is found again
    assert ask(port, "AA AA AA 96 69 00 03 20 01 22") == h("AA AA AA 96 69 00 04 00 00 80 84")


def test_read_with_fingerprint_and_appended_address(idcard_sim, idcard_cards, port_to):
    sim = idcard_sim(idcard_cards["resident"])
    port = port_to(sim.path)
    ask(port, "AA AA AA 96 69 00 03 20 01 22")
    ask(port, "AA AA AA 96 69 00 03 20 02 21")
    reply = ask(port, "AA AA AA 96 69 00 03 30 10 23", expect=2321)
    assert len(reply) == 2321 and reply[5:7] == h("09 0A")
    payload = codec.parse_read_payload(codec.decode_reply(codec.parse_frame(reply)).data, True)
    assert len(payload.fingerprint) == 1024 and len(payload.photo) == 1024
    address = codec.decode_reply(codec.parse_frame(ask(port, "AA AA AA 96 69 00 03 30 03 30")))
    assert address.sw3 == 0x90 and len(address.data) == 70
    assert parse_appended_address(address.data) == "北京市西城区金融大街7号"


def test_sam_id_and_host_errors(idcard_sim, port_to):
    sim = idcard_sim(None)
    port = port_to(sim.path)
    reply = codec.decode_reply(codec.parse_frame(ask(port, "AA AA AA 96 69 00 03 12 FF EE")))
    assert codec.parse_sam_id(reply.data) == "05.01-20230101-0001234567-0089012345"
    # a wrong checksum from the host: SW3 10
    assert ask(port, "AA AA AA 96 69 00 03 20 01 23") == h("AA AA AA 96 69 00 04 00 00 10 14")
    # an unknown command: SW3 21
    assert ask(port, codec.encode_command(0x7E, 0x01)) == h("AA AA AA 96 69 00 04 00 00 21 25")
    # data where none belongs: SW3 11
    assert ask(port, codec.encode_command(0x20, 0x01, b"\x00")) == h("AA AA AA 96 69 00 04 00 00 11 15")
    # garbage before a command is ignored
    assert ask(port, h("13 37 AA AA 00") + h("AA AA AA 96 69 00 03 11 FF ED")) == \
        h("AA AA AA 96 69 00 04 00 00 90 94")
    assert ask(port, "AA AA AA 96 69 00 04 61 FF 50 CA") == h("AA AA AA 96 69 00 04 00 00 90 94")


def test_a_host_at_the_wrong_speed_hears_nothing(idcard_sim, port_to):
    sim = idcard_sim(None, baudrate=19200)
    port = port_to(sim.path, baudrate=115200)
    assert ask(port, "AA AA AA 96 69 00 03 11 FF ED") == b""
    assert sim.lost_bytes == 10
    port.baudrate = 19200
    assert ask(port, "AA AA AA 96 69 00 03 11 FF ED") == h("AA AA AA 96 69 00 04 00 00 90 94")
    # 60 01: answered at 19200, then the SAM runs at 57600
    assert ask(port, "AA AA AA 96 69 00 03 60 01 62") == h("AA AA AA 96 69 00 04 00 00 90 94")
    assert sim.baudrate == 57600
    port.baudrate = 57600
    assert ask(port, "AA AA AA 96 69 00 03 11 FF ED") == h("AA AA AA 96 69 00 04 00 00 90 94")


def test_sam_state_without_lift_guard_finds_the_card_again(idcard_cards):
    state = SamState(idcard_cards["resident"], require_lift=False)
    for _ in range(2):
        assert state.handle(codec.FIND) == codec.encode_reply(0x9F, bytes(4))
        assert state.handle(codec.SELECT)[9] == 0x90
        assert state.handle(codec.READ_TEXT_PHOTO)[9] == 0x90
    assert state.reads == 2


def test_yichuang_sim_idcard_on_a_pty(tmp_path):
    """`python -m devices.sim idcard` prints its pty, serves a driver, and stops on SIGTERM."""
    link = tmp_path / "idcard"
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "devices.sim", "idcard", "--card", "residence_permit",
         "--baud", "38400", "--link", str(link)],
        cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        banner = proc.stdout.readline()
        assert proc.stdout.readline().startswith("commands:")
        assert f"idcard simulator on {link} (pty /dev/pts/" in banner and "baudrate=38400" in banner
        assert link.is_symlink()
        reader = IdCardReader(str(link), timeouts=Timeouts(detect=0.1, read=1.0))
        try:
            read = reader.read_card()
            assert read.card.kind == "residence_permit" and reader.baudrate == 38400
            proc.stdin.write("lift\nplace permanent_2017\n")
            proc.stdin.flush()
            assert "lifted" in proc.stdout.readline()
            placed = proc.stdout.readline()
            assert "placed" in placed and "USA1*******5001" in placed
            assert reader.read_card().card.kind == "permanent_2017"
        finally:
            reader.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
        assert not link.exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
        proc.stdin.close()
