"""The hall file's wiring of the window hardware: which keypad (YC-485 bus address), 433 MHz
button (EV1527 transmitter id) and LED bar (YC-LED address) belongs to which window, and a
keypad bridge's RF keys. Checked here for ``hall.config``; docs/hall-config.md and
docs/caller.md describe the keys.
"""
from __future__ import annotations


WIRING_KEYS = ("bus", "receiver", "ledbars", "rf_keys")
RF_VERBS = ("call_next", "recall", "start", "no_show", "hold", "finish", "pause", "resume")


def window_wiring(c, w: dict, where: str) -> dict:
    """A window's keypad address, 433 MHz transmitter id (hex) and LED bar address."""
    out = {}
    for key in ("keypad", "ledbar"):
        if key in w:
            if not 1 <= w[key] <= 254:
                c.fail(f"{where}.{key}", "a bus address is 1-254")
            else:
                out[key] = w[key]
    if "remote" in w:
        try:
            value = int(w["remote"], 16)
            if not 0 <= value <= 0xFFFFF:
                raise ValueError
            out["remote"] = value
        except ValueError:
            c.fail(f"{where}.remote", "an EV1527 transmitter id is 1-5 hex digits (e.g. \"A1B2C\")")
    return out


def rf_keys(c, table: dict, where: str) -> tuple[tuple[int, str], ...]:
    """``rf_keys = {"1" = "call_next", …}``: EV1527 key bits (hex 1-F) → verb."""
    out = []
    for bits, verb in table.items():
        try:
            value = int(bits, 16)
            if not 1 <= value <= 0xF:
                raise ValueError
        except ValueError:
            c.fail(f"{where}.rf_keys.{bits}", "key bits are one hex digit 1-F")
            continue
        if verb not in RF_VERBS:
            c.fail(f"{where}.rf_keys.{bits}", f"{verb!r} is not one of {', '.join(RF_VERBS)}")
            continue
        out.append((value, verb))
    return tuple(sorted(out))


def check_unique_wiring(c, windows: dict) -> None:
    """One keypad, one button, one bar per address."""
    for key in ("keypad", "remote", "ledbar"):
        seen: dict = {}
        for w in windows.values():
            value = getattr(w, key)
            if value is not None and seen.setdefault(value, w.id) != w.id:
                c.fail(f"window[{w.id}].{key}", f"window {seen[value]} already has {key} {value}")
