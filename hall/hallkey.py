"""The hall's key: the secret of the keyed hashes that recognise a citizen again.

A kiosk never sends an ID number; it sends ``person.hash``, the keyed hash of the number
(``devices.idcard.idnumber.keyed_hash``, the same for the social security card) under this
key. ID numbers are guessable, so without the key nobody can tell whose hash it is; with a
different key on two kiosks of one hall, one citizen would be two people (daily caps, "you
already hold a ticket" would fail). So: one key per hall, on every terminal that reads cards.

Where it lives: ``[hall] key_file`` in the hall file, a path relative to the hall file's
directory (``~`` and absolute paths work too). Without ``key_file`` it is the hall file's
name with ``.key``: ``config/halls/township.toml`` → ``config/halls/township.key``.

What it holds: the key as hexadecimal text, at least 32 hex digits (16 bytes); the hall
generates 64 (32 random bytes from ``os.urandom``). When the file does not exist it is
created on first use, with mode 0600, and a warning is logged: copy that file to every other
terminal of the hall together with the hall file (or create it once and copy it), and back it
up: a new key makes every citizen a stranger to yesterday's tickets (nothing else depends on it).
A file that exists but holds no valid key is an error (``ConfigError``), never replaced.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from hall.config import ConfigError, HallConfig

log = logging.getLogger("yichuang.hallkey")
KEY_BYTES = 32  # generated
MIN_KEY_BYTES = 16  # accepted


def key_path(config: HallConfig, key_file: str | Path | None = None) -> Path:
    """Where the hall's key is: ``key_file`` if given, else ``[hall] key_file``, else beside
    the hall file with its name and ``.key``. Relative paths are taken from the hall file."""
    source = Path(config.source) if config.source and not config.source.startswith("<") else None
    wanted = key_file if key_file is not None else (config.key_file or None)
    if wanted is not None:
        path = Path(wanted).expanduser()
        if path.is_absolute():
            return path
        if source is None:
            raise ConfigError([(config.source, "hall.key_file", "a relative key file needs a hall read from a file")])
        return source.parent / path
    if source is None:
        raise ConfigError([(config.source, "hall.key_file", "a hall not read from a file needs a key file path")])
    return source.with_suffix(".key")


def load_hall_key(config: HallConfig, key_file: str | Path | None = None) -> bytes:
    """The hall's key (bytes), read from its key file, created there on first use."""
    path = key_path(config, key_file)
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return _create(path)
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError([(str(path), "hall.key_file", f"cannot read the hall key: {err}")]) from None
    return _parse(path, text)


def _parse(path: Path, text: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        key = b""
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError([(str(path), "hall.key_file",
                            f"must hold the hall key as at least {2 * MIN_KEY_BYTES} hexadecimal digits")])
    if os.name == "posix" and path.stat().st_mode & 0o077:
        log.warning("%s can be read by other users; chmod 600 it", path)
    return key


def _create(path: Path) -> bytes:
    key = os.urandom(KEY_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process of the hall made it a moment ago: use theirs
        return _parse(path, path.read_text(encoding="ascii"))
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key.hex() + "\n")
        out.flush()
        os.fsync(out.fileno())
    log.warning("created a new hall key in %s: copy it to every terminal of the hall that reads cards", path)
    return key
