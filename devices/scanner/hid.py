"""A scanner in USB HID keyboard mode ("HID-KBW"), read through evdev with an exclusive grab.

The scanner types each code as key presses followed by Enter. Grabbing the input device
(``EVIOCGRAB``) keeps those keystrokes out of X and the Kivy window. The key events are
decoded here by :class:`KeyDecoder` (US layout, Shift and Caps Lock), which needs no evdev;
python-evdev (an optional dependency) is imported only when a device is opened.

Keyboard mode cannot carry Chinese reliably: configure scanners as USB-CDC (serial) in
production and keep this as the fallback.
"""
from __future__ import annotations

import logging
import threading
import time
from urllib.parse import parse_qs, urlsplit

from devices.errors import device_error
from devices.scanner.codec import DEFAULT_MAX_LENGTH, TOO_LONG, UNREADABLE, Payload

log = logging.getLogger(__name__)

EV_KEY = 1
KEY_UP, KEY_DOWN, KEY_HOLD = 0, 1, 2
KEY_ENTER, KEY_KPENTER = 28, 96
KEY_LEFTSHIFT, KEY_RIGHTSHIFT, KEY_CAPSLOCK = 42, 54, 58
_MODIFIERS = {29, 97, 56, 100, 125, 126}  # Ctrl, Alt, Meta: held, never typed

# Linux input key code -> (character, character with Shift), US layout.
_ROWS = {
    2: "1!", 3: "2@", 4: "3#", 5: "4$", 6: "5%", 7: "6^", 8: "7&", 9: "8*", 10: "9(", 11: "0)",
    12: "-_", 13: "=+", 15: "\t\t", 26: "[{", 27: "]}", 39: ";:", 40: "'\"", 41: "`~", 43: "\\|",
    51: ",<", 52: ".>", 53: "/?", 57: "  ",
    55: "**", 71: "77", 72: "88", 73: "99", 74: "--", 75: "44", 76: "55", 77: "66",
    78: "++", 79: "11", 80: "22", 81: "33", 82: "00", 83: "..", 98: "//",
}
_LETTERS = dict(zip([16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 30, 31, 32, 33, 34, 35, 36, 37, 38,
                     44, 45, 46, 47, 48, 49, 50], "qwertyuiopasdfghjklzxcvbnm"))


class KeyDecoder:
    """EV_KEY events -> typed text; Enter ends a payload.

    ``feed(code, value)`` takes one key event (value 1 down, 0 up, 2 auto-repeat) and
    returns a :class:`Payload` when Enter completes one, else None. A key with no
    character (F-keys, arrows…) makes the payload unreadable rather than silently wrong.
    """

    def __init__(self, max_length: int = DEFAULT_MAX_LENGTH) -> None:
        self.max_length = max_length
        self._shift: set[int] = set()
        self._caps = False
        self._chars: list[str] = []
        self._unmapped: list[int] = []

    def feed(self, code: int, value: int) -> Payload | None:
        if code in (KEY_LEFTSHIFT, KEY_RIGHTSHIFT):
            (self._shift.add if value else self._shift.discard)(code)
            return None
        if value == KEY_UP or code in _MODIFIERS:
            return None
        if code == KEY_CAPSLOCK:
            self._caps = not self._caps
            return None
        if code in (KEY_ENTER, KEY_KPENTER):
            return self._finish()
        shifted = bool(self._shift)
        if code in _LETTERS:
            char = _LETTERS[code]
            self._chars.append(char.upper() if shifted != self._caps else char)
        elif code in _ROWS:
            self._chars.append(_ROWS[code][1 if shifted else 0])
        else:
            self._unmapped.append(code)
        if len(self._chars) > self.max_length:
            self._chars, self._unmapped = [], []
            return Payload(raw=b"", error=device_error(TOO_LONG, "keyboard input without Enter"))
        return None

    def _finish(self) -> Payload | None:
        text, unmapped = "".join(self._chars), self._unmapped
        self._chars, self._unmapped = [], []
        if unmapped:
            return Payload(raw=text.encode(), error=device_error(
                UNREADABLE, f"keys without a character: {sorted(set(unmapped))}"))
        if not text:
            return None  # a bare Enter
        return Payload(raw=text.encode(), text=text, encoding="hid")


def parse_hid_url(url: str) -> tuple[str | None, str | None]:
    """``hid:///dev/input/event3`` -> (path, None); ``hid://?name=Scanner`` -> (None, name)."""
    parts = urlsplit(url)
    if parts.scheme != "hid":
        raise ValueError(f"a keyboard-mode scanner URL starts with hid://, not {url!r}")
    name = parse_qs(parts.query).get("name", [None])[0]
    path = parts.path or None
    if not path and not name:
        raise ValueError("hid:// needs a device path or ?name=")
    return path, name


HID_UNAVAILABLE = ("scanner_unavailable", "扫码器未连接，请联系工作人员",
                   "keyboard-mode scanner cannot be opened")


class HidScanner:
    """Reads a keyboard-mode scanner with an exclusive grab; reopens it when it comes back.

    ``read(timeout)`` returns the next Payload, None on timeout, or raises DeviceError
    (``scanner_unavailable``) when the device is missing, evdev is not installed, or the
    grab is refused; the next call tries again.
    """

    def __init__(self, url: str, *, max_length: int = DEFAULT_MAX_LENGTH) -> None:
        self.path, self.name = parse_hid_url(url)
        self.decoder = KeyDecoder(max_length)
        self._device = None
        self._ready: list[Payload] = []  # payloads decoded from one batch of events
        self._lock = threading.Lock()

    def _find(self, evdev) -> str:
        if self.path:
            return self.path
        for path in evdev.list_devices():
            device = evdev.InputDevice(path)
            try:
                if self.name and self.name.lower() in device.name.lower():
                    return path
            finally:
                device.close()
        raise device_error(HID_UNAVAILABLE, f"no input device named like {self.name!r}")

    def open(self) -> None:
        try:
            import evdev  # optional: pip install evdev
        except ImportError as exc:
            raise device_error(HID_UNAVAILABLE, f"python-evdev is not installed: {exc}") from exc
        path = self._find(evdev)
        try:
            device = evdev.InputDevice(path)
            device.grab()  # EVIOCGRAB: keystrokes no longer reach X or Kivy
        except OSError as exc:
            raise device_error(HID_UNAVAILABLE, f"{path}: {exc}") from exc
        self._device = device
        log.info("keyboard-mode scanner %s grabbed", path)

    def read(self, timeout: float) -> Payload | None:
        import select

        with self._lock:
            if self._device is None:
                self.open()
            deadline = time.monotonic() + timeout
            while not self._ready:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                try:
                    ready, _, _ = select.select([self._device.fd], [], [], left)
                    events = list(self._device.read()) if ready else []
                except OSError as exc:  # unplugged: ENODEV
                    self.close()
                    raise device_error(HID_UNAVAILABLE, f"device lost: {exc}") from exc
                for event in events:
                    if event.type == EV_KEY:
                        payload = self.decoder.feed(event.code, event.value)
                        if payload is not None:
                            self._ready.append(payload)
            return self._ready.pop(0)

    def close(self) -> None:
        device, self._device = self._device, None
        if device is not None:
            try:
                device.ungrab()
            except OSError:
                pass
            device.close()
