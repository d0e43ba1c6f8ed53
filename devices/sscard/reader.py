"""社会保障卡 reader over PC/SC (pcscd + pyscard), addressed as ``pcsc://<reader name>``.

``pcsc://`` takes the first reader pcscd lists; ``pcsc://Virtual%20PCD%2000%2000`` (or the
name unquoted) takes that reader, and a unique prefix of a name is enough.

Each :meth:`SocialSecurityCardReader.read` connects to the card, selects the SSSE
application, reads EF05 and EF06 by tag and disconnects, so a pulled card, a new card or a
pcscd restart never leaves a stale handle behind: the reader reconnects by itself on the
next call. T=0 cards are handled: ``61 xx`` is followed by GET RESPONSE, ``6C xx`` by the
same command again with Le = xx. Every failure is a :class:`DeviceError` with a Chinese
message; the clear ID number, name and card number never reach a log or a repr.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from devices.errors import DeviceError, device_error
from devices.sscard import codec

log = logging.getLogger(__name__)

NO_SERVICE = ("pcsc_unavailable", "读卡服务未启动，请联系工作人员",
              "pcscd is not running (PC/SC service unavailable)")
NO_READER = ("no_reader", "未检测到社保卡读卡器，请联系工作人员", "no such PC/SC reader")
NO_CARD = ("no_card", "请插入社会保障卡", "no card in the reader")
CARD_REMOVED = ("card_removed", "社保卡已被取出，请重新插入", "the card was removed during the read")
CARD_MUTE = ("card_unreadable", "无法读取此卡，请确认芯片朝向后重新插入",
             "the card did not answer (mute, unpowered or unsupported)")
PCSC_FAILED = ("reader_error", "读卡器通信异常，请重试", "PC/SC call failed")


def parse_url(url: str) -> str:
    """``pcsc://NAME`` -> reader name ('' for the first reader)."""
    parts = urlsplit(url)
    if parts.scheme != "pcsc":
        raise ValueError(f"a social-security card reader URL starts with pcsc://, not {url!r}")
    return unquote(url[len("pcsc://"):]).strip().rstrip("/")


@dataclass(frozen=True)
class SocialSecurityCard:
    """What one read of a 社会保障卡 gives the hall: no clear personal data."""

    reader: str
    atr: str
    info: codec.CardInfo
    holder: codec.CardHolder


class _Pcsc:
    """The few PC/SC calls the reader needs, each turning a failure into a DeviceError."""

    def __init__(self) -> None:
        from smartcard import scard  # optional dependency (extra "card"), imported on use

        self.s = scard
        self.context = None

    def fail(self, hresult: int, what: str) -> DeviceError:
        s = self.s
        detail = f"{what}: {s.SCardGetErrorMessage(hresult)} (0x{hresult & 0xFFFFFFFF:08X})"
        if hresult in (s.SCARD_E_NO_SERVICE, s.SCARD_E_SERVICE_STOPPED,
                       s.SCARD_E_INVALID_HANDLE, s.SCARD_F_COMM_ERROR):
            self.drop()  # re-establish the context on the next call
        kind = {
            s.SCARD_E_NO_SERVICE: NO_SERVICE,
            s.SCARD_E_SERVICE_STOPPED: NO_SERVICE,
            s.SCARD_E_NO_READERS_AVAILABLE: NO_READER,
            s.SCARD_E_UNKNOWN_READER: NO_READER,
            s.SCARD_E_READER_UNAVAILABLE: NO_READER,
            s.SCARD_E_NO_SMARTCARD: NO_CARD,
            s.SCARD_W_REMOVED_CARD: CARD_REMOVED,
            s.SCARD_E_NOT_TRANSACTED: CARD_REMOVED,
            s.SCARD_W_UNRESPONSIVE_CARD: CARD_MUTE,
            s.SCARD_W_UNPOWERED_CARD: CARD_MUTE,
            s.SCARD_W_UNSUPPORTED_CARD: CARD_MUTE,
            s.SCARD_E_PROTO_MISMATCH: CARD_MUTE,
        }.get(hresult, PCSC_FAILED)
        return device_error(kind, detail)

    def ctx(self):
        s = self.s
        if self.context is not None and s.SCardIsValidContext(self.context) != s.SCARD_S_SUCCESS:
            self.drop()
        if self.context is None:
            hresult, context = s.SCardEstablishContext(s.SCARD_SCOPE_USER)
            if hresult != s.SCARD_S_SUCCESS:
                raise self.fail(hresult, "SCardEstablishContext")
            self.context = context
        return self.context

    def drop(self) -> None:
        if self.context is not None:
            try:
                self.s.SCardReleaseContext(self.context)
            except Exception:  # noqa: BLE001 - a dead pcscd may fail this too; nothing to keep
                pass
            self.context = None

    def readers(self) -> list[str]:
        hresult, names = self.s.SCardListReaders(self.ctx(), [])
        if hresult == self.s.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if hresult != self.s.SCARD_S_SUCCESS:
            raise self.fail(hresult, "SCardListReaders")
        return list(names)

    def state(self, reader: str, timeout_ms: int, known: int) -> tuple[int, bytes]:
        """Wait up to ``timeout_ms`` for ``reader`` to leave state ``known``; (state, ATR)."""
        s = self.s
        hresult, states = s.SCardGetStatusChange(self.ctx(), timeout_ms, [(reader, known)])
        if hresult == s.SCARD_E_TIMEOUT:
            return known, b""
        if hresult != s.SCARD_S_SUCCESS:
            raise self.fail(hresult, "SCardGetStatusChange")
        _, event, atr = states[0]
        return event, bytes(atr)

    def connect(self, reader: str):
        s = self.s
        hresult, card, protocol = s.SCardConnect(
            self.ctx(), reader, s.SCARD_SHARE_SHARED, s.SCARD_PROTOCOL_T0 | s.SCARD_PROTOCOL_T1)
        if hresult != s.SCARD_S_SUCCESS:
            raise self.fail(hresult, "SCardConnect")
        return card, protocol

    def transmit(self, card, protocol, apdu: bytes) -> bytes:
        hresult, response = self.s.SCardTransmit(card, protocol, list(apdu))
        if hresult != self.s.SCARD_S_SUCCESS:
            raise self.fail(hresult, "SCardTransmit")
        return bytes(response)

    def disconnect(self, card) -> None:
        try:
            self.s.SCardDisconnect(card, self.s.SCARD_LEAVE_CARD)
        except Exception:  # noqa: BLE001 - the card may already be gone
            pass


class SocialSecurityCardReader:
    """Reads 社会保障卡 from one PC/SC reader. Thread-safe; one read at a time.

    ``hmac_key`` keys the hashes of the ID number, name and card number (the hall's
    secret); the same person gives the same hash on every kiosk of the hall.
    """

    def __init__(self, url: str = "pcsc://", *, hmac_key: bytes) -> None:
        if not hmac_key:
            raise ValueError("hmac_key is required: personal data is only kept hashed")
        self.url = url
        self.wanted = parse_url(url)
        self._key = hmac_key
        self._lock = threading.Lock()
        self._pcsc: _Pcsc | None = None

    def __repr__(self) -> str:
        return f"SocialSecurityCardReader({self.url!r})"

    @property
    def pcsc(self) -> _Pcsc:
        if self._pcsc is None:
            try:
                self._pcsc = _Pcsc()
            except ImportError as exc:
                raise device_error(NO_SERVICE, f"pyscard is not installed: {exc}") from exc
        return self._pcsc

    def reader_name(self) -> str:
        """The PC/SC name of the reader this URL means; DeviceError(no_reader) if none."""
        names = self.pcsc.readers()
        if not names:
            raise device_error(NO_READER, "pcscd lists no readers")
        if not self.wanted:
            return names[0]
        if self.wanted in names:
            return self.wanted
        matches = [n for n in names if n.startswith(self.wanted)]
        if len(matches) == 1:
            return matches[0]
        raise device_error(NO_READER, f"{self.wanted!r} not unique or not among {names}")

    def card_present(self) -> bool:
        """Is a card in the reader right now?"""
        with self._lock:
            return self._present(0)

    def wait_for_card(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds until a card is in the reader."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                if self._present(min(250, max(0, int((deadline - time.monotonic()) * 1000)))):
                    return True
                if time.monotonic() >= deadline:
                    return False

    def wait_for_removal(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds until the reader is empty."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._present(0):
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.05)
            return True

    def _present(self, timeout_ms: int) -> bool:
        s = self.pcsc.s
        name = self.reader_name()
        state, _ = self.pcsc.state(name, 0, s.SCARD_STATE_UNAWARE)
        if not state & s.SCARD_STATE_PRESENT and timeout_ms:
            state, _ = self.pcsc.state(name, timeout_ms, state & ~s.SCARD_STATE_CHANGED)
        return bool(state & s.SCARD_STATE_PRESENT)

    def read(self, *, pin: str | None = None) -> SocialSecurityCard:
        """Read EF05 and EF06 of the card now in the reader.

        Raises DeviceError: ``no_reader``, ``no_card``, ``card_removed``,
        ``not_social_security_card``, ``pin_required`` (EF06 needs a PIN: ask for one
        and call again with ``pin``), ``pin_wrong``, ``card_locked``, ``garbled_frame``…
        """
        with self._lock:
            try:
                return self._read(pin)
            except DeviceError as exc:
                log.info("social-security card read failed: %s", exc)
                raise

    def read_card_info(self) -> codec.CardInfo:
        """Read EF05 only (no PIN is ever needed for it)."""
        with self._lock:
            name = self.reader_name()
            card, protocol = self.pcsc.connect(name)
            try:
                send = self._sender(card, protocol)
                self._exchange(send, codec.select_ssse(), "select_app")
                return codec.decode_card_info(self._read_file(send, codec.EF05), self._key)
            finally:
                self.pcsc.disconnect(card)

    def _read(self, pin: str | None) -> SocialSecurityCard:
        name = self.reader_name()
        card, protocol = self.pcsc.connect(name)
        try:
            send = self._sender(card, protocol)
            self._exchange(send, codec.select_ssse(), "select_app")
            info = codec.decode_card_info(self._read_file(send, codec.EF05), self._key)
            if pin is not None:
                self._exchange(send, codec.verify_pin(pin), "verify")
            holder = codec.decode_holder(self._read_file(send, codec.EF06), self._key)
            atr = self._atr(name)
        finally:
            self.pcsc.disconnect(card)
        log.info("social-security card read on %r: holder %s %s, card %s",
                 name, holder.name_masked, holder.id_masked, info.card_number_masked)
        return SocialSecurityCard(reader=name, atr=atr, info=info, holder=holder)

    def _atr(self, name: str) -> str:
        _, atr = self.pcsc.state(name, 0, self.pcsc.s.SCARD_STATE_UNAWARE)
        return atr.hex(" ").upper()

    def _sender(self, card, protocol):
        def send(apdu: bytes) -> bytes:
            response = self.pcsc.transmit(card, protocol, apdu)
            # Headers and status words only: data may be personal, a VERIFY body is a PIN.
            log.debug("APDU %s -> SW %s", apdu[:4].hex(" "), response[-2:].hex(" "))
            if not response:
                # Every card answer has a status word. Nothing at all means the contact
                # broke mid-command (vpcd reports a vanished card this way, before pcscd's
                # presence poll notices): the card is being pulled out.
                raise device_error(CARD_REMOVED, f"empty answer to APDU {apdu[:4].hex(' ')}")
            return response
        return send

    def _read_file(self, send, file_id: int) -> dict[int, bytes]:
        self._exchange(send, codec.select_file(file_id), "select_file")
        records = {}
        for tag in codec.tags_of(file_id):
            data = self._exchange(send, codec.read_record_by_tag(tag), "read")
            records[tag] = codec.parse_record(data, tag)
        return records

    @staticmethod
    def _exchange(send, apdu: bytes, step: str) -> bytes:
        """Send one command, following 61xx with GET RESPONSE and 6Cxx with the right Le."""
        data, sw = codec.split_response(send(apdu))
        for _ in range(16):  # a card that keeps asking is broken, not slow
            if sw >> 8 == 0x61:
                more, sw = codec.split_response(send(codec.get_response(sw & 0xFF)))
                data += more
            elif sw >> 8 == 0x6C:
                data, sw = codec.split_response(send(codec.with_le(apdu, sw & 0xFF)))
            else:
                break
        codec.check_sw(sw, step=step)
        return data

    def close(self) -> None:
        with self._lock:
            if self._pcsc is not None:
                self._pcsc.drop()
