"""Compressed hall days for tests and demos (the soak's hundred days in an hour): with
``--next-day-on-signal`` SIGUSR1 moves the hub's clock on by one day and the hub rolls its
hall day at once, as it does at the real day boundary: yesterday's waiting tickets expire,
the windows close (``day_end``), numbers start again at 001. Without the option SIGUSR1 is
not the hub's (the default action ends it), so a real hall never has its clock moved."""
from __future__ import annotations

import datetime as dt
import signal
import types
from zoneinfo import ZoneInfo

from hall.clock import HallCalendar
from hall.service.main import SteppingClock


def test_sigusr1_rolls_the_hall_day_and_numbers_start_again(mosquitto, hall, start_hub, connect):
    hub = start_hub(hall, mosquitto.url, "--next-day-on-signal")
    kiosk = connect(mosquitto.url, hall, "kiosk-1")
    caller = connect(mosquitto.url, hall, "caller-9", watch_events=True)
    assert caller.request("staff_login", staff="0104")["status"] == "ok"
    first = kiosk.request("issue", service="help")["data"]["ticket"]
    left = kiosk.request("issue", service="help")["data"]["ticket"]
    assert caller.request("call_next")["data"]["ticket"] == first
    assert caller.request("finish")["status"] == "ok"

    hub.process.send_signal(signal.SIGUSR1)  # the night, in a moment
    started = caller.wait_for(lambda: [e for e in caller.events if e["type"] == "day_started"], 10, "the next day")
    assert [e["data"]["previous"] for e in started] == ["2025-03-04"]
    assert [e["ticket"] for e in caller.events if e["type"] == "ticket_expired"] == [left]
    closed = [e for e in caller.events if e["type"] == "window_closed"]
    assert [(e["window"], e["data"]["reason"]) for e in closed] == [("9", "day_end")]
    assert hall.query("SELECT day FROM tickets WHERE number = ?", (left,)) == [("2025-03-04",)]
    assert kiosk.request("issue", service="help")["data"]["ticket"] == first  # 001 again, the next day
    assert caller.request("call_next")["error"]["code"] == "window_closed"  # the clerk signs in again
    assert hall.query("SELECT DISTINCT day FROM tickets ORDER BY day") == [("2025-03-04",), ("2025-03-05",)]


def test_without_the_option_the_hub_does_not_take_sigusr1(mosquitto, hall, start_hub):
    hub = start_hub(hall, mosquitto.url)
    hub.process.send_signal(signal.SIGUSR1)
    assert hub.process.wait(10) == -signal.SIGUSR1


def test_the_clock_moves_on_to_the_same_time_of_day_even_over_a_clock_change():
    berlin = types.SimpleNamespace(timezone=ZoneInfo("Europe/Berlin"), day_starts=180)
    calendar = HallCalendar(berlin)
    clock = SteppingClock(calendar, "2025-03-29T10:00")  # the night before summer time: 23 hours long
    days = []
    for _ in range(3):
        days.append((calendar.day(clock()), calendar.local(clock()).strftime("%H:%M")))
        clock.next_day()
    assert [d for d, _ in days] == [dt.date(2025, 3, 29), dt.date(2025, 3, 30), dt.date(2025, 3, 31)]
    assert {t for _, t in days} == {"10:00"}
