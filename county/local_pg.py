"""PostgreSQL of a test's or a benchmark's own: a throw-away cluster (initdb in a temp directory,
a free loopback port), like ``hall.service.local_broker`` for Mosquitto. Not for a real county,
whose database is the county's own server."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from hall.service.local_broker import free_port


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    assert found, f"PostgreSQL's {name} is not installed (scripts/setup.sh installs package postgresql)"
    return found[-1]


class Postgres:
    """A throw-away cluster; as root it runs as the postgres user, as PostgreSQL insists."""

    def __init__(self, directory: Path):
        self.directory, self.port = directory, free_port()
        self.data = directory / "data"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def start(self) -> "Postgres":
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.as_user:
            shutil.chown(self.directory, "postgres")
            os.chmod(self.directory, 0o700)
        subprocess.run([*self.as_user, _pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                        "-E", "UTF8", "--locale=C.UTF-8"], check=True, capture_output=True)
        subprocess.run([*self.as_user, _pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "log"),
                        "-o", f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=on",
                        "-w", "start"], check=True, capture_output=True)
        return self

    def dsn(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)

    def stop(self) -> None:
        subprocess.run([*self.as_user, _pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"],
                       capture_output=True)


def temporary_postgres() -> Postgres:
    """A started cluster in a new folder under /tmp (pytest's own temp folder is root's alone,
    and the server runs as user postgres); ``stop`` it and remove ``directory`` when done."""
    return Postgres(Path(tempfile.mkdtemp(prefix="yc-pg-"))).start()
