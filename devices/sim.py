"""`yichuang sim DEVICE …`: run a device simulator, usually on a pseudo-terminal, so a
kiosk or caller can be demonstrated with no hardware.

Each device package provides ``devices/<kind>/simulator.py`` with ``run(argv) -> int``
(its own argparse; ``--help`` lists its options). This module only dispatches.
"""
from __future__ import annotations

import importlib
import sys

SIMULATORS = {
    "idcard": ("devices.idcard.simulator", "resident ID card reader (SAM, GA 467 frames)"),
    "sscard": ("devices.sscard.simulator", "social-security card on a virtual PC/SC reader"),
    "scanner": ("devices.scanner.simulator", "QR / barcode scanner in serial line mode"),
    "printer": ("devices.printer.simulator", "ESC/POS ticket printer"),
    "keypad": ("devices.keypad.simulator", "RS-485 counter keypad / 433 MHz receiver"),
    "ledbar": ("devices.ledbar.simulator", "window LED bar"),
    "panel": ("devices.panel.main", "the demo's window of the kiosk's reader, scanner and printer (模拟设备)"),
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in SIMULATORS:
        print("usage: yichuang sim DEVICE [options]\n\ndevices:")
        for name, (_, what) in SIMULATORS.items():
            print(f"  {name:<8} {what}")
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    module = importlib.import_module(SIMULATORS[argv[0]][0])
    return module.run(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
