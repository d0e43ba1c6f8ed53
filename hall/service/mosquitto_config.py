"""`yichuang mosquitto-config --config F [--out DIR]`: Mosquitto's config, accounts and ACL for a hall.

Written from the hall file, so the broker's idea of who may publish where never drifts from
the hub's (``hall.protocol_verbs``): one account per ``[[device]]`` (user name = device id,
rights by its role), one for the hub and one read-only ``monitor`` for an operator's
``mosquitto_sub``. Files written to DIR (default ``./mosquitto-<hall id>``):

- ``mosquitto.conf``: listener, persistence and queue limits, pointing at the two below;
- ``acl``: the topic rights of every account;
- ``passwd``: the accounts, hashed with ``mosquitto_passwd -U`` (when it is installed;
  otherwise ``passwd.plain`` and a note to hash it on the broker); mode 0640, group
  mosquitto, since the broker reads it after dropping to that user;
- ``credentials.txt`` (mode 0600): user and password of each account, to provision devices.
  Running the command again keeps existing passwords, adds new devices, drops removed ones.

The broker settings below are the deliberate ones; ``config/mosquitto/mosquitto.conf`` is
the same text for a standard install, and the test brokers use them too.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

from hall.config import ConfigError, HallConfig, load_hall
from hall.protocol import HUB_CLIENT, Topics
from hall.protocol_verbs import REQUESTING_ROLES

MONITOR = "monitor"

# (setting, value, why): Mosquitto's defaults lose data silently; these do not.
SETTINGS = (
    ("persistence", "true",
     "keep retained state, the hub's session and queued QoS 1 messages across a broker restart"),
    ("autosave_interval", "30", "seconds between saves of the in-memory database"),
    ("max_queued_messages", "100000",
     "the default 1000 silently DROPS QoS 1 messages queued for one client beyond it (a hub "
     "restarting during a burst, a county bridge over a WAN down for hours); 100000 messages "
     "of ~500 bytes is about 50 MB, which a hall server holds"),
    ("max_queued_bytes", "0", "no byte limit: the message count above is the limit"),
    ("max_inflight_messages", "20", "QoS 1 messages in flight per client, the default, stated"),
    ("max_packet_size", "65536",
     "a request is a few hundred bytes and the hub refuses more than 8 KiB with an error "
     "reply; anything over 64 KiB is not ours and is dropped by the broker"),
    ("set_tcp_nodelay", "true",
     "the default leaves Nagle's algorithm on: a small message waits for the ACK of the one "
     "before it, and with delayed ACKs a call reached the board 40-90 ms late (bench/bench_hub.py)"),
    ("persistent_client_expiration", "14d",
     "forget the queued messages of a persistent client gone for two weeks"),
)

STANDARD_DIR = "/etc/mosquitto/yichuang"
BROKER_USER = "mosquitto"  # Debian's mosquitto drops to this user


def broker_conf(listener: str, persistence_dir: str, *, password_file: str | None = None,
                acl_file: str | None = None, user: str | None = None, log_dest: str = "syslog") -> str:
    """A mosquitto.conf with the deliberate settings. Without a password file, anonymous
    clients are allowed (tests and benchmarks on loopback only)."""
    lines = [
        "# Mosquitto for a Yichuang hall (written by `yichuang mosquitto-config`; see docs/mqtt-api.md).",
        "per_listener_settings false",
        f"listener {listener}",
    ]
    if password_file:
        lines += ["allow_anonymous false", f"password_file {password_file}"]
    else:
        lines += ["allow_anonymous true  # loopback tests only: no accounts"]
    if acl_file:
        lines.append(f"acl_file {acl_file}")
    lines.append(f"persistence_location {persistence_dir.rstrip('/')}/")
    for key, value, why in SETTINGS:
        lines += [f"# {why}", f"{key} {value}"]
    if user:
        lines.append(f"user {user}")
    lines += [f"log_dest {log_dest}", "log_type error", "log_type warning", "log_type notice",
              "connection_messages true"]
    return "\n".join(lines) + "\n"


def standard_conf() -> str:
    """config/mosquitto/mosquitto.conf: a hall server with the files in /etc/mosquitto/yichuang."""
    return broker_conf("1883", "/var/lib/mosquitto", password_file=f"{STANDARD_DIR}/passwd",
                       acl_file=f"{STANDARD_DIR}/acl", user=BROKER_USER)


def accounts(config: HallConfig) -> list[str]:
    """Every account of the hall: the hub, the monitor, then each device."""
    clash = {HUB_CLIENT, MONITOR} & set(config.devices)
    if clash:
        raise ValueError(f"device ids {sorted(clash)} are reserved for the hub's own accounts")
    return [HUB_CLIENT, MONITOR, *config.devices]


def acl_text(config: HallConfig) -> str:
    t = Topics(config.id)
    out = [
        f"# ACL for hall {config.id} ({config.name}), written by `yichuang mosquitto-config`",
        f"# from {Path(config.source).name or 'the hall file'}. Do not edit: change the hall file and run it again.",
        "",
        "# the hub: everything of this hall",
        f"user {HUB_CLIENT}", f"topic readwrite {t.root}/#", "",
        "# an operator's read-only view (mosquitto_sub)",
        f"user {MONITOR}", f"topic read {t.root}/#", "",
    ]
    for device in config.devices.values():
        where = f" of window {device.window}" if device.window else ""
        out += [f"# {device.role}{where}", f"user {device.id}",
                f"topic read {t.state()}", f"topic read {t.event('#')}", f"topic read {t.status('#')}",
                f"topic readwrite {t.status(device.id)}"]
        if device.role in REQUESTING_ROLES:
            out += [f"topic write {t.request(device.id)}", f"topic read {t.reply(device.id)}/#"]
        out.append("")
    return "\n".join(out)


def read_credentials(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (line.split(":", 1) for line in path.read_text().splitlines() if ":" in line and not line.startswith("#"))
    return {user: password for user, password in pairs}


def write_accounts(config: HallConfig, out: Path) -> tuple[dict[str, str], bool]:
    """credentials.txt and passwd; returns the credentials and whether passwd is hashed."""
    cred_path = out / "credentials.txt"
    old = read_credentials(cred_path)
    creds = {user: old.get(user) or secrets.token_urlsafe(18) for user in accounts(config)}
    plain = "".join(f"{u}:{p}\n" for u, p in creds.items())
    fd = os.open(cred_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"# accounts of hall {config.id}: user:password (keep secret; for provisioning devices)\n{plain}")
    tool = shutil.which("mosquitto_passwd")
    target = out / ("passwd" if tool else "passwd.plain")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    with os.fdopen(fd, "w") as f:
        f.write(plain)
    if tool:
        subprocess.run([tool, "-U", str(target)], check=True, capture_output=True, timeout=60)
    readable_by_broker(target)
    return creds, bool(tool)


def readable_by_broker(path: Path) -> None:
    """Mosquitto reads its password file and TLS key after dropping to user mosquitto: give
    them its group, mode 0640."""
    try:
        shutil.chown(path, group=BROKER_USER)
        os.chmod(path, 0o640)
    except (LookupError, PermissionError):
        pass  # no such group here, or not root: the installer does it


def write_all(config: HallConfig, out: Path, listener: str = "1883", persistence_dir: str = "/var/lib/mosquitto",
              user: str | None = BROKER_USER, log_dest: str = "syslog") -> dict[str, str]:
    out.mkdir(parents=True, exist_ok=True)
    creds, hashed = write_accounts(config, out)
    (out / "acl").write_text(acl_text(config))
    conf = broker_conf(listener, persistence_dir, password_file=str((out / "passwd").resolve()),
                       acl_file=str((out / "acl").resolve()), user=user, log_dest=log_dest)
    (out / "mosquitto.conf").write_text(conf)
    if not hashed:
        print("mosquitto_passwd is not installed here: on the broker run "
              f"`mosquitto_passwd -U passwd` on a copy of {out / 'passwd.plain'}", file=sys.stderr)
    return creds


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="yichuang mosquitto-config", description=__doc__.split("\n")[0])
    p.add_argument("--config", required=True, help="hall file")
    p.add_argument("--out", help="directory to write (default ./mosquitto-<hall id>)")
    p.add_argument("--listener", default="1883", help="mosquitto listener line (default %(default)s)")
    p.add_argument("--persistence-dir", default="/var/lib/mosquitto", help="where Mosquitto saves its database")
    p.add_argument("--acl", metavar="FILE", help="write only the ACL, to FILE (no accounts)")
    args = p.parse_args(argv)
    try:
        config = load_hall(args.config)
        if args.acl:
            Path(args.acl).write_text(acl_text(config))
            print(f"wrote {args.acl}: the ACL of hall {config.id}")
            return 0
        out = Path(args.out or f"mosquitto-{config.id}")
        creds = write_all(config, out, args.listener, args.persistence_dir)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    except (ValueError, OSError, subprocess.SubprocessError) as err:
        print(f"yichuang mosquitto-config: {err}", file=sys.stderr)
        return 2
    print(f"wrote {out}/mosquitto.conf, acl, passwd and credentials.txt: {len(creds)} accounts "
          f"({', '.join(creds)}) for hall {config.id}")
    print(f"start it with: mosquitto -c {out}/mosquitto.conf")
    return 0
