"""The hall database's safety: online backups with a retention count, a quick check at every
start, and a restore.

- ``yichuang backup --db hall.sqlite [--dir DIR] [--keep 14]``: SQLite's online backup API copies
  the database while the hub keeps writing (a consistent snapshot of one instant), the copy is
  checked (``PRAGMA integrity_check``) before it counts, and only the newest ``keep`` remain.
  ``yichuang-backup.timer`` runs it every night.
- :func:`check` is ``PRAGMA quick_check``: the hub runs it before it opens its store and, on a
  damaged database, refuses to start and names the newest good backup.
- ``yichuang restore --db hall.sqlite --from BACKUP``: checks the backup, moves the damaged file
  (and its -wal/-shm) aside, and puts the backup in its place. Run it with the hub stopped.
"""
from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sqlite3
import sys
from pathlib import Path

PATTERN = "hall-*.sqlite"
DEFAULT_KEEP = 14


class DamagedDatabase(Exception):
    """The database failed its check; ``problems`` are SQLite's words, ``backup`` the newest good one."""

    def __init__(self, path: Path, problems: list[str], backup: Path | None):
        self.path, self.problems, self.backup = path, problems, backup
        advice = (f"restore the newest good backup: yichuang restore --db {path} --from {backup}" if backup
                  else "no backup was found beside it; keep the file for analysis")
        super().__init__(f"the hall database {path} is damaged ({'; '.join(problems[:3])}); {advice}")


def check(path: Path, *, full: bool = False) -> list[str]:
    """``[]`` when the database is sound, else SQLite's findings (``quick_check`` or ``integrity_check``)."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            rows = db.execute(f"PRAGMA {'integrity_check' if full else 'quick_check'}").fetchall()
    except sqlite3.DatabaseError as err:
        return [str(err)]
    findings = [row[0] for row in rows]
    return [] if findings == ["ok"] else findings


def default_dir(db: Path) -> Path:
    return Path(db).resolve().parent / "backups"


def backups(directory: Path) -> list[Path]:
    """Backups in ``directory``, newest first (their names sort by time)."""
    return sorted(Path(directory).glob(PATTERN), reverse=True)


def newest_good(directory: Path) -> Path | None:
    return next((b for b in backups(directory) if not check(b)), None)


def ensure_sound(db: Path, backup_dir: Path | None = None) -> None:
    """Raise DamagedDatabase if ``db`` exists and fails ``quick_check``."""
    db = Path(db)
    if not db.exists():
        return
    problems = check(db)
    if problems:
        raise DamagedDatabase(db, problems, newest_good(backup_dir or default_dir(db)))


def backup(db: Path, directory: Path, *, keep: int = DEFAULT_KEEP, now: dt.datetime | None = None) -> Path:
    """Copy ``db`` online into ``directory``; check the copy; keep the newest ``keep``."""
    if keep < 1:
        raise ValueError("keep must be at least 1")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = directory / f"hall-{stamp}.sqlite"
    partial = target.with_suffix(".partial")
    source = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(partial)
        try:
            source.backup(dest, pages=256)  # in steps, so the hub is never held up for long
            dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dest.close()
    finally:
        source.close()
    problems = check(partial, full=True)
    if problems:
        partial.unlink()
        raise DamagedDatabase(Path(db), problems, newest_good(directory))
    partial.replace(target)
    for old in backups(directory)[keep:]:
        old.unlink()
    return target


def restore(db: Path, source: Path, *, now: dt.datetime | None = None) -> Path | None:
    """Put ``source`` in place of ``db``; returns where the old file was moved (or None)."""
    db, source = Path(db), Path(source)
    problems = check(source, full=True)
    if problems:
        raise DamagedDatabase(source, problems, None)
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    moved = None
    if db.exists():
        moved = db.with_name(f"{db.name}.damaged-{stamp}")
        db.replace(moved)
    for suffix in ("-wal", "-shm"):
        side = db.with_name(db.name + suffix)
        if side.exists():
            side.replace(db.with_name(f"{db.name}.damaged-{stamp}{suffix}"))
    partial = db.with_name(db.name + ".restoring")
    shutil.copyfile(source, partial)
    partial.replace(db)
    return moved


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="yichuang backup", description="online backup of the hall database")
    p.add_argument("--db", required=True, help="the hall database")
    p.add_argument("--dir", help="where backups go (default: backups/ beside the database)")
    p.add_argument("--keep", type=int, default=DEFAULT_KEEP, help="how many to keep (default %(default)s)")
    args = p.parse_args(argv)
    try:
        made = backup(Path(args.db), Path(args.dir) if args.dir else default_dir(Path(args.db)), keep=args.keep)
    except (DamagedDatabase, sqlite3.Error, OSError, ValueError) as err:
        print(f"yichuang backup: {err}", file=sys.stderr)
        return 1
    print(f"backed up {args.db} to {made}")
    return 0


def restore_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="yichuang restore", description="put a backup in place of the hall database "
                                "(stop the hub first: systemctl stop yichuang-hub)")
    p.add_argument("--db", required=True, help="the hall database")
    p.add_argument("--from", dest="source", help="the backup (default: the newest good one beside the database)")
    args = p.parse_args(argv)
    source = Path(args.source) if args.source else newest_good(default_dir(Path(args.db)))
    if source is None:
        print(f"yichuang restore: no good backup in {default_dir(Path(args.db))}", file=sys.stderr)
        return 1
    try:
        moved = restore(Path(args.db), source)
    except (DamagedDatabase, OSError) as err:
        print(f"yichuang restore: {err}", file=sys.stderr)
        return 1
    print(f"restored {args.db} from {source}" + (f"; the old file is {moved}" if moved else ""))
    return 0
