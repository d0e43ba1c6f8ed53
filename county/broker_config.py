"""`yichuang county-broker-config --config COUNTY.toml --out DIR [--host NAME ...]`: the county
broker's Mosquitto files, from the county file.

Written to DIR (run again: passwords, keys and certificates are kept, new halls added, removed
halls dropped):

- ``ca/``: the county's own CA (``ca.key`` stays on the county server, mode 0600);
- ``broker/``: ``mosquitto.conf`` (TLS for the halls on ``--tls-port``, 8883 by default, with
  the hall's account and password; plain MQTT only on loopback, for the supervisor on the same
  server), ``passwd`` (hashed), ``acl``, ``server.crt``/``.key``, ``credentials.txt``;
- ``halls/<hall>/``: what goes to that hall's server: ``county-ca.crt``, ``county.password``
  and ``README`` with the ``yichuang bridge-config`` command that writes its bridge;
- ``supervisor.password``: the supervisor's password (``yichuang county --password-file``).

A hall with a wrong password, with another hall's account or without TLS is refused, and the
ACL lets each hall write only its own ``up/`` and read only its own ``down/``.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

from county.config import CountyConfig, load_county
from hall.config import ConfigError
from hall.service.bridge import SUPERVISOR, county_acl
from hall.service.mosquitto_config import BROKER_USER, broker_conf, read_credentials, readable_by_broker
from hall.service.pki import HallCA

TLS_PORT = 8883
ETC = "/etc/yichuang-county"


def _write_secret(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def tls_listener(port: int, directory: str, bind: str = "") -> str:
    """The WAN listener: TLS with the county's certificate, then the hall's account and password."""
    return "\n".join([
        "# the WAN: TLS only; each hall signs in with its own account (county file) and password",
        f"listener {port}{' ' + bind if bind else ''}",
        f"cafile {directory}/ca.crt",
        f"certfile {directory}/server.crt",
        f"keyfile {directory}/server.key",
        "tls_version tlsv1.2",
    ]) + "\n"


def write_accounts(config: CountyConfig, out: Path) -> dict[str, str]:
    """credentials.txt (plain, 0600) and passwd (hashed): the supervisor and one account per hall."""
    tool = shutil.which("mosquitto_passwd")
    if not tool:
        raise RuntimeError("mosquitto_passwd is needed to hash the broker's passwords (package mosquitto)")
    old = read_credentials(out / "credentials.txt")
    users = [SUPERVISOR, *(h.account for h in config.halls.values())]
    creds = {user: old.get(user) or secrets.token_urlsafe(18) for user in users}
    plain = "".join(f"{u}:{p}\n" for u, p in creds.items())
    _write_secret(out / "credentials.txt", f"# accounts of county {config.id}: user:password (keep secret)\n{plain}")
    _write_secret(out / "passwd", plain)
    subprocess.run([tool, "-U", str(out / "passwd")], check=True, capture_output=True, timeout=60)
    readable_by_broker(out / "passwd")
    return creds


def broker_files(config: CountyConfig, out: Path, ca: HallCA, hosts: tuple[str, ...], *,
                 plain: str = "1883 127.0.0.1", tls_port: int = TLS_PORT, tls_bind: str = "",
                 broker_dir: str | None = None, persistence_dir: str = "/var/lib/mosquitto",
                 user: str | None = BROKER_USER, log_dest: str = "syslog") -> dict[str, str]:
    """Write the broker's files into ``out``; ``broker_dir`` is where they will live on the server."""
    out.mkdir(parents=True, exist_ok=True)
    where = broker_dir or str(out.resolve())
    creds = write_accounts(config, out)
    (out / "acl").write_text(county_acl({h.id: h.account for h in config.halls.values()}))
    shutil.copyfile(ca.cert_path, out / "ca.crt")
    ca.issue("county-broker", out / "server", hosts=hosts, server=True)
    readable_by_broker(out / "server.key")
    conf = broker_conf(plain, persistence_dir, password_file=f"{where}/passwd", acl_file=f"{where}/acl",
                       user=user, log_dest=log_dest)
    conf = conf.replace("# Mosquitto for a Yichuang hall (written by `yichuang mosquitto-config`",
                        f"# Mosquitto for county {config.id} (written by `yichuang county-broker-config`")
    (out / "mosquitto.conf").write_text(conf + tls_listener(tls_port, where, tls_bind))
    return creds


def hall_files(config: CountyConfig, out: Path, ca: HallCA, creds: dict[str, str], server: str,
               tls_port: int = TLS_PORT) -> None:
    """One folder per hall: the county CA, the hall's password, and how to write its bridge."""
    for hall in config.halls.values():
        folder = out / hall.id
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ca.cert_path, folder / "county-ca.crt")
        _write_secret(folder / "county.password", creds[hall.account] + "\n")
        (folder / "README").write_text(
            f"Hall {hall.id} ({hall.name}) reports to county {config.id} ({config.name}).\n"
            "Copy county-ca.crt and county.password to /etc/yichuang/ on the hall server, then:\n\n"
            f"  yichuang bridge-config --config /etc/yichuang/hall.toml --county {server}:{tls_port} \\\n"
            f"      --account {hall.account} --password-file /etc/yichuang/county.password \\\n"
            "      --cafile /etc/yichuang/county-ca.crt --out /etc/mosquitto/conf.d/county-bridge.conf\n")
    for stale in out.iterdir():
        if stale.is_dir() and stale.name not in config.halls:
            shutil.rmtree(stale)


def write_all(config: CountyConfig, out: Path, hosts: tuple[str, ...], **broker) -> dict[str, str]:
    ca = HallCA.open(out / "ca", config.id)
    creds = broker_files(config, out / "broker", ca, hosts, **broker)
    hall_files(config, out / "halls", ca, creds, hosts[0], broker.get("tls_port", TLS_PORT))
    _write_secret(out / "supervisor.password", creds[SUPERVISOR] + "\n")
    return creds



def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="yichuang county-broker-config", description=__doc__.split("\n")[0])
    p.add_argument("--config", required=True, help="the county file (config/county/*.toml)")
    p.add_argument("--out", required=True, help="directory to write")
    p.add_argument("--host", action="append", help="the county broker's name or address, as halls reach it "
                   "(repeat for several; the first goes into the halls' bridge command)")
    p.add_argument("--tls-port", type=int, default=TLS_PORT)
    args = p.parse_args(argv)
    try:
        config = load_county(args.config)
        out = Path(args.out)
        hosts = tuple(args.host or ["county.local"])
        creds = write_all(config, out, hosts, tls_port=args.tls_port, broker_dir=f"{ETC}/broker")
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    except (ValueError, OSError, RuntimeError, subprocess.SubprocessError) as err:
        print(f"yichuang county-broker-config: {err}", file=sys.stderr)
        return 2
    print(f"wrote {out}/broker (mosquitto.conf, passwd, acl, TLS certificate for {', '.join(hosts)}), "
          f"{out}/halls ({len(creds) - 1} halls) and {out}/supervisor.password")
    print(f"copy {out}/broker to {ETC}/broker on the county server; give each hall its folder of {out}/halls")
    return 0
