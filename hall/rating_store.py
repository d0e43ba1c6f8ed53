"""好差评 in the database: matters, rating records and cases, written in the command's own
transaction (``HallStore._write`` calls ``write``) and read back exactly (``load``).

A rating record is inserted once and never replaced: a second insert for the same matter
fails the transaction (the engine refuses it first). Lists are stored as JSON text.
"""
from __future__ import annotations

import json

from hall.rating_state import CASE_FIELDS, MATTER_FIELDS, RATING_FIELDS, Case, Matter, Rating

_JSON = {"reasons", "steps"}
_BOOL = {"named", "reported", "overdue"}


def _cols(table: str, columns: tuple[str, ...], verb: str) -> str:
    quoted = ", ".join(f'"{c}"' for c in columns)
    return f"{verb} INTO {table} ({quoted}) VALUES ({', '.join('?' * len(columns))})"


_UPSERT_MATTER = _cols("matters", MATTER_FIELDS, "INSERT OR REPLACE")
_INSERT_RATING = _cols("ratings", RATING_FIELDS, "INSERT")
_UPSERT_CASE = _cols("cases", CASE_FIELDS, "INSERT OR REPLACE")


def _values(obj, columns) -> tuple:
    out = []
    for c in columns:
        v = getattr(obj, c)
        if c in _JSON:
            v = json.dumps(v, ensure_ascii=False)
        elif c in _BOOL:
            v = int(bool(v))
        out.append(v)
    return tuple(out)


def _obj(cls, row: dict, columns):
    kw = {}
    for c in columns:
        v = row[c]
        if c in _JSON:
            v = json.loads(v) if v else []
        elif c in _BOOL:
            v = bool(v)
        kw[c] = v
    return cls(**kw)


def write(conn, book) -> None:
    """Write what changed in the rating book (inside the caller's transaction)."""
    if book.dirty_matters:
        conn.executemany(_UPSERT_MATTER, [_values(m, MATTER_FIELDS) for m in book.dirty_matters.values()])
    if book.new_ratings:
        conn.executemany(_INSERT_RATING, [_values(r, RATING_FIELDS) for r in book.new_ratings])
    if book.dirty_cases:
        conn.executemany(_UPSERT_CASE, [_values(c, CASE_FIELDS) for c in book.dirty_cases.values()])
    book.clean()


def load(db, state) -> None:
    """Rebuild the rating book: today's matters and their asks, the cases not yet 办结."""
    book = state.rating
    if state.day is not None:
        for r in db.query("SELECT * FROM matters WHERE day = ?", [state.day]):
            m = _obj(Matter, r, MATTER_FIELDS)
            book.matters[m.key] = m
            if m.status == "asked":
                book.asks[m.window] = m.key
    for r in db.query("SELECT * FROM cases WHERE status != 'closed' ORDER BY id"):
        c = _obj(Case, r, CASE_FIELDS)
        book.cases[c.id] = c
    book.last_case = db.execute("SELECT COALESCE(MAX(id), 0) FROM cases").fetchone()[0]
    book.clean()


# ---------------------------------------------------------------------- reading (CLI, export, web)

def ratings(db, day: str | None = None) -> list[Rating]:
    sql, params = "SELECT * FROM ratings", []
    if day is not None:
        sql, params = sql + " WHERE day = ?", [day]
    return [_obj(Rating, r, RATING_FIELDS) for r in db.query(sql + " ORDER BY at, id", params)]


def cases(db, status: str | None = None, open_only: bool = False) -> list[Case]:
    sql, params = "SELECT * FROM cases", []
    if status is not None:
        sql, params = sql + " WHERE status = ?", [status]
    elif open_only:
        sql += " WHERE status != 'closed'"
    return [_obj(Case, r, CASE_FIELDS) for r in db.query(sql + " ORDER BY id", params)]


def case(db, case_id: int) -> Case | None:
    rows = list(db.query("SELECT * FROM cases WHERE id = ?", [case_id]))
    return _obj(Case, rows[0], CASE_FIELDS) if rows else None


def mark_reported(db, ids: list[str]) -> None:
    with db.atomic():
        db.conn.executemany("UPDATE ratings SET reported = 1 WHERE id = ?", [(i,) for i in ids])
