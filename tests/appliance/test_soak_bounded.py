"""The soak (bench/soak.py), bounded: three compressed hall days of 40 tickets on a real
Mosquitto, through the hub (its day moved on by SIGUSR1, ``--next-day-on-signal``) and a
terminal of each kind in its own process: the kiosk's presenter and runtime taking each ticket
by touch, the soft caller calling and finishing it, window 9's rating pad rating it, the board,
the window screen and the announcer hearing the calls. Then: every day rolled and started from
001, every ticket taken was served once and is final, each rated once at the pad, every call
heard by the announcer, and no process gained a file descriptor (other than a font file of
Kivy's bounded font cache) or a thread from the end of day 1 to the end of day 3. (RSS is
measured by `make soak`, not asserted here.)"""
from __future__ import annotations

import collections
import sqlite3

from bench import soak

DAYS = [40, 40, 40]


def test_three_compressed_hall_days_through_a_terminal_of_each_kind(tmp_path):
    result = soak.run(DAYS, tmp_path)

    # the bench itself checked each step: the kiosk's number was the one called, finished and rated
    assert [len(day) for day in result.served] == DAYS and result.refused == 0
    assert result.rated == result.served
    assert all(day[0] == "H001" and len(set(day)) == len(day) for day in result.served)
    assert result.rolled == ["2025-03-05", "2025-03-06"]  # the two nights, as the bus saw them

    db = sqlite3.connect(f"file:{tmp_path / 'hall.sqlite'}?mode=ro", uri=True)
    assert db.execute("SELECT COUNT(*) FROM events WHERE type = 'day_started'").fetchone()[0] == len(DAYS)
    tickets = db.execute("SELECT day, number, status FROM tickets ORDER BY day, number").fetchall()
    by_day = collections.defaultdict(list)
    for day, number, status in tickets:
        assert status == "finished", (day, number, status)
        by_day[day].append(number)
    assert [by_day[d] for d in sorted(by_day)] == [sorted(day) for day in result.served]
    ratings = collections.Counter(db.execute("SELECT day, ticket, level, channel FROM ratings").fetchall())
    assert sum(ratings.values()) == sum(DAYS) and set(ratings.values()) == {1}  # each rated once
    assert {(level, channel) for _, _, level, channel in ratings} == {("very_satisfied", "pad")}
    windows_closed = db.execute("SELECT COUNT(*) FROM events WHERE type = 'window_closed' "
                                "AND json_extract(data, '$.reason') = 'day_end'").fetchone()[0]
    assert windows_closed == len(DAYS) - 1  # the clerk's window closed each night; signed in again
    db.close()

    # the announcer heard every call of the three days (numbers restart, so counted per number)
    queued = collections.Counter(line.split()[2] for line in (tmp_path / "voice.trace").read_text().splitlines()
                                 if line.startswith("queued"))
    assert queued == collections.Counter(n for day in result.served for n in day)

    # file descriptors and threads steady in every process, the same at the end of day 1 and of day 3
    # (a display may open a font file for a size it had not drawn yet: Kivy keeps at most 64)
    first, last = DAYS[0], sum(DAYS)
    for name, at in result.samples.items():
        (_, fds1, threads1, fonts1, _), (_, fds3, threads3, fonts3, _) = at[first], at[last]
        assert (fds3 - fonts3, threads3) == (fds1 - fonts1, threads1), name
        assert fonts3 <= fonts1 + 64, name
