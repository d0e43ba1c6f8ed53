"""End to end: a real Mosquitto, the hub as a process, and the board's and a window screen's
feeds (the same code the Kivy apps run, without the window): call, recall, transfer and a hub
restart, checked through the presenters and against the retained state on the broker."""
from __future__ import annotations

import queue
import time

from display.board import BoardPresenter
from display.feed import Feed
from display.terminal import DisplayCore
from display.window_screen import WindowScreenPresenter


class Terminal:
    """A display terminal's core fed by a real MQTT connection, pumped on the test's thread."""

    def __init__(self, url, hall, device, clock, *, announce=False):
        self.inbox: queue.Queue = queue.Queue()
        self.core = DisplayCore(hall.config, clock=clock, announce=announce)
        self.feed = Feed(url, hall.config, device, lambda kind, value: self.inbox.put((kind, value)),
                         events=announce).start()

    def until(self, predicate, timeout=40.0, what="condition"):
        deadline = time.monotonic() + timeout
        while True:
            try:
                while True:
                    self.core.handle(*self.inbox.get_nowait())
            except queue.Empty:
                pass
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"not reached within {timeout} s: {what}")
            time.sleep(0.02)

    def close(self):
        self.feed.stop()


def test_call_recall_transfer_and_a_hub_restart(mosquitto, hub_hall, start_hub, connect):
    hall = hub_hall
    hub = start_hub(hall, mosquitto.url)
    clock = lambda: hub._clock0 + time.time() - hub._t0  # noqa: E731  (the hub's test clock)
    board = Terminal(mosquitto.url, hall, "board-1", clock, announce=True)
    screen3 = Terminal(mosquitto.url, hall, "wscreen-3", clock)
    board_view = BoardPresenter(hall.config)
    screen_view = WindowScreenPresenter(hall.config, "3")
    watcher = connect(mosquitto.url, hall, "board-1", watch_state=True, client_id="board-1-watch")
    try:
        board.until(lambda: board.core.mirror.hall and board.core.mirror.live, what="retained state at start")
        assert board_view.view(board.core.mirror, clock()).windows == []  # nobody signed in yet
        caller3 = connect(mosquitto.url, hall, "caller-3")
        caller1 = connect(mosquitto.url, hall, "caller-1")
        kiosk = connect(mosquitto.url, hall, "kiosk-1")
        assert caller3.request("staff_login", staff="0103")["status"] == "ok"
        for _ in range(3):
            assert kiosk.request("issue", service="social_insurance")["status"] == "ok"

        # call: the board's newest call, window 3's screen, and one announcement
        assert caller3.request("call_next")["data"]["ticket"] == "A001"
        v = board.until(lambda: (v := board_view.view(board.core.mirror, clock())).newest and
                        [(w.window, w.ticket) for w in v.windows] == [("3", "A001")] and v,
                        what="the call, on the call line and in the windows")
        assert (v.newest.ticket, v.newest.window, v.newest.recall, v.newest.new) == ("A001", "3", False, True)
        assert [(w.window, w.ticket) for w in v.windows] == [("3", "A001")]
        s = screen3.until(lambda: (s := screen_view.view(screen3.core.mirror)).ticket and s, what="window screen")
        assert (s.ticket, s.ticket_line, s.staff_name) == ("A001", "请 A001 号 到本窗口办理", "王芳")
        board.until(lambda: len(board.core.announcer.announced) == 1, what="the call announced")
        assert board.core.announcer.announced[0].text == "请A零零一号到三号窗口办理"

        # recall: announced again, marked 重呼 on the board
        assert caller3.request("recall")["status"] == "ok"
        board.until(lambda: len(board.core.announcer.announced) == 2, what="the recall announced")
        v = board.until(lambda: (v := board_view.view(board.core.mirror, clock())).newest.recall and v,
                        what="the recall on the board")
        assert (v.newest.ticket, v.newest.recall) == ("A001", True)

        # transfer to window 1, which calls it
        assert caller3.request("transfer", to_window="1")["status"] == "ok"
        screen3.until(lambda: screen_view.view(screen3.core.mirror).ticket == "", what="window 3 empty")
        assert caller1.request("staff_login", staff="0101")["status"] == "ok"
        assert caller1.request("call_next")["data"]["ticket"] == "A001"
        # the call event and window 1's retained state arrive separately: wait for both
        v = board.until(lambda: (v := board_view.view(board.core.mirror, clock())).newest.window == "1" and
                        [(w.window, w.ticket) for w in v.windows] == [("1", "A001"), ("3", "")] and v,
                        what="A001 at window 1, on the call line and in the windows")
        assert [(w.window, w.ticket) for w in v.windows] == [("1", "A001"), ("3", "")]
        assert caller3.request("call_next")["data"]["ticket"] == "A002"

        # the boards agree with the retained state on the broker
        retained = watcher.wait_for(lambda: (b := watcher.state_of(watcher.topics.board())) and
                                    b["calls"][0]["ticket"] == "A002" and b, 10, "retained board")
        v = board.until(lambda: (v := board_view.view(board.core.mirror, clock())).newest.ticket == "A002" and v)
        assert [c.ticket for c in [v.newest, *v.recent]] == [c["ticket"] for c in retained["calls"]][:1 + len(v.recent)]
        board.until(lambda: len(board.core.announcer.announced) == 4, what="four announcements")
        spoken = [a.ticket for a in board.core.announcer.announced]
        assert spoken == ["A001", "A001", "A001", "A002"]

        # the hub stops: the board says so and keeps what it knew
        hub.stop()
        v = board.until(lambda: (v := board_view.view(board.core.mirror, clock())).banner_kind == "lost" and v,
                        what="lost hub banner")
        assert v.newest.ticket == "A002" and "系统连接中断" in v.banner
        caller1.send("finish")
        caller1.send("call_next")  # sent while the hub is away: answered when it is back
        hub.start()
        v = board.until(lambda: (v := board_view.view(board.core.mirror, clock())).banner == "" and
                        v.newest.ticket == "A003" and v, what="caught up after the restart")
        assert [(w.window, w.ticket) for w in v.windows] == [("1", "A003"), ("3", "A002")]
        board.until(lambda: [a.ticket for a in board.core.announcer.announced][-1] == "A003", what="A003 said")
        seqs = [a.seq for a in board.core.announcer.announced]
        assert len(seqs) == len(set(seqs)), "a call was announced twice"
        s = screen3.until(lambda: (s := screen_view.view(screen3.core.mirror)).ticket == "A002" and s.live and s)
        assert s.banner == ""
    finally:
        board.close()
        screen3.close()
