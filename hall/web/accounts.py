"""Sign-in for the hall's web: Argon2 password hashes from the hall file, sessions in
HttpOnly cookies, a CSRF token per session, and a lockout after repeated wrong passwords.

Sessions live in the web process's memory (a restart signs everybody out). A wrong name
and a wrong password get the same answer and both count toward the lockout, by name and by
the address that tried, so guessing names teaches nothing and trying many names from one
address is stopped too (an address is locked after ``ADDRESS_FACTOR`` times as many failures
as a name, so one clerk's typos do not lock out the whole office behind one address).
"""
from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

HASHER = PasswordHasher()
ADDRESS_FACTOR = 4
CHEAP = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)  # tests only: fast to verify


def hash_password(password: str, hasher: PasswordHasher = HASHER) -> str:
    return hasher.hash(password)


def _dummy_for(accounts) -> str:
    """A hash to verify against when the name is unknown, with the same cost as the hall's
    real accounts, so a wrong name takes as long as a wrong password."""
    for account in accounts.values():
        try:
            return PasswordHasher.from_parameters(extract_parameters(account.password_hash)).hash(
                secrets.token_hex(16))
        except (InvalidHashError, ValueError):
            continue
    return HASHER.hash(secrets.token_hex(16))


@dataclass
class Session:
    id: str
    name: str
    role: str
    display: str
    csrf: str
    expires: float

    @property
    def may_act(self) -> bool:
        return self.role == "manager"


class Lockout:
    """Failures in a row per key (an account name, an address); locked for a while after too many."""

    def __init__(self, after: int, minutes: float, clock=time.monotonic):
        self.after, self.seconds, self.clock = after, minutes * 60.0, clock
        self.address_after = after * ADDRESS_FACTOR
        self._fails: dict[str, int] = {}
        self._until: dict[str, float] = {}

    def locked(self, *keys: str) -> bool:
        now = self.clock()
        return any(self._until.get(k, 0.0) > now for k in keys)

    def failed(self, *keys: str) -> None:
        for k in keys:
            n = self._fails.get(k, 0) + 1
            self._fails[k] = n
            if n >= (self.address_after if k.startswith("addr:") else self.after):
                self._until[k] = self.clock() + self.seconds
                self._fails[k] = 0

    def succeeded(self, *keys: str) -> None:
        for k in keys:
            self._fails.pop(k, None)


class Accounts:
    def __init__(self, config, clock=time.time):
        self.accounts = config.accounts
        self.settings = config.web
        self.clock = clock
        self.lockout = Lockout(self.settings.lockout_after, self.settings.lockout_minutes)
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self._dummy = _dummy_for(self.accounts)

    def sign_in(self, name: str, password: str, address: str) -> tuple[Session | None, str]:
        """(a new session, "") or (None, the reason: ``locked`` or ``wrong``)."""
        keys = (f"name:{name}", f"addr:{address}")
        with self._lock:
            if self.lockout.locked(*keys):
                return None, "locked"
        account = self.accounts.get(name)
        try:
            HASHER.verify(account.password_hash if account else self._dummy, password)
            ok = account is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        with self._lock:
            if not ok:
                self.lockout.failed(*keys)
                return None, "locked" if self.lockout.locked(*keys) else "wrong"
            self.lockout.succeeded(*keys)
            s = Session(secrets.token_urlsafe(32), account.name, account.role, account.display or account.name,
                        secrets.token_urlsafe(32), self.clock() + self.settings.session_minutes * 60)
            self._sessions[s.id] = s
            return s, ""

    def session(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        with self._lock:
            s = self._sessions.get(sid)
            if s is not None and s.expires < self.clock():
                del self._sessions[sid]
                return None
            return s

    def sign_out(self, sid: str) -> None:
        with self._lock:
            self._sessions.pop(sid, None)


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def login_token(secret: bytes, nonce: str) -> str:
    """The CSRF token of the sign-in form, bound to the nonce in its cookie."""
    return hmac.new(secret, nonce.encode(), "sha256").hexdigest()


def main(argv: list[str]) -> int:
    """`yichuang web-password`: print an Argon2 hash for a ``[[account]] password_hash``."""
    import getpass
    import sys

    if argv and argv[0] in ("-h", "--help"):
        print("usage: yichuang web-password   (asks for the password twice; or pipe one line to stdin)\n"
              "prints an Argon2id hash to paste into [[account]] password_hash in the hall file")
        return 0
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if first != getpass.getpass("again: "):
            print("yichuang web-password: the two passwords differ", file=sys.stderr)
            return 1
    else:
        first = sys.stdin.readline().rstrip("\n")
    if len(first) < 8:
        print("yichuang web-password: use at least 8 characters", file=sys.stderr)
        return 1
    print(hash_password(first))
    return 0
