"""Shared fixtures for the device tests. Each device's fixtures carry its name as a prefix."""
from __future__ import annotations

import pytest


# -- idcard: the SAM ID card reader simulator on a pseudo-terminal -----------------------------
@pytest.fixture
def idcard_cards():
    """The simulator's fictional cards, one of each kind (fresh objects per test)."""
    from devices.idcard.cards import demo_virtual_cards

    return demo_virtual_cards()


@pytest.fixture
def idcard_sim(tmp_path):
    """Start simulators on ptys, each behind a symlink in tmp_path; all stopped at the end.

    ``idcard_sim(card, baudrate=..., require_lift=...)`` returns a started Simulator whose
    ``path`` (the symlink) survives a stop()/start() like a udev name.
    """
    from devices.idcard.simulator import Simulator

    started = []

    def start(card=None, **options):
        options.setdefault("link", str(tmp_path / f"idcard{len(started)}"))
        sim = Simulator(card, **options)
        sim.start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()


@pytest.fixture
def idcard_reader():
    """Open IdCardReaders with short timeouts for tests; all closed at the end."""
    from devices.idcard.driver import IdCardReader, Timeouts

    readers = []
    quick = Timeouts(command=0.3, find=0.3, read=0.6, read_fingerprint=0.8, detect=0.1)

    def open_reader(url, **options):
        options.setdefault("timeouts", quick)
        options.setdefault("reconnect_interval", 0.0)
        reader = IdCardReader(url, **options)
        readers.append(reader)
        return reader

    yield open_reader
    for reader in readers:
        reader.close()
