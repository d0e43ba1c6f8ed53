"""Backups, the check at start and restore, on real database files."""
from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from pathlib import Path

from hall import backup

ROOT = Path(__file__).resolve().parents[2]


def tickets(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]


def issue(hall, n: int) -> None:
    for _ in range(n):
        hall.ok("issue", service="household")


def test_an_online_backup_holds_what_was_committed_and_only_the_newest_are_kept(hall, tmp_path):
    issue(hall, 20)  # committed, still in the WAL: the store is open
    assert Path(f"{hall.path}-wal").exists()
    made = [backup.backup(hall.path, tmp_path / "b", keep=3, now=dt.datetime(2026, 12, 1, 3, 30, i))
            for i in range(5)]
    kept = backup.backups(tmp_path / "b")
    assert kept == made[:1:-1]  # the newest three, newest first
    assert tickets(kept[0]) == 20 and backup.check(kept[0], full=True) == []
    issue(hall, 1)
    assert tickets(kept[0]) == 20  # a snapshot, not a link


def corrupt(path: Path) -> None:
    with open(path, "r+b") as f:
        f.seek(4096 * 2)
        f.write(b"\xde\xad\xbe\xef" * 2048)


def test_a_damaged_database_stops_the_hub_with_the_backup_named_and_restore_brings_it_back(hall, tmp_path):
    issue(hall, 12)
    good = backup.backup(hall.path, backup.default_dir(hall.path))
    hall.store.close()
    corrupt(hall.path)
    assert backup.check(hall.path) != []

    hub = subprocess.run([sys.executable, "-m", "hall.cli", "hub", "--config", str(hall.config.source),
                          "--db", str(hall.path), "--broker", "mqtt://127.0.0.1:9"],
                         capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert hub.returncode == 2
    assert "damaged" in hub.stderr and str(good) in hub.stderr and "yichuang restore" in hub.stderr

    restore = subprocess.run([sys.executable, "-m", "hall.cli", "restore", "--db", str(hall.path)],
                             capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert restore.returncode == 0, restore.stderr
    assert backup.check(hall.path, full=True) == [] and tickets(hall.path) == 12
    assert list(hall.path.parent.glob(f"{hall.path.name}.damaged-*"))  # the damaged file is kept aside
    hall.reopen()  # the store opens the restored file
    issue(hall, 1)


def test_a_damaged_backup_is_never_restored(tmp_path, hall):
    issue(hall, 3)
    copy = backup.backup(hall.path, tmp_path)
    corrupt(copy)
    result = subprocess.run([sys.executable, "-m", "hall.cli", "restore", "--db", str(hall.path), "--from", str(copy)],
                            capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 1 and "damaged" in result.stderr
    assert tickets(hall.path) == 3
