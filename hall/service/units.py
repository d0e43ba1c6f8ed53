"""`yichuang units --out DIR`: the systemd units and udev rules of an installed hall.

The unit files under ``systemd/`` are templates with three words filled in here: ``@BIN@`` (the
folder holding the ``yichuang`` command, by default the one running now), ``@ETC@`` (the hall's
configuration folder, default ``/etc/yichuang``) and ``@PREFIX@`` (where the project lives, for
the documentation links). The udev rules give every reader, printer and serial adapter of a
terminal a stable name (``/dev/yc-printer``, ``/dev/yc-idcard`` …): a USB printer-class device
is named by its class; a USB-serial adapter cannot tell what hangs on it, so it is named by the
physical port it is plugged into (``--port idcard=pci-0000:00:14.0-usb-0:2:1.0``, the
``ID_PATH`` that ``udevadm info /dev/ttyUSB0`` prints), which the hall labels on the case.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

SYSTEMD = Path(__file__).resolve().parents[2] / "systemd"
# role -> (udev subsystem, the name under /dev, group that may open it). The names are the ones
# the hall file's device URLs use: a kiosk's idcard/scanner/printer, a keypad bridge's bus
# (keypads), receiver (433 MHz) and ledbars lines.
PORT_ROLES = {
    "idcard": ("tty", "yc-idcard", "dialout"),
    "scanner": ("tty", "yc-scanner", "dialout"),
    "keypad": ("tty", "yc-keypad", "dialout"),
    "receiver": ("tty", "yc-receiver", "dialout"),
    "ledbar": ("tty", "yc-ledbar", "dialout"),
    "printer": ("tty", "yc-printer", "lp"),
    "scanner-hid": ("input", "input/yc-scanner", "input"),
}
USB_PRINTER = "yc-printer"  # a USB printer-class printer (/dev/usb/lpN), named whatever port it is in
ID_PATH = re.compile(r"^[A-Za-z0-9:._-]+$")


def unit_templates() -> list[Path]:
    return sorted([*SYSTEMD.glob("*.service"), *SYSTEMD.glob("*.timer")])


def render_unit(text: str, *, bin_dir: str, etc: str, prefix: str) -> str:
    return text.replace("@BIN@", bin_dir).replace("@ETC@", etc).replace("@PREFIX@", prefix)


def udev_rules(ports: dict[str, str]) -> str:
    """The rules file: the USB printer class always; each serial/HID role by its port's ID_PATH."""
    lines = [
        "# Yichuang: stable names for a terminal's devices (written by `yichuang units`).",
        "# A USB printer-class receipt printer (ESC/POS over /dev/usb/lpN):",
        f'SUBSYSTEM=="usbmisc", KERNEL=="lp[0-9]*", SYMLINK+="{USB_PRINTER}", GROUP="lp", MODE="0660"',
        "# PC/SC readers (social-security card) need no node: pcscd finds them.",
    ]
    for role, id_path in sorted(ports.items()):
        subsystem, name, group = PORT_ROLES[role]
        lines.append(f"# {role}: the device plugged into USB port {id_path}")
        lines.append(f'SUBSYSTEM=="{subsystem}", ENV{{ID_PATH}}=="{id_path}", SYMLINK+="{name}", '
                     f'GROUP="{group}", MODE="0660"')
    return "\n".join(lines) + "\n"


def parse_ports(pairs: list[str]) -> dict[str, str]:
    """``["idcard=pci-…"]`` -> ``{"idcard": "pci-…"}``; ValueError names the bad pair."""
    ports: dict[str, str] = {}
    for pair in pairs:
        role, sep, id_path = pair.partition("=")
        if not sep or role not in PORT_ROLES:
            raise ValueError(f"--port {pair!r}: want ROLE=ID_PATH, ROLE one of {', '.join(PORT_ROLES)}")
        if not ID_PATH.match(id_path):
            raise ValueError(f"--port {pair!r}: an ID_PATH has letters, digits and : . _ - only")
        ports[role] = id_path
    return ports


def write(out: Path, *, bin_dir: str, etc: str, prefix: str, ports: dict[str, str]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for template in unit_templates():
        target = out / template.name
        target.write_text(render_unit(template.read_text(), bin_dir=bin_dir, etc=etc, prefix=prefix))
        written.append(target)
    rules = out / "99-yichuang.rules"
    rules.write_text(udev_rules(ports))
    written.append(rules)
    return written


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="yichuang units", description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, help="folder to write the units and rules into")
    p.add_argument("--bin", default=str(Path(sys.argv[0]).resolve().parent),
                   help="folder of the yichuang command (default: this one's)")
    p.add_argument("--etc", default="/etc/yichuang", help="the hall's configuration folder")
    p.add_argument("--prefix", default=str(SYSTEMD.parent), help="where the project is installed")
    p.add_argument("--port", action="append", default=[], metavar="ROLE=ID_PATH",
                   help=f"name a USB port's device (roles: {', '.join(PORT_ROLES)})")
    args = p.parse_args(argv)
    try:
        ports = parse_ports(args.port)
    except ValueError as err:
        print(f"yichuang units: {err}", file=sys.stderr)
        return 2
    for path in write(Path(args.out), bin_dir=args.bin, etc=args.etc, prefix=args.prefix, ports=ports):
        print(path)
    print("install (docs/appliance.md): cp *.service *.timer /etc/systemd/system/ && "
          "cp 99-yichuang.rules /etc/udev/rules.d/ && systemctl daemon-reload && udevadm control --reload && "
          "udevadm trigger", file=sys.stderr)
    return 0
