"""Fixtures for the social-security card tests: a real pcscd with the vpcd driver.

Only one pcscd can run on a machine (its socket is fixed). If one answers, the tests use
its vpcd slots; otherwise the session starts ``pcscd -f -c DIR`` with a reader.conf.d of
its own on a free port pair (no ``-a``: an APDU log would hold the card data) and stops it
by its PID at the end.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from devices.sscard import pcscd
from devices.sscard.reader import SocialSecurityCardReader
from devices.sscard.vcard import SocialSecurityCardApplet, VirtualCardLink

HMAC_KEY = b"test-hall-secret"


@dataclass(frozen=True)
class VpcdSlot:
    """One vpcd slot: the TCP port a virtual card connects to and the reader it shows in."""

    port: int
    reader: str

    @property
    def url(self) -> str:
        return f"pcsc://{self.reader}"


@pytest.fixture(scope="session")
def pcscd_ports():
    """vpcd ports of a running pcscd: the machine's, or one started for this session."""
    if pcscd.pcscd_answers():
        yield pcscd.running_vpcd_ports()
        return
    own = pcscd.PcscdProcess(friendly_name="Yichuang Test PCD")
    own.start()
    try:
        yield own.ports
    finally:
        own.stop()


@pytest.fixture(scope="session")
def vpcd_slot(pcscd_ports) -> VpcdSlot:
    """A free vpcd slot, found by inserting a probe card with a one-off ATR."""
    probe_atr = bytes.fromhex("3B6C0000") + os.urandom(6).hex().upper().encode()
    for port in pcscd_ports:
        link = VirtualCardLink(SocialSecurityCardApplet(), port, atr=probe_atr)
        try:
            link.insert(timeout=1.0)
        except OSError:
            continue
        try:
            reader = pcscd.find_reader_for_atr(probe_atr, timeout=3.0)
        finally:
            link.remove()
        if reader:
            slot = VpcdSlot(port, reader)
            SocialSecurityCardReader(slot.url, hmac_key=HMAC_KEY).wait_for_removal(5.0)
            return slot
    raise RuntimeError(f"no vpcd slot answered on ports {pcscd_ports}")


@pytest.fixture
def card_reader(vpcd_slot):
    reader = SocialSecurityCardReader(vpcd_slot.url, hmac_key=HMAC_KEY)
    yield reader
    reader.close()


@pytest.fixture
def insert_card(vpcd_slot, card_reader):
    """insert_card(applet, remove_after=None) -> the inserted VirtualCardLink.

    Waits until pcscd sees the card; every card is pulled out (and pcscd sees the reader
    empty) when the test ends, so the next test starts with an empty reader.
    """
    links: list[VirtualCardLink] = []

    def insert(applet: SocialSecurityCardApplet, **options) -> VirtualCardLink:
        link = VirtualCardLink(applet, vpcd_slot.port, **options)
        link.insert()
        links.append(link)
        assert card_reader.wait_for_card(5.0), "pcscd did not see the virtual card"
        return link

    yield insert
    for link in links:
        link.remove()
    card_reader.wait_for_removal(5.0)
