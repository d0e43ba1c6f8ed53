"""Real parts for the county: a PostgreSQL cluster of the test session's own (initdb in a temp
directory, a free loopback port), brokers for a hall and for the county, and hubs."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "hub"))  # the hub's fixtures: Hall, HubProcess

from hall.service.local_broker import free_port  # noqa: E402


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


@pytest.fixture(scope="session")
def postgres():
    # not under pytest's temp folder: that one is root's alone, and the server runs as postgres
    directory = Path(tempfile.mkdtemp(prefix="yc-pg-"))
    pg = Postgres(directory).start()
    yield pg
    pg.stop()
    shutil.rmtree(directory, ignore_errors=True)


_dbs = iter(range(1, 10_000))


@pytest.fixture
def county_db(postgres) -> str:
    return postgres.create_database(f"county{next(_dbs)}_{int(time.time()) % 100000}")
