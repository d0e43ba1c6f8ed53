"""Schema of the hall database, as sqlite-utils migrations (recorded in _sqlite_migrations).

Add a new function at the end for every change; never edit one that has shipped.
"""
from __future__ import annotations

from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("yichuang.hall")


@MIGRATIONS()
def m001_queue(db):
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["hall_state"].create({"key": str, "value": str}, pk="key")
    db["tickets"].create({
        "id": str, "day": str, "number": str, "service": str, "channel": str, "issued_at": float,
        "queue_key": float, "status": str, "priority": str, "person": str, "person_masked": str,
        "appointment": str, "window": str, "staff": str, "pinned_window": str, "return_window": str,
        "recalls": int, "transfers": int, "called_at": float, "first_called_at": float, "started_at": float,
        "finished_at": float, "outcome": str, "reason": str, "people_ahead": int, "estimated_wait": float,
    }, pk="id", not_null={"day", "number", "service", "status"})
    db["tickets"].create_index(["day", "number"], unique=True)
    db["tickets"].create_index(["day", "status"])
    db["windows"].create({
        "id": str, "status": str, "staff": str, "ticket": str, "pause_reason": str,
        "priority_streak": int, "since": float,
    }, pk="id")
    db["events"].create({
        "seq": int, "type": str, "at": str, "ts": float, "day": str, "ticket": str, "service": str,
        "window": str, "staff": str, "data": str, "published": int, "uploaded": int,
    }, pk="seq", not_null={"type", "at", "ts"})
    db["events"].create_index(["day", "type"])
    db["events"].create_index(["published"])
    db["transactions"].create({
        "id": str, "at": float, "verb": str, "source": str, "status": str, "reply": str,
    }, pk="id")


@MIGRATIONS()
def m002_ticket_token(db):
    """The ticket's unguessable token (its status-page address); unique, so a lookup by token
    is one index probe and two tickets can never share one."""
    db["tickets"].add_column("token", str)
    db["tickets"].create_index(["token"], unique=True)


@MIGRATIONS()
def m003_appointments(db):
    """Bookings a hall imports (`yichuang appointments import FILE`), checked in at the kiosk."""
    db["appointments"].create({
        "code": str, "service": str, "day": str, "start": str, "end": str, "person": str, "imported_at": float,
    }, pk="code", not_null={"service", "day", "start", "end"})
    db["appointments"].create_index(["day"])


def names() -> list[str]:
    """Every migration's name, in the order they apply."""
    return [m.name for m in MIGRATIONS._migrations]
