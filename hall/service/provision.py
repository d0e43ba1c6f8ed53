"""`yichuang provision --config HALL.toml --out DIR [--host NAME ...]`: everything a hall's
machines need to trust each other, from the hall file.

Written to DIR (run again: passwords, keys and certificates are kept, new devices added):

- ``ca/``: the hall's own CA (``ca.key`` stays on the hall server, mode 0600);
- ``broker/``: ``mosquitto.conf`` (plain MQTT only on loopback for the hub and the web on the
  same server; TLS on the LAN with a client certificate from the hall CA *and* the device's
  password), ``passwd`` (hashed), ``acl``, ``server.crt``/``.key``, ``credentials.txt``;
- ``devices/<id>/``: what goes onto that terminal's ``/etc/yichuang``: ``ca.crt``, its own
  certificate and key, ``password``, ``hall.key`` (the hall's key for the keyed hashes of ID
  numbers, ``hall.hallkey``: the same on every terminal; a kiosk cannot create it in a
  read-only ``/etc/yichuang``), and ``terminal-<id>.env`` (the app to start and its
  ``mqtts://`` broker URL) for the ``yichuang-terminal@<id>`` unit;
- ``hall.key``: the hall's key, kept for the next run and the server's ``/etc/yichuang``;
- ``accounts/hub.password``: the hub's password, for ``yichuang-hub.service``.

A terminal without its certificate, with a wrong password or with another device's account is
refused by the broker, and the ACL keeps each account to its own topics; the hub's role checks
stay as the second line.
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from hall.config import ConfigError, HallConfig, load_hall
from hall.hallkey import load_hall_key
from hall.protocol import HUB_CLIENT
from hall.service.mosquitto_config import BROKER_USER, acl_text, broker_conf, readable_by_broker, write_accounts
from hall.service.pki import HallCA

TLS_PORT = 8883
ETC = "/etc/yichuang"
# which `yichuang` app a device of each role runs (keypad bridges run as a service of their own)
APP_OF_ROLE = {"kiosk": "kiosk", "caller": "caller", "board": "board", "window_screen": "window-screen",
               "rating_pad": "rating-pad", "keypad_bridge": "keypad-bridge"}


def tls_listener(port: int, directory: str) -> str:
    """The LAN listener: TLS with the hall CA, a client certificate required, then the password."""
    return "\n".join([
        "# the hall LAN: TLS only, a client certificate from the hall's own CA and the device's password",
        f"listener {port}",
        f"cafile {directory}/ca.crt",
        f"certfile {directory}/server.crt",
        f"keyfile {directory}/server.key",
        "require_certificate true",
        "use_identity_as_username false",
        "tls_version tlsv1.2",
    ]) + "\n"


def broker_files(config: HallConfig, out: Path, ca: HallCA, hosts: tuple[str, ...], *, plain: str = "1883 127.0.0.1",
                 tls_port: int = TLS_PORT, broker_dir: str | None = None, persistence_dir: str = "/var/lib/mosquitto",
                 user: str | None = BROKER_USER, log_dest: str = "syslog") -> dict[str, str]:
    """Write ``out``'s broker files; ``broker_dir`` is where they will live on the server."""
    out.mkdir(parents=True, exist_ok=True)
    where = broker_dir or str(out.resolve())
    creds, hashed = write_accounts(config, out)
    if not hashed:
        raise RuntimeError("mosquitto_passwd is needed to hash the broker's passwords (package mosquitto)")
    (out / "acl").write_text(acl_text(config))
    shutil.copyfile(ca.cert_path, out / "ca.crt")
    ca.issue("broker", out / "server", hosts=hosts, server=True)
    readable_by_broker(out / "server.key")
    conf = broker_conf(plain, persistence_dir, password_file=f"{where}/passwd", acl_file=f"{where}/acl",
                       user=user, log_dest=log_dest)
    conf = conf.replace("# Mosquitto for a Yichuang hall (written by `yichuang mosquitto-config`",
                        "# Mosquitto for a Yichuang hall (written by `yichuang provision`")
    (out / "mosquitto.conf").write_text(conf + tls_listener(tls_port, where))
    return creds


def write_secret(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")


def device_files(config: HallConfig, out: Path, ca: HallCA, creds: dict[str, str], server: str, *,
                 tls_port: int = TLS_PORT, etc: str = ETC, hall_key: bytes | None = None) -> list[Path]:
    """One folder per device: its certificate, key, password, the hall key and terminal env file."""
    written = []
    for device in config.devices.values():
        folder = out / device.id
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ca.cert_path, folder / "ca.crt")
        ca.issue(device.id, folder / device.id)
        write_secret(folder / "password", creds[device.id])
        if hall_key is not None:
            write_secret(folder / "hall.key", hall_key.hex())
        there = etc.format(device=device.id)  # where the folder's files will be on the terminal
        url = (f"mqtts://{device.id}@{server}:{tls_port}?ca={there}/ca.crt&cert={there}/{device.id}.crt"
               f"&key={there}/{device.id}.key&password_file={there}/password")
        env = [f"# terminal {device.id} ({device.role}) of hall {config.id}: /etc/yichuang/terminal-{device.id}.env",
               f"YC_BROKER={url}"]
        if device.role in APP_OF_ROLE:
            env.insert(1, f"YC_APP={APP_OF_ROLE[device.role]}")
        (folder / f"terminal-{device.id}.env").write_text("\n".join(env) + "\n")
        written.append(folder)
    return written


def provision(config: HallConfig, out: Path, hosts: tuple[str, ...]) -> dict[str, str]:
    ca = HallCA.open(out / "ca", config.id)
    creds = broker_files(config, out / "broker", ca, hosts, broker_dir=f"{ETC}/broker")
    device_files(config, out / "devices", ca, creds, hosts[0], hall_key=load_hall_key(config, out / "hall.key"))
    accounts = out / "accounts"
    accounts.mkdir(exist_ok=True)
    write_secret(accounts / "hub.password", creds[HUB_CLIENT])
    return creds


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="yichuang provision", description=__doc__.split("\n")[0])
    p.add_argument("--config", required=True, help="hall file")
    p.add_argument("--out", required=True, help="folder to write (kept and extended on a second run)")
    p.add_argument("--host", action="append", default=[],
                   help="the hall server's name or LAN address as terminals reach it (repeat; the first is "
                        "written into the terminals' broker URL; default: this machine's host name)")
    args = p.parse_args(argv)
    hosts = tuple(args.host) or (socket.gethostname(),)
    try:
        config = load_hall(args.config)
        creds = provision(config, Path(args.out), hosts)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    except (ValueError, OSError, RuntimeError, subprocess.SubprocessError) as err:
        print(f"yichuang provision: {err}", file=sys.stderr)
        return 2
    devices = [d for d in creds if d in config.devices]
    print(f"provisioned hall {config.id}: CA, broker (TLS :{TLS_PORT} for {', '.join(hosts)}; plain on loopback), "
          f"{len(devices)} devices under {args.out}/devices/")
    print(f"on the server: copy {args.out}/broker to {ETC}/broker, {args.out}/accounts to {ETC}/accounts and "
          f"{args.out}/hall.key to {ETC}/; "
          f"on each terminal: copy {args.out}/devices/<id>/* to {ETC}/ (docs/appliance.md)")
    return 0
