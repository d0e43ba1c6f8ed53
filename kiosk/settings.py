"""A kiosk's settings from its ``[[device]]`` entry in the hall file, and the hall's key.

    [[device]]
    id = "kiosk-1"
    role = "kiosk"
    idcard = "serial:///dev/ttyUSB0"
    printer = "serial:///dev/ttyS0?baudrate=9600"

Every device is a URL, so a hall engineer swaps a reader or a printer (or points it at a
simulator's pty) without touching code. docs/hall-config.md lists the keys.
"""
from __future__ import annotations

from hall.config import HallConfig
from kiosk.flow import KioskSettings
from kiosk.runtime import DeviceUrls

class KioskConfigError(Exception):
    pass


def kiosk_settings(config: HallConfig, device_id: str, overrides: dict | None = None
                   ) -> tuple[KioskSettings, DeviceUrls, float | None]:
    device = config.devices.get(device_id)
    if device is None:
        raise KioskConfigError(f"{device_id!r} is not a [[device]] of {config.id}; "
                               f"kiosks there: {', '.join(d.id for d in config.devices.values() if d.role == 'kiosk')}")
    if device.role != "kiosk":
        raise KioskConfigError(f"{device_id!r} is a {device.role}, not a kiosk")
    opts = {**device.options, **{k: v for k, v in (overrides or {}).items() if v is not None}}
    unknown = [c for c in opts.get("elderly_services", []) if c not in config.services]
    if unknown:
        raise KioskConfigError(f"device {device_id}: elderly_services names unknown services {unknown}")
    urls = DeviceUrls(opts.get("idcard", ""), opts.get("sscard", ""), opts.get("scanner", ""), opts.get("printer", ""))
    settings = KioskSettings(device=device_id, idle_seconds=float(opts.get("idle_seconds", 60)),
                             manager_pin=str(opts.get("manager_pin", "")),
                             elderly_services=tuple(opts.get("elderly_services", ())),
                             has_printer=bool(urls.printer))
    return settings, urls, opts.get("screen_inches")


def hall_key(config: HallConfig) -> bytes:
    """The hall's secret key for hashing ID numbers (``hall.hallkey``: ``[hall] key_file``, or
    the hall file's name with ``.key``; the same file on every terminal of the hall)."""
    from hall.hallkey import load_hall_key

    return load_hall_key(config)
