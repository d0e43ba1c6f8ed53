"""`yichuang bridge-config`: the hall broker's bridge to the county broker, and the county
broker's accounts and ACL.

The hall's Mosquitto carries ``yc/<hall>/up/#`` out and ``yc/<hall>/down/#`` in, over TLS, with
the hall's own account on the county broker. ``cleansession false`` and a fixed remote client id
make both brokers keep QoS 1 messages across a WAN cut; the hub's end-to-end acknowledgement
(``hall.service.uplink``) covers whatever a broker loses anyway. The hall never subscribes to
``up/`` and the county never publishes there, so the bridge cannot loop.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hall.config import ConfigError, load_hall
from hall.protocol import ROOT, Topics

SUPERVISOR = "supervisor"


def bridge_conf(hall_id: str, host: str, port: int, account: str, password: str, *, cafile: str | None = None,
                certfile: str | None = None, keyfile: str | None = None) -> str:
    t = Topics(hall_id)
    lines = [
        f"# bridge of hall {hall_id} to the county (written by `yichuang bridge-config`)",
        f"connection county-{hall_id}",
        f"address {host}:{port}",
        f"remote_clientid hall-{hall_id}",
        f"remote_username {account}",
        f"remote_password {password}",
        "cleansession false",
        "# QoS 1 both ways: the broker keeps what the WAN could not carry",
        f"topic {t.up()}# out 1",
        f"topic {t.down()}# in 1",
        "bridge_protocol_version mqttv311",
        "restart_timeout 1 30",
        "keepalive_interval 30",
        "notifications false",
        "try_private true",
    ]
    if cafile:
        lines += [f"bridge_cafile {cafile}", "bridge_insecure false"]
    if certfile and keyfile:
        lines += [f"bridge_certfile {certfile}", f"bridge_keyfile {keyfile}"]
    return "\n".join(lines) + "\n"


def county_acl(halls: dict[str, str]) -> str:
    """``halls``: hall id -> its account. Each hall writes only its up/ and reads only its down/."""
    out = ["# the county broker's ACL (written by `yichuang county-broker-config`)",
           f"user {SUPERVISOR}", f"topic read {ROOT}/+/up/#", f"topic write {ROOT}/+/down/#",
           "topic readwrite yc-county/#", ""]
    for hall, account in sorted(halls.items()):
        t = Topics(hall)
        out += [f"user {account}", f"topic write {t.up()}#", f"topic read {t.down()}#", ""]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="yichuang bridge-config", description=__doc__.split("\n")[0])
    p.add_argument("--config", required=True, help="the hall file")
    p.add_argument("--county", required=True, metavar="HOST:PORT", help="the county broker")
    p.add_argument("--account", required=True, help="this hall's account on the county broker")
    p.add_argument("--password-file", required=True, help="its password, in a file")
    p.add_argument("--cafile", help="the county CA certificate (TLS; strongly advised on a WAN)")
    p.add_argument("--certfile")
    p.add_argument("--keyfile")
    p.add_argument("--out", help="write here (default: stdout); include it from mosquitto.conf")
    args = p.parse_args(argv)
    try:
        config = load_hall(args.config)
        host, _, port = args.county.rpartition(":")
        text = bridge_conf(config.id, host, int(port), args.account, Path(args.password_file).read_text().strip(),
                           cafile=args.cafile, certfile=args.certfile, keyfile=args.keyfile)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    except (ValueError, OSError) as err:
        print(f"yichuang bridge-config: {err}", file=sys.stderr)
        return 2
    if args.out:
        Path(args.out).write_text(text)
    else:
        sys.stdout.write(text)
    return 0
