"""The board's presenter on states made by the real engine: ordering, new-call marking,
windows, paging, the ticker, closed hours, losing the hub and catching up."""
from __future__ import annotations

from display.board import NEW_SECONDS, PAGE_SECONDS, BoardPresenter
from display.mirror import HallMirror
from display.scenes import busy


def test_the_newest_call_is_first_and_large_and_the_recent_follow_newest_first(township, scene_of):
    scene = scene_of(township)
    scene.do("staff_login", window="1", staff="0101")
    scene.do("staff_login", window="3", staff="0103")
    for _ in range(4):
        scene.do("issue", service="household")
    scene.later(10).do("call_next", window="1")
    scene.later(10).do("call_next", window="3")
    board = BoardPresenter(township)
    view = board.view(scene.mirror(), scene.now)
    assert (view.newest.ticket, view.newest.window, view.newest.sentence) == ("C002", "3", "请 C002 号 到 3号窗口")
    assert [c.ticket for c in view.recent] == ["C001"]
    assert [(w.window, w.ticket) for w in view.windows] == [("1", "C001"), ("3", "C002")]
    assert view.newest.new and [w.fresh for w in view.windows] == [False, True]
    later = board.view(scene.mirror(), scene.now + NEW_SECONDS + 1)
    assert not later.newest.new, "the new mark goes after a few seconds"


def test_a_recall_is_the_newest_call_again_and_marked(township, scene_of):
    scene = scene_of(township)
    scene.do("staff_login", window="2", staff="0102")
    scene.do("issue", service="social_insurance")
    scene.do("issue", service="social_insurance")
    scene.do("call_next", window="2")
    board = BoardPresenter(township)
    board.view(scene.mirror(), scene.now)
    scene.later(60).do("recall", window="2")
    view = board.view(scene.mirror(), scene.now)
    assert (view.newest.ticket, view.newest.recall, view.newest.new) == ("A001", True, True)
    assert [c.ticket for c in view.recent] == ["A001"]


def test_a_board_that_starts_late_shows_the_last_call_plainly_not_as_new(township, scene_of):
    scene = scene_of(township)
    scene.do("staff_login", window="1", staff="0101")
    scene.do("issue", service="household")
    scene.do("call_next", window="1")
    view = BoardPresenter(township).view(scene.mirror(), scene.now + 600)
    assert view.newest.ticket == "C001" and not view.newest.new


def test_thirty_windows_all_shown_and_forty_services_paged_calmly(county, scene_of):
    scene = busy(scene_of(county), per_service=6)
    board = BoardPresenter(county)
    mirror = scene.mirror()
    open_windows = [w for w, m in mirror.windows.items() if m["status"] in ("open", "paused")]
    view = board.view(mirror, scene.now)
    assert len(view.windows) == len(open_windows) >= 29
    assert [w.window for w in view.windows] == [w for w in county.windows if w in open_windows]
    per = board.services_per_page
    assert len(county.services) == 40 and view.pages == -(-40 // per) > 1 and len(view.services) == per
    seen, t = [], scene.now - scene.now % PAGE_SECONDS
    for page in range(view.pages):
        v = board.view(mirror, t + page * PAGE_SECONDS + 0.5)
        seen += [s.code for s in v.services]
        assert board.view(mirror, t + page * PAGE_SECONDS + PAGE_SECONDS - 0.5).services == v.services, "page holds"
    assert sorted(seen) == sorted(county.services), "every service appears once per round"


def test_an_open_tidal_window_is_announced_on_the_ticker(county, scene_of):
    scene = scene_of(county)
    view = BoardPresenter(county).view(scene.mirror(), scene.now)
    assert view.notices == [] and county.notice in view.ticker
    staff = next(s for s in county.staff.values() if s.may_work_at("28"))
    assert scene.do("staff_login", window="28", staff=staff.number)["status"] == "ok"
    view = BoardPresenter(county).view(scene.mirror(), scene.now)
    assert view.notices == ["潮汐窗口28号已开放"] and view.ticker.startswith("潮汐窗口28号已开放")


def test_closed_hours_say_when_tickets_stop_or_start(township, scene_of):
    for clock, banner in (("2025-03-04T18:00:00", "今日已停止取号"), ("2025-03-04T12:30:00", "午间休息，13:30 恢复取号"),
                          ("2025-03-04T08:00:00", "09:00 开始取号"), ("2025-03-08T10:00:00", "今日不办公"),
                          ("2025-03-04T10:00:00", "")):
        scene = scene_of(township, start=clock)
        view = BoardPresenter(township).view(scene.mirror(), scene.now)
        assert (view.banner, view.banner_kind) == (banner, "closed" if banner else ""), clock


def test_lost_hub_is_said_plainly_what_was_known_stays_and_it_catches_up(township, scene_of):
    scene = scene_of(township)
    scene.do("staff_login", window="1", staff="0101")
    scene.do("issue", service="household")
    scene.do("call_next", window="1")
    mirror = scene.mirror()
    board = BoardPresenter(township)
    mirror.connected = False  # the broker went away
    view = board.view(mirror, scene.now)
    assert view.banner_kind == "lost" and "系统连接中断" in view.banner and view.newest.ticket == "C001"
    mirror.connected = True
    mirror.apply(scene.topics.status("hub"), b'{"v":1,"state":"offline"}')  # the hub's last will
    assert board.view(mirror, scene.now).banner_kind == "lost"
    scene.do("issue", service="household")
    scene.do("finish", window="1")
    scene.do("call_next", window="1")  # happened while the board could not hear
    scene.mirror(mirror)  # the hub is back: retained state again
    view = board.view(mirror, scene.now)
    assert view.banner == "" and view.newest.ticket == "C002" and view.windows[0].ticket == "C002"


def test_a_fresh_board_with_nothing_retained_yet_is_calm(township):
    view = BoardPresenter(township).view(HallMirror(township.id), 1741053600.0)
    assert view.newest is None and view.windows == [] and view.banner_kind == "lost"


def test_english_board(township, scene_of):
    scene = scene_of(township)
    scene.do("staff_login", window="9", staff="0104")
    scene.do("issue", service="help")
    scene.do("call_next", window="9")
    view = BoardPresenter(township, lang="en").view(scene.mirror(), scene.now)
    assert view.newest.sentence == "Number H001, please go to Help desk"
    assert view.title == township.name_en and view.date_text == "Tue 4/3/2025"
