"""The driver against the simulator over real pseudo-terminals: whole reads of every card
kind, line faults, no card, a card left lying, and a reader that vanishes and comes back."""
from __future__ import annotations

import threading
import time

import pytest

from devices.errors import DeviceError
from devices.idcard.cards import VirtualCard, demo_cards
from devices.idcard.text import encode_text
from devices.idcard.watcher import CardWatcher

FIND, SELECT, READ = (0x20, 0x01), (0x20, 0x02), (0x30, 0x01)
ADDRESS, STATUS = (0x30, 0x03), (0x11, 0xFF)


def raises(call, **kwargs) -> DeviceError:
    with pytest.raises(DeviceError) as caught:
        call(**kwargs)
    return caught.value


@pytest.mark.parametrize("kind", list(demo_cards()))
def test_every_card_kind_is_read_whole(kind, idcard_sim, idcard_reader, idcard_cards):
    virtual = idcard_cards[kind]
    sim = idcard_sim(virtual)
    read = idcard_reader(sim.path).read_card()
    assert read.card == demo_cards()[kind]
    assert read.photo.data == virtual.photo and len(read.photo.data) == 1024
    assert read.serial == virtual.serial
    assert read.fingerprint is None


def test_resident_read_with_fingerprint_and_appended_address(idcard_sim, idcard_reader, idcard_cards):
    sim = idcard_sim(idcard_cards["resident"])
    read = idcard_reader(sim.path).read_card(fingerprint=True)
    assert read.fingerprint == idcard_cards["resident"].fingerprint and len(read.fingerprint) == 1024
    assert read.appended_address == "北京市西城区金融大街7号"
    assert read.address == "北京市西城区金融大街7号"
    assert read.card.address == "北京市东城区正义路1号院2号楼301室"
    assert sim.commands[-4:] == [FIND, SELECT, (0x30, 0x10), ADDRESS]


def test_a_card_without_appended_address(idcard_sim, idcard_reader, idcard_cards):
    sim = idcard_sim(idcard_cards["resident_long_term"])
    read = idcard_reader(sim.path).read_card()
    assert read.appended_address is None
    assert read.address == "山东省济南市历下区泉城路88号"
    assert read.card.long_term


def test_sam_commands(idcard_sim, idcard_reader):
    sim = idcard_sim(None)
    reader = idcard_reader(sim.path)
    reader.reset()
    reader.status()
    assert reader.sam_id() == "05.01-20230101-0001234567-0089012345"
    assert reader.find() is False


def test_no_card_tells_the_citizen_where_to_put_it(idcard_sim, idcard_reader):
    sim = idcard_sim(None)
    err = raises(idcard_reader(sim.path).read_card)
    assert err.code == "no_card" and err.message_zh == "请将身份证放在感应区"


def test_garbage_before_every_frame_is_skipped(idcard_sim, idcard_reader, idcard_cards):
    sim = idcard_sim(idcard_cards["resident"])
    reader = idcard_reader(sim.path)
    reader.open()
    sim.inject("garbage", count=10)
    assert reader.read_card().card == demo_cards()["resident"]
    assert sim.commands[-4:] == [FIND, SELECT, READ, ADDRESS]  # nothing had to be asked twice


def test_replies_split_in_pieces_are_joined(idcard_sim, idcard_reader, idcard_cards):
    sim = idcard_sim(idcard_cards["permanent_2023"])
    reader = idcard_reader(sim.path)
    reader.open()
    sim.inject("split", count=10)
    assert reader.read_card().card == demo_cards()["permanent_2023"]
    assert sim.commands[-3:] == [FIND, SELECT, READ]


def test_one_wrong_checksum_is_retried(idcard_sim, idcard_reader, idcard_cards):
    sim = idcard_sim(idcard_cards["resident"])
    reader = idcard_reader(sim.path)
    reader.find()
    reader.select()
    sim.inject("bad_checksum")
    payload = reader.read_text_photo()
    assert payload.text == idcard_cards["resident"].text
    assert sim.commands[-2:] == [READ, READ]


def test_persistent_wrong_checksums_give_a_clear_error_and_nothing_is_lost(
        idcard_sim, idcard_reader, idcard_cards):
    sim = idcard_sim(idcard_cards["resident"])
    reader = idcard_reader(sim.path, retries=1)
    reader.open()
    sim.inject("bad_checksum", count=2)
    err = raises(reader.read_card)
    assert err.code == "garbled_frame" and err.message_zh == "设备通信异常，请重试"
    assert reader.connected
    assert reader.read_card().card == demo_cards()["resident"]


@pytest.mark.parametrize("fault", ["silent", "truncate"])
def test_a_reader_that_does_not_answer_times_out(fault, idcard_sim, idcard_reader, idcard_cards):
    sim = idcard_sim(idcard_cards["resident"])
    reader = idcard_reader(sim.path, retries=1)
    reader.open()
    sim.inject(fault, count=2)
    err = raises(reader.find)
    assert err.code == "timeout" and err.message_zh == "设备无响应，请稍候再试"
    assert reader.read_card().card == demo_cards()["resident"]


def test_a_single_silence_is_retried(idcard_sim, idcard_reader, idcard_cards):
    sim = idcard_sim(idcard_cards["resident"])
    reader = idcard_reader(sim.path, retries=1)
    reader.open()
    sim.inject("silent")
    assert reader.read_card().card.kind == "resident"


def test_the_card_must_be_lifted_before_the_next_read(idcard_sim, idcard_reader, idcard_cards):
    sim = idcard_sim(idcard_cards["resident"])
    reader = idcard_reader(sim.path)
    assert reader.read_card().card.kind == "resident"
    err = raises(reader.read_card)  # the SAM does not find a card it has read
    assert err.code == "no_card" and err.message_zh == "请将身份证放在感应区"
    sim.lift()
    sim.place(idcard_cards["resident"])
    assert reader.read_card().card.kind == "resident"


def test_a_reader_that_finds_the_read_card_again_is_guarded(idcard_sim, idcard_reader, idcard_cards):
    sim = idcard_sim(idcard_cards["resident"], require_lift=False)
    reader = idcard_reader(sim.path)
    assert reader.read_card().card.kind == "resident"
    for _ in range(2):
        err = raises(reader.read_card)
        assert err.code == "card_not_lifted" and err.message_zh == "请取走身份证后再重新放置"
        assert sim.commands[-2:] == [FIND, SELECT]  # known by its serial: not read again
    sim.place(idcard_cards["resident_long_term"])  # another citizen's card
    assert reader.read_card().card.kind == "resident"
    sim.lift()
    assert raises(reader.read_card).code == "no_card"
    sim.place(idcard_cards["resident_long_term"])
    assert reader.read_card().card == demo_cards()["resident_long_term"]


def test_reader_unplugged_and_plugged_back(idcard_sim, idcard_reader, idcard_cards):
    sim = idcard_sim(idcard_cards["resident"])
    reader = idcard_reader(sim.path)
    assert reader.read_card().card.kind == "resident"
    sim.stop()  # the pty disappears under the open driver
    err = raises(reader.read_card)
    assert err.code == "disconnected" and err.message_zh == "设备未连接，请联系工作人员"
    assert not reader.connected
    assert raises(reader.find).code == "disconnected"  # still gone: the reopen fails cleanly
    sim.start()  # back at the same path (a new pty behind the symlink)
    # the card still lies there: reconnected by itself, and it is not read twice
    assert raises(reader.read_card).code == "card_not_lifted"
    assert reader.connected
    sim.lift()
    assert raises(reader.read_card).code == "no_card"
    sim.place(idcard_cards["residence_permit"])
    assert reader.read_card().card.kind == "residence_permit"


def test_reconnect_attempts_are_spaced(idcard_sim, idcard_reader):
    sim = idcard_sim(None)
    reader = idcard_reader(sim.path, reconnect_interval=3600)
    reader.status()
    sim.stop()
    assert raises(reader.status).code == "disconnected"
    sim.start()
    err = raises(reader.status)  # within the interval: no attempt yet
    assert err.code == "disconnected" and "waiting to reconnect" in err.detail
    reader.open()  # an explicit open tries at once
    reader.status()


def test_baud_rate_is_detected(idcard_sim, idcard_reader):
    sim = idcard_sim(None, baudrate=9600)
    reader = idcard_reader(sim.path)
    reader.status()
    assert reader.baudrate == 9600
    assert sim.lost_bytes > 0  # the probes at the other speeds were heard as noise


def test_baud_rate_from_the_url_is_used_as_is(idcard_sim, idcard_reader):
    sim = idcard_sim(None, baudrate=38400)
    reader = idcard_reader(f"serial://{sim.path}?baudrate=38400")
    assert reader.sam_id().startswith("05.01-")
    assert sim.commands == [(0x12, 0xFF)] and sim.lost_bytes == 0
    wrong = idcard_reader(f"serial://{sim.path}?baudrate=9600", retries=0)
    assert raises(wrong.status).code == "timeout"


def test_no_answer_at_any_speed(idcard_sim, idcard_reader):
    sim = idcard_sim(None)
    reader = idcard_reader(sim.path)
    sim.inject("silent")  # the probes at other speeds never reach the SAM intact
    err = raises(reader.status)
    assert err.code == "timeout" and "no SAM answer" in err.detail
    assert not reader.connected
    reader.status()  # tried again on the next call


def test_switching_the_baud_rate(idcard_sim, idcard_reader):
    sim = idcard_sim(None)
    reader = idcard_reader(sim.path)
    reader.set_baudrate(19200)
    # the SAM answers at the old speed and switches after its answer is sent: the reader may have
    # the answer a moment before the simulator's thread has switched
    deadline = time.monotonic() + 5
    while sim.baudrate != 19200 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sim.baudrate == 19200 and reader.baudrate == 19200
    reader.status()
    reader.close()
    reader.status()  # a new connection detects the new speed
    assert reader.baudrate == 19200


def test_an_unsupported_card_kind(idcard_sim, idcard_reader):
    raw = bytearray(encode_text(demo_cards()["resident"]))
    raw[248:250] = "Z".encode("utf-16-le")
    sim = idcard_sim(VirtualCard(bytes(raw), label="unsupported test card"), require_lift=False)
    reader = idcard_reader(sim.path)
    err = raises(reader.read_card)
    assert err.code == "unsupported_card_type" and err.message_zh == "暂不支持此类证件，请到人工窗口办理"
    sim.lift()
    reader.find()
    sim.place(VirtualCard(bytes(raw), label="unsupported test card"))
    read = reader.read_card(accept_unsupported=True)
    assert read.card.flag == "Z" and read.card.raw == bytes(raw)


def test_a_card_whose_text_fails_its_checks(idcard_sim, idcard_reader):
    raw = bytearray(encode_text(demo_cards()["resident"]))
    raw[122 + 34:122 + 36] = ("0" if raw[156] != ord("0") else "1").encode("utf-16-le")
    sim = idcard_sim(VirtualCard(bytes(raw), label="bad check digit"))
    err = raises(idcard_reader(sim.path).read_card)
    assert err.code == "card_text_invalid"


def test_watcher_hands_over_each_card_once_and_survives_an_unplug(idcard_sim, idcard_reader, idcard_cards):
    sim = idcard_sim(idcard_cards["resident"])
    reader = idcard_reader(sim.path)
    cards, statuses = [], []
    got_card, got_status = threading.Event(), threading.Event()

    def on_card(read):
        cards.append(read.card.kind)
        got_card.set()

    def on_status(err):
        statuses.append(err.code if err else None)
        got_status.set()

    watcher = CardWatcher(reader, on_card, on_status, interval=0.02).start()
    try:
        assert got_card.wait(5)
        got_card.clear()
        got_status.clear()
        sim.stop()
        assert got_status.wait(5) and statuses[-1] == "disconnected"
        got_status.clear()
        sim.lift()
        sim.start()
        assert got_status.wait(5) and statuses[-1] is None  # reconnected by itself
        sim.place(idcard_cards["permanent_2017"])
        assert got_card.wait(5)
    finally:
        watcher.stop()
    assert cards == ["resident", "permanent_2017"]
    assert statuses[0] is None and "disconnected" in statuses


def test_a_reader_with_blank_serials_is_guarded_by_the_text(idcard_sim, idcard_reader, idcard_cards):
    blank = VirtualCard(idcard_cards["resident"].text, serial=bytes(8))
    sim = idcard_sim(blank, require_lift=False)
    reader = idcard_reader(sim.path)
    assert reader.read_card().serial == bytes(8)
    assert raises(reader.read_card).code == "card_not_lifted"
    assert sim.commands[-3:] == [FIND, SELECT, READ]
    sim.place(VirtualCard(idcard_cards["permanent_2023"].text, serial=bytes(8)))
    assert reader.read_card().card.kind == "permanent_2023"
