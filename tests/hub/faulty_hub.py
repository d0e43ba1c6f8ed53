"""`yichuang hub` with a fault planted in it, for tests/hub/test_poison.py only.

It lives in tests/ and is run as a script by that test: nothing in the hall imports it, so
it ships in no appliance. A request whose ``reason`` is ``MARK`` makes the hub fail inside,
the way a bug of its own would, as ``YC_TEST_FAULT`` says:

- ``segv``: a real segmentation fault in the engine (``faulthandler._sigsegv``);
- ``exit``: the process vanishes without a trace (``os._exit``), like the OOM killer's kill;
- ``hang``: the engine sleeps, so a test can kill -9 the hub while it holds the request;
- ``raise``: an exception where no handler of the hub expects one (in reading the request),
  which only the last guard at the request boundary catches.
"""
from __future__ import annotations

import faulthandler
import os
import sys
import time

from hall.engine import Engine
from hall.service import hub
from hall.service.main import main

MARK = "fault planted by tests/hub/faulty_hub.py"
MODE = os.environ.get("YC_TEST_FAULT", "")


def _planted(command) -> bool:
    return isinstance(command, dict) and command.get("reason") == MARK


_handle = Engine.handle


def handle(self, state, command, now, **options):
    if _planted(command):
        if MODE == "segv":
            faulthandler._sigsegv()
        elif MODE == "exit":
            os._exit(70)
        elif MODE == "hang":
            time.sleep(600)
    return _handle(self, state, command, now, **options)


_parse = hub.parse_request


def parse_request(payload: bytes):
    if MODE == "raise" and MARK.encode() in payload:
        raise RuntimeError("a fault planted by the test")
    return _parse(payload)


Engine.handle = handle
hub.parse_request = parse_request

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
