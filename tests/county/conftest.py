"""Real parts for the county: a PostgreSQL cluster of the test session's own (initdb in a temp
directory, a free loopback port) and a database of its own per test."""
from __future__ import annotations

import shutil
import time

import pytest

from county.local_pg import temporary_postgres


@pytest.fixture(scope="session")
def postgres():
    pg = temporary_postgres()
    yield pg
    pg.stop()
    shutil.rmtree(pg.directory, ignore_errors=True)


_dbs = iter(range(1, 10_000))


@pytest.fixture
def county_db(postgres) -> str:
    return postgres.create_database(f"county{next(_dbs)}_{int(time.time()) % 100000}")
