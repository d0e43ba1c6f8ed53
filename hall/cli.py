"""The `yichuang` command. Each subcommand lives in its own module with ``main(argv) -> int``;
this file only lists them, so adding a command touches one line here."""
from __future__ import annotations

import importlib
import sys

COMMANDS = {
    "config": ("hall.config_cli", "check a hall file: `yichuang config check FILE`"),
    "replay": ("hall.replay", "apply JSON-lines commands from stdin through the store"),
    "demo": ("hall.demo", "run the township hall on the local MQTT broker (or its own), with instructions"),
    "hub": ("hall.service.main", "run the hall hub on an MQTT broker"),
    "broker": ("hall.service.broker", "run the embedded MQTT broker (amqtt)"),
    "mosquitto-config": ("hall.service.mosquitto_config", "write Mosquitto accounts and ACL for a hall"),
    "simulate": ("hall.simulation.main", "simulate whole days of a hall with the real engine"),
    "sim": ("devices.sim", "run a device simulator (ID card reader, printer, keypad, …)"),
    "caller": ("caller.main", "the soft caller on a window PC: `yichuang caller --config F --device caller-3`"),
    "keypad-bridge": ("caller.bridge_main", "hardware keypads, 433 MHz buttons and LED bars on the bus"),
    "staff-pin": ("hall.pin", "make the PIN hash of a [[staff]] entry for the hall file"),
    "web": ("hall.web.main", "the hall's web: citizen ticket pages, the manager's dashboard"),
    "web-password": ("hall.web.accounts", "make an Argon2 hash for an [[account]] of the hall's web"),
    "report": ("hall.web.report", "a day's or a month's figures as an XLSX workbook and a PNG chart"),
    "appointments": ("hall.appointments", "import the hall's bookings: `yichuang appointments import FILE`"),
    "kiosk": ("kiosk.main", "run the kiosk (取号机) of a hall file's [[device]]"),
    "units": ("hall.service.units", "write the systemd units and udev rules of an installed hall"),
    "backup": ("hall.backup", "online backup of the hall database, keeping the newest N"),
    "restore": ("hall.backup:restore_main", "put a backup in place of a damaged hall database"),
    "provision": ("hall.service.provision", "accounts, TLS certificates and terminal files for every device"),
    "bridge-config": ("hall.service.bridge", "the hall broker's bridge to the county broker"),
    "county": ("county.main", "the county supervisor: every hall's events into PostgreSQL, live"),
    "county-broker-config": ("county.broker_config", "the county broker's TLS listener, hall accounts and ACL"),
    "board": ("display.cli_board", "the hall board (综合屏), with the call announcer"),
    "window-screen": ("display.cli_window_screen", "the screen above a window (窗口屏)"),
    "voice": ("display.voice_main", "the call announcer (叫号语音) alone"),
}


def usage() -> str:
    lines = ["usage: yichuang COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<17} {what}" for name, (_, what) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    if argv[0] not in COMMANDS:
        print(f"yichuang: unknown command {argv[0]!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module_name, _, function = COMMANDS[argv[0]][0].partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, function or "main")(argv[1:]) or 0


if __name__ == "__main__":
    sys.exit(main())
