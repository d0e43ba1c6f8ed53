"""A virtual 社会保障卡 that plugs into pcscd through the vsmartcard ``vpcd`` driver.

Two parts:

- :class:`SocialSecurityCardApplet` answers command APDUs the way a card does (SELECT the
  SSSE application, SELECT EF05/EF06, READ RECORD by tag, GET RESPONSE, VERIFY). It can
  answer T=0 style (``61 xx`` after SELECT, ``6C xx`` for a wrong Le) and can demand a PIN
  before EF06 is read (``69 82``), as some regions' cards do.
- :class:`VirtualCardLink` is the TCP client vpcd waits for. Each message either way is a
  2-byte big-endian length and a payload. A 1-byte payload from vpcd is control: ``00``
  power off, ``01`` power on, ``02`` reset, ``04`` send the ATR (answered with the ATR);
  anything longer is a C-APDU, answered with the R-APDU. Connecting the link is inserting
  the card; closing it is pulling the card out.
"""
from __future__ import annotations

import logging
import socket
import struct
import threading
from dataclasses import dataclass, field

from devices.sscard import codec

log = logging.getLogger(__name__)

# An ATR announcing T=0 only (TS 3B, T0 6C: TB1 TC1 present, 12 historical bytes).
DEFAULT_ATR = bytes.fromhex("3B6C0000") + b"YICHUANG-SSC"

CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0, 1, 2, 4


@dataclass
class CardData:
    """What a demo card carries. The defaults are fictional (GB 11643's sample number)."""

    id_number: str = "11010519491231002X"
    name: str = "王小明"
    gender: str = "1"
    nation: str = "01"
    birth_place: str = "110105"
    birth_date: str = "19491231"
    card_id: str = "110100D156000005" + "0001020304050607"
    card_type: str = "3"
    spec_version: str = "3.00"
    issuer_id: str = "110100D15600000500000001"
    issue_date: str = "20200115"
    expiry_date: str = "20300115"
    card_number: str = "A00000001"
    name_length: int = 30  # some cards pad 姓名 to another length: a T=0 reader then gets 6Cxx

    def files(self) -> dict[int, dict[int, bytes]]:
        """The values of EF05 and EF06 by tag, as the chip stores them."""
        c = codec
        return {
            c.EF05: {
                c.CARD_ID: bytes.fromhex(self.card_id),
                c.CARD_TYPE: self.card_type.encode("ascii"),
                c.SPEC_VERSION: self.spec_version.encode("ascii"),
                c.ISSUER_ID: bytes.fromhex(self.issuer_id),
                c.ISSUE_DATE: c.bcd_encode(self.issue_date, 4),
                c.EXPIRY_DATE: c.bcd_encode(self.expiry_date, 4),
                c.CARD_NUMBER: c.text_encode(self.card_number, 9),
            },
            c.EF06: {
                c.ID_NUMBER: c.text_encode(self.id_number, 18),
                c.NAME: c.text_encode(self.name, self.name_length, "gbk"),
                c.GENDER: self.gender.encode("ascii"),
                c.NATION: bytes.fromhex(self.nation),
                c.BIRTH_PLACE: c.bcd_encode(self.birth_place, 3),
                c.BIRTH_DATE: c.bcd_encode(self.birth_date, 4),
            },
        }

    def __repr__(self) -> str:  # never the clear ID number or name
        return (f"CardData(id={codec.mask_id(self.id_number)}, "
                f"name={codec.mask_name(self.name)})")


@dataclass
class SocialSecurityCardApplet:
    """The card's answers to C-APDUs. Pure state machine: bytes in, bytes out."""

    data: CardData = field(default_factory=CardData)
    t0: bool = False  # answer 61xx after SELECT and 6Cxx for a wrong Le
    pin: str | None = None  # when set, EF06 answers 6982 until VERIFY succeeds
    pin_tries: int = 3
    files: dict = field(init=False)
    _app: bool = field(init=False, default=False)
    _ef: int | None = field(init=False, default=None)
    _verified: bool = field(init=False, default=False)
    _pending: bytes = field(init=False, default=b"")

    def __post_init__(self) -> None:
        self.files = self.data.files()

    def reset(self) -> None:
        """Power off / reset: the selection and the PIN state are lost."""
        self._app, self._ef, self._verified, self._pending = False, None, False, b""

    def process(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return b"\x67\x00"
        cla, ins, p1, p2 = apdu[:4]
        if cla != 0x00:
            return b"\x6E\x00"
        handler = {0xA4: self._select, 0xB2: self._read_record, 0xC0: self._get_response,
                   0x20: self._verify}.get(ins)
        if handler is None:
            return b"\x6D\x00"
        if ins != 0xC0:
            self._pending = b""
        return handler(p1, p2, apdu[4:])

    # --- commands ---

    def _select(self, p1: int, p2: int, body: bytes) -> bytes:
        if not body or len(body) < 1 + body[0]:
            return b"\x67\x00"
        name = body[1 : 1 + body[0]]
        if p1 == 0x04:
            if name != codec.SSSE_AID:
                return b"\x6A\x82"
            self._app, self._ef = True, None
            fci = b"\x6F" + bytes([len(name) + 2]) + b"\x84" + bytes([len(name)]) + name
            return self._answer_select(fci)
        if p1 in (0x00, 0x02) and len(name) == 2:
            fid = int.from_bytes(name, "big")
            if not self._app or fid not in self.files:
                return b"\x6A\x82"
            self._ef = fid
            return self._answer_select(b"\x62\x04\x83\x02" + name)
        return b"\x6A\x86"

    def _answer_select(self, fci: bytes) -> bytes:
        if self.t0:  # T=0: the FCI waits for GET RESPONSE
            self._pending = fci
            return bytes([0x61, len(fci)])
        return fci + b"\x90\x00"

    def _read_record(self, p1: int, p2: int, body: bytes) -> bytes:
        if self._ef is None:
            return b"\x69\x86"  # no current EF
        if p2 != 0x00:
            return b"\x6A\x86"
        if self._ef == codec.EF06 and self.pin is not None and not self._verified:
            return b"\x69\x82"
        value = self.files[self._ef].get(p1)
        if value is None:
            return b"\x6A\x83"
        answer = codec.record(p1, value)
        le = body[0] if len(body) == 1 else 0
        if le != len(answer) and (self.t0 or le != 0):
            return bytes([0x6C, len(answer)])
        return answer + b"\x90\x00"

    def _get_response(self, p1: int, p2: int, body: bytes) -> bytes:
        if not self._pending:
            return b"\x69\x85"
        le = body[0] if body else 0
        out, self._pending = self._pending[: le or 256], self._pending[le or 256 :]
        if self._pending:
            return out + bytes([0x61, len(self._pending) & 0xFF])
        return out + b"\x90\x00"

    def _verify(self, p1: int, p2: int, body: bytes) -> bytes:
        if self.pin is None:
            return b"\x90\x00"
        if self.pin_tries <= 0:
            return b"\x69\x83"
        if not body or len(body) < 1 + body[0]:
            return b"\x67\x00"
        given = body[1 : 1 + body[0]].hex().upper().rstrip("F")
        if given == self.pin:
            self._verified, self.pin_tries = True, 3
            return b"\x90\x00"
        self.pin_tries -= 1
        return bytes([0x63, 0xC0 | self.pin_tries]) if self.pin_tries else b"\x69\x83"


class VirtualCardLink:
    """Connects an applet to vpcd (pcscd's virtual reader slot) and serves it on a thread.

    ``insert()`` connects (the card appears in the reader), ``remove()`` closes the
    connection (the card is pulled out). ``remove_after`` pulls the card out on its own
    after that many APDUs, to test a card taken away in the middle of a read.
    """

    def __init__(self, applet: SocialSecurityCardApplet, port: int, *,
                 host: str = "127.0.0.1", atr: bytes = DEFAULT_ATR,
                 remove_after: int | None = None) -> None:
        self.applet, self.host, self.port, self.atr = applet, host, port, atr
        self.remove_after = remove_after
        self.apdu_count = 0
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def inserted(self) -> bool:
        return self._sock is not None

    def insert(self, timeout: float = 3.0) -> None:
        """Connect to vpcd; raises OSError if nothing listens on the port."""
        with self._lock:
            if self._sock is not None:
                return
            sock = socket.create_connection((self.host, self.port), timeout=timeout)
            sock.settimeout(None)
            self._sock = sock
            self.applet.reset()
            self._thread = threading.Thread(target=self._serve, args=(sock,),
                                            name=f"vcard:{self.port}", daemon=True)
            self._thread.start()

    def remove(self) -> None:
        """Pull the card out: close the connection and wait for the serving thread."""
        with self._lock:
            sock, self._sock = self._sock, None
            thread, self._thread = self._thread, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)

    def __enter__(self) -> "VirtualCardLink":
        self.insert()
        return self

    def __exit__(self, *exc) -> None:
        self.remove()

    # --- the vpcd conversation ---

    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                payload = _recv_message(sock)
                if payload is None:
                    break
                answer = self.handle(payload)
                if answer is not None:
                    sock.sendall(struct.pack(">H", len(answer)) + answer)
                if self.remove_after is not None and self.apdu_count >= self.remove_after:
                    break
        except OSError as exc:
            log.debug("virtual card link closed: %s", exc)
        if self._sock is sock:  # ended by vpcd or remove_after, not by remove()
            self.remove()

    def handle(self, payload: bytes) -> bytes | None:
        """One vpcd message -> the answer to send back (None for power/reset)."""
        if len(payload) == 1:
            if payload[0] == CTRL_ATR:
                return self.atr
            if payload[0] in (CTRL_OFF, CTRL_ON, CTRL_RESET):
                self.applet.reset()
            return None
        self.apdu_count += 1
        return self.applet.process(payload)


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _recv_message(sock: socket.socket) -> bytes | None:
    head = _recv_exact(sock, 2)
    if head is None:
        return None
    (length,) = struct.unpack(">H", head)
    return _recv_exact(sock, length) if length else b""
