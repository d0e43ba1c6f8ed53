"""The udev rules of `yichuang units`, applied by udev itself: `udevadm test` on USB devices that
umockdev makes up (a USB-serial adapter in each port the hall names, a USB printer-class printer,
a scanner that is a USB keyboard), with Debian's own rules computing ID_PATH from the mocked sysfs.
It runs in a mount namespace with a /dev and /run of its own, so the links udev makes are real
files there and nothing of this machine changes. And the names agree: every /dev/yc-* that the
hall file's device URLs and the units use is one the rules make.

(`udevadm verify` came with systemd 254; Debian 12 has 252, so the rules are checked by use.)
"""
from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from hall.service import units

ROOT = Path(__file__).resolve().parents[2]
TOWNSHIP = ROOT / "config" / "halls" / "township.toml"
CONTROLLER = "/devices/pci0000:00/0000:00:14.0/usb1"
SERIAL_ROLES = sorted(role for role, (subsystem, _, _) in units.PORT_ROLES.items() if subsystem == "tty")
PORT_OF = {role: port for port, role in enumerate([*SERIAL_ROLES, "scanner-hid"], start=2)}


# the xHCI controller and its root hub, parents of every mocked device: path_id starts there
HOST = [
    f"P: {CONTROLLER}", "N: bus/usb/001/001", "E: DEVNAME=/dev/bus/usb/001/001", "E: DEVTYPE=usb_device",
    "E: DRIVER=usb", "E: SUBSYSTEM=usb", "E: MAJOR=189", "E: MINOR=0", "A: dev=189:0\\n", "A: busnum=1\\n",
    "A: devnum=1\\n", "A: idVendor=1d6b\\n", "A: idProduct=0002\\n", "",
    "P: /devices/pci0000:00/0000:00:14.0", "E: DRIVER=xhci_hcd", "E: PCI_SLOT_NAME=0000:00:14.0",
    "E: SUBSYSTEM=pci", "A: class=0x0c0330\\n", "A: vendor=0x8086\\n", "A: device=0x9d2f\\n", "",
]


def id_path(port: int) -> str:
    return f"pci-0000:00:14.0-usb-0:{port}:1.0"


def usb_device(port: int, vendor: str, product: str, driver: str) -> list[str]:
    """The USB device in root-hub port ``port`` and its interface 0 (what path_id walks)."""
    base = f"{CONTROLLER}/1-{port}"
    return [
        f"P: {base}/1-{port}:1.0", "E: DEVTYPE=usb_interface", f"E: DRIVER={driver}", "E: SUBSYSTEM=usb",
        "A: bInterfaceNumber=00\\n", "A: bInterfaceClass=ff\\n", "",
        f"P: {base}", f"N: bus/usb/001/{port:03d}", f"E: DEVNAME=/dev/bus/usb/001/{port:03d}",
        "E: DEVTYPE=usb_device", "E: DRIVER=usb", "E: SUBSYSTEM=usb", f"E: MAJOR=189", f"E: MINOR={port}",
        f"A: dev=189:{port}\\n", "A: busnum=1\\n", f"A: devnum={port}\\n", f"A: idVendor={vendor}\\n",
        f"A: idProduct={product}\\n", "A: manufacturer=Yichuang test\\n", f"A: product=port {port}\\n",
        f"A: serial=YC{port:04d}\\n", "",
    ]


def serial_adapter(port: int, tty: int) -> list[str]:
    """An FTDI USB-serial adapter: /dev/ttyUSB<tty> (ID card reader, keypad bus, LED bars ...)."""
    base = f"{CONTROLLER}/1-{port}/1-{port}:1.0/ttyUSB{tty}"
    return [
        f"P: {base}/tty/ttyUSB{tty}", f"N: ttyUSB{tty}", f"E: DEVNAME=/dev/ttyUSB{tty}", "E: MAJOR=188",
        f"E: MINOR={tty}", "E: SUBSYSTEM=tty", f"A: dev=188:{tty}\\n", "",
        f"P: {base}", "E: DRIVER=ftdi_sio", "E: SUBSYSTEM=usb-serial", "A: port_number=0\\n", "",
        *usb_device(port, "0403", "6001", "ftdi_sio"),
    ]


def printer_class(port: int) -> list[str]:
    """A USB printer-class receipt printer: /dev/usb/lp0."""
    return [
        f"P: {CONTROLLER}/1-{port}/1-{port}:1.0/usbmisc/lp0", "N: usb/lp0", "E: DEVNAME=/dev/usb/lp0",
        "E: MAJOR=180", "E: MINOR=0", "E: SUBSYSTEM=usbmisc", "A: dev=180:0\\n", "",
        *usb_device(port, "0fe6", "811e", "usblp"),
    ]


def keyboard_scanner(port: int) -> list[str]:
    """A QR scanner that is a USB keyboard: /dev/input/event5."""
    hid = f"{CONTROLLER}/1-{port}/1-{port}:1.0/0003:05E0:1200.0001"
    return [
        f"P: {hid}/input/input5/event5", "N: input/event5", "E: DEVNAME=/dev/input/event5", "E: MAJOR=13",
        "E: MINOR=69", "E: SUBSYSTEM=input", "E: ID_INPUT=1", "E: ID_INPUT_KEYBOARD=1", "A: dev=13:69\\n", "",
        f"P: {hid}/input/input5", "E: SUBSYSTEM=input", "E: PRODUCT=3/5e0/1200/110", "A: name=Scanner\\n", "",
        f"P: {hid}", "E: DRIVER=hid-generic", "E: SUBSYSTEM=hid", "E: HID_ID=0003:000005E0:00001200", "",
        *usb_device(port, "05e0", "1200", "usbhid"),
    ]


# In a private mount namespace: a /dev with only the basic nodes and a fresh devpts (umockdev
# makes its ttys on ptys), an empty /run for udev's database, and our rules as /etc/udev/rules.d.
IN_NAMESPACE = r"""
set -e
dev=$(mktemp -d)
mount -t tmpfs tmpfs "$dev"
for n in null zero full random urandom tty; do touch "$dev/$n"; mount --bind "/dev/$n" "$dev/$n"; done
mkdir "$dev/pts"; mount -t devpts -o newinstance,ptmxmode=0666 devpts "$dev/pts"; ln -s pts/ptmx "$dev/ptmx"
ln -s /proc/self/fd "$dev/fd"
mount --rbind "$dev" /dev
mount -t tmpfs tmpfs /run
mount --bind "$RULES" /etc/udev/rules.d
umockdev-run -d "$MOCK" -- sh -c 'for d in "$@"; do udevadm test --action=add "$d" 2>&1 | grep -E "^(DEVNAME|DEVLINKS)=" || echo "FAILED $d"; done' sh "$@"
find /dev -name 'yc-*' -printf 'LINK %p -> %l\n'
"""


def udev_links(tmp: Path, mock: list[str], sysfs: list[str], rules: Path) -> tuple[dict[str, set[str]], str]:
    """Run udev on the mocked devices: {device node: its links} and the /dev/yc-* links made."""
    (tmp / "devices.umockdev").write_text("\n".join([*mock, *HOST]) + "\n")
    out = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", IN_NAMESPACE, "sh", *sysfs],
                         env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "RULES": str(rules),
                              "MOCK": str(tmp / "devices.umockdev")}, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "FAILED" not in out.stdout, out.stdout + out.stderr
    links: dict[str, set[str]] = {}
    for name, devlinks in re.findall(r"^DEVNAME=(\S+)\nDEVLINKS=(.*)$", out.stdout, re.M):
        links[name] = set(devlinks.split())
    return links, out.stdout


def render_rules(tmp: Path, ports: dict[str, str]) -> Path:
    out = tmp / "units"
    subprocess.run([sys.executable, "-m", "hall.cli", "units", "--out", str(out),
                    *[f"--port={role}={path}" for role, path in ports.items()]],
                   cwd=ROOT, check=True, capture_output=True)
    rules = tmp / "rules.d"
    rules.mkdir()
    (rules / "99-yichuang.rules").write_text((out / "99-yichuang.rules").read_text())
    return rules


def hall_file_names() -> set[str]:
    """The /dev/yc-* names the township hall's device URLs use."""
    hall = tomllib.loads(TOWNSHIP.read_text())
    return {name for device in hall["device"] for value in device.values() if isinstance(value, str)
            for name in re.findall(r"/dev/(yc-[\w-]+)", value)}


def unit_names() -> set[str]:
    """The /dev/yc-* devices the units order themselves after (systemd's dev-yc\\x2d….device)."""
    return {"yc-" + m for t in units.unit_templates() for m in re.findall(r"dev-yc\\x2d([\w-]+)\.device", t.read_text())}


def test_each_device_kind_of_the_hall_gets_its_stable_name_from_udev(tmp_path):
    rules = render_rules(tmp_path, {role: id_path(port) for role, port in PORT_OF.items()})
    mock, sysfs = [], []
    for tty, role in enumerate(SERIAL_ROLES):
        mock += serial_adapter(PORT_OF[role], tty)
        sysfs.append(f"/sys/class/tty/ttyUSB{tty}")
    mock += keyboard_scanner(PORT_OF["scanner-hid"])
    sysfs.append("/sys/class/input/event5")
    # an adapter in a port the hall did not name gets no yc- name
    mock += serial_adapter(20, 9)
    sysfs.append("/sys/class/tty/ttyUSB9")
    links, printed = udev_links(tmp_path, mock, sysfs, rules)
    print(printed)
    for tty, role in enumerate(SERIAL_ROLES):
        name = units.PORT_ROLES[role][1]
        assert f"/dev/{name}" in links[f"/dev/ttyUSB{tty}"], (role, links)
        assert f"LINK /dev/{name} -> ttyUSB{tty}" in printed  # the link itself, made by udev
    assert "/dev/input/yc-scanner" in links["/dev/input/event5"], links
    assert not any("yc-" in link for link in links["/dev/ttyUSB9"]), links
    made = {link.removeprefix("/dev/") for node in links.values() for link in node if "/yc-" in link}

    # the names agree: the hall file's device URLs and the units use only names the rules make,
    # and each serial role's name is used by the hall file
    assert hall_file_names() <= made, (hall_file_names(), made)
    assert unit_names() <= made, unit_names()
    assert {units.PORT_ROLES[role][1] for role in SERIAL_ROLES} <= hall_file_names() | {units.USB_PRINTER}


def test_a_usb_printer_class_printer_is_yc_printer_in_any_port(tmp_path):
    rules = render_rules(tmp_path, {})
    links, printed = udev_links(tmp_path, printer_class(7), [f"{CONTROLLER}/1-7/1-7:1.0/usbmisc/lp0"], rules)
    assert f"/dev/{units.USB_PRINTER}" in links["/dev/usb/lp0"], printed
    assert f"LINK /dev/{units.USB_PRINTER} -> usb/lp0" in printed
