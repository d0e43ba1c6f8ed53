"""The county's store on a real PostgreSQL: migrations, exactly-once by (hall, seq), holes."""
from __future__ import annotations

import psycopg

from county.store import CountyStore


def event(hall: str, seq: int, day: str = "2026-12-01") -> dict:
    return {"hall": hall, "seq": seq, "day": day, "type": "ticket_issued", "at": f"{day}T09:00:00.000+08:00",
            "ticket": f"A{seq:03d}", "service": "household", "window": None, "staff": None, "data": {}}


def test_events_are_stored_once_and_acknowledged_only_up_to_a_hole(county_db):
    store = CountyStore(county_db, {"a": "A镇", "b": "B镇"})
    assert store.ingest([event("a", 1), event("a", 2), event("b", 1)]) == {"a": 2, "b": 1}
    assert store.ingest([event("a", 2), event("a", 1)]) == {}  # duplicates change nothing
    assert store.ingest([event("a", 4), event("a", 5)]) == {}  # a hole at 3: nothing more to acknowledge
    assert store.gaps() == {"a": 3}
    assert store.ingest([event("a", 3)]) == {"a": 5}
    assert store.gaps() == {}
    assert store.seqs("a") == [1, 2, 3, 4, 5] and store.seqs("b") == [1]
    store.close()


def test_a_restarted_county_knows_where_each_hall_stands(county_db):
    store = CountyStore(county_db, {"a": "A镇"})
    store.ingest([event("a", 1), event("a", 2), event("a", 4)])
    store.close()
    again = CountyStore(county_db, {"a": "A镇"})
    assert again.contiguous == {"a": 2} and again.gaps() == {"a": 3}
    assert again.migrate() == 0  # nothing to apply twice
    assert again.ingest([event("a", 3)]) == {"a": 4}
    again.close()


def test_events_land_in_monthly_partitions_and_unknown_halls_are_ignored(county_db):
    store = CountyStore(county_db, {"a": "A镇"})
    store.ingest([event("a", 1, "2026-11-30"), event("a", 2, "2026-12-01"), event("zz", 1)])
    with psycopg.connect(county_db) as conn:
        parts = dict(conn.execute("SELECT tableoid::regclass::text, count(*) FROM events GROUP BY 1").fetchall())
    assert parts == {"events_2026_11": 1, "events_2026_12": 1}
    assert store.seqs("zz") == []
    store.close()
