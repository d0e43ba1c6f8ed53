"""The hall's web inside `yichuang demo`: started beside the hub, with a demo manager account.

The demo's hall file gets one ``[[account]]`` (name ``demo``, a fresh random password printed
in the banner) in a copy kept in the demo's temporary folder; the operator's file is not
touched.
"""
from __future__ import annotations

import secrets
import socket
import subprocess
import sys
from pathlib import Path

from hall.service.local_broker import free_port, wait_for_port
from hall.web.accounts import hash_password

DEMO_ACCOUNT = "demo"


def start(config_path: str | Path, db: str | Path, broker_url: str, workdir: str | Path, host: str = "127.0.0.1",
          port: int = 8080) -> tuple[subprocess.Popen | None, list[str]]:
    """(the web process, banner lines). ``port`` 0 picks a free one; a busy port is reported, not fatal."""
    port = port or free_port()
    if not _free(host, port):
        return None, [f"  web     port {host}:{port} is busy: the hall's web was not started (try --web-port 0)"]
    password = secrets.token_urlsafe(9)
    text = Path(config_path).read_text(encoding="utf-8")
    text += (f'\n\n[[account]]\nname = "{DEMO_ACCOUNT}"\nrole = "manager"\ndisplay = "演示管理员"\n'
             f'password_hash = "{hash_password(password)}"\n')
    hall = Path(workdir) / "demo-hall-web.toml"
    hall.write_text(text, encoding="utf-8")
    log = Path(workdir) / "web.log"
    with open(log, "a") as out:
        process = subprocess.Popen([sys.executable, "-m", "hall.cli", "web", "--config", str(hall), "--db", str(db),
                                    "--broker", broker_url, "--listen", f"{host}:{port}"], stdout=out, stderr=out)
    if not wait_for_port(port, 20, host):
        process.terminate()
        process.wait(10)
        return None, [f"  web     could not start on {host}:{port} (busy? try --web-port 0); see {log}"]
    return process, [
        f"  web     http://{host}:{port}/manage  (大厅管理台: user {DEMO_ACCOUNT}, password {password})",
        f"          ticket pages http://{host}:{port}/t/<token>  (the token is in each issue reply)",
    ]


def _free(host: str, port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True
