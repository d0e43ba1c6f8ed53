"""Device errors as values: a stable code, a plain Chinese sentence for the citizen or clerk,
and an English one for the operator's log.

A driver never lets a transport exception escape to the app: it returns or raises a
``DeviceError`` whose ``code`` the app can act on (show ``message_zh``, retry, call staff).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(eq=False)
class DeviceError(Exception):
    """A device failure the app can act on.

    ``code`` is a stable snake_case identifier documented in docs/devices.md,
    ``message_zh`` is what a citizen or clerk reads, ``message_en`` is for the operator.
    """

    code: str
    message_zh: str
    message_en: str = ""
    detail: str = ""

    # Not frozen: Python sets __traceback__ on exceptions passing through context managers.

    def __str__(self) -> str:  # what goes to the operator's log
        extra = f" ({self.detail})" if self.detail else ""
        return f"[{self.code}] {self.message_en or self.message_zh}{extra}"


# Errors every transport can produce; device modules add their own codes.
TIMEOUT = ("timeout", "设备无响应，请稍候再试", "device did not answer in time")
DISCONNECTED = ("disconnected", "设备未连接，请联系工作人员", "device is not connected")
GARBLED = ("garbled_frame", "设备通信异常，请重试", "received a malformed frame")


def device_error(kind: tuple[str, str, str], detail: str = "") -> DeviceError:
    """Build a DeviceError from one of the (code, zh, en) triples above."""
    code, zh, en = kind
    return DeviceError(code, zh, en, detail)


@dataclass(frozen=True)
class FrameError:
    """Bytes a frame reader could not take as a frame (noise, a cut-off frame, a wrong
    checksum). Not raised: frame readers return it among the frames, in stream order."""

    reason: str
    raw: bytes
