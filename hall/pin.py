"""Staff PINs for signing in at a soft caller: a salted, slow hash kept in the hall file.

``[[staff]] pin`` holds ``scrypt$<n>$<r>$<p>$<salt hex>$<hash hex>`` (hashlib.scrypt from the
standard library; n=2**14, r=8, p=1 takes about 50 ms and 16 MB, so guessing a 4-6 digit PIN
from a stolen hall file is slow, and the clear PIN is never stored). Make one with

    yichuang staff-pin            # asks for the PIN twice, prints the line for the hall file
    echo 2580 | yichuang staff-pin --stdin

The soft caller checks the PIN locally against the hall file before it sends ``staff_login``.
"""
from __future__ import annotations

import argparse
import getpass
import hashlib
import hmac
import os
import sys

from hall.malloc import trim

SCHEME = "scrypt"
N, R, P = 2 ** 14, 8, 1
SALT_BYTES, HASH_BYTES = 16, 32
MIN_DIGITS, MAX_DIGITS = 4, 12


class PinError(ValueError):
    pass


def check_pin_text(pin: str) -> str:
    """The PIN itself: 4-12 digits (a keypad has nothing else). Raises PinError."""
    if not (pin.isascii() and pin.isdigit() and MIN_DIGITS <= len(pin) <= MAX_DIGITS):
        raise PinError(f"a PIN is {MIN_DIGITS}-{MAX_DIGITS} digits")
    return pin


def _derive(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    derived = hashlib.scrypt(pin.encode("ascii"), salt=salt, n=n, r=r, p=p, dklen=HASH_BYTES,
                             maxmem=256 * 1024 * 1024)
    trim()  # scrypt's 16 MB work area would otherwise stay in a caller's heap for good (hall.malloc)
    return derived


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    check_pin_text(pin)
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    return f"{SCHEME}${N}${R}${P}${salt.hex()}${_derive(pin, salt, N, R, P).hex()}"


def parse_hash(text: str) -> tuple[int, int, int, bytes, bytes]:
    """(n, r, p, salt, hash) of a stored PIN hash; PinError if it is not one."""
    parts = text.split("$") if isinstance(text, str) else []
    try:
        scheme, n, r, p, salt, digest = parts
        n, r, p, salt, digest = int(n), int(r), int(p), bytes.fromhex(salt), bytes.fromhex(digest)
    except ValueError:
        raise PinError("expected scrypt$N$R$P$SALT$HASH (make one with `yichuang staff-pin`)") from None
    if scheme != SCHEME or n < 2 ** 10 or n & (n - 1) or not (1 <= r <= 32 and 1 <= p <= 16) \
            or len(salt) < 8 or len(digest) != HASH_BYTES:
        raise PinError("expected scrypt$N$R$P$SALT$HASH with N a power of two ≥ 1024 (`yichuang staff-pin`)")
    return n, r, p, salt, digest


def verify_pin(pin: str, stored: str) -> bool:
    """True if ``pin`` matches the stored hash. A malformed PIN or hash is simply False."""
    try:
        check_pin_text(pin)
        n, r, p, salt, digest = parse_hash(stored)
    except PinError:
        return False
    return hmac.compare_digest(_derive(pin, salt, n, r, p), digest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="yichuang staff-pin",
                                     description="make the `pin` line of a [[staff]] entry of the hall file")
    parser.add_argument("--stdin", action="store_true", help="read the PIN from standard input (one line)")
    args = parser.parse_args(argv)
    if args.stdin:
        pin = sys.stdin.readline().strip()
    else:
        pin = getpass.getpass("PIN (4-12 digits): ")
        if getpass.getpass("again: ") != pin:
            print("yichuang staff-pin: the two PINs differ; nothing written", file=sys.stderr)
            return 2
    try:
        line = hash_pin(pin)
    except PinError as exc:
        print(f"yichuang staff-pin: {exc}", file=sys.stderr)
        return 2
    print(f'pin = "{line}"')
    return 0


if __name__ == "__main__":
    sys.exit(main())
