"""`yichuang board` and `yichuang window-screen`: the Kivy terminals, thin over the presenters.

    yichuang board --config HALL.toml --device board-1 [--broker mqtt://HOST:PORT]
    yichuang window-screen --config HALL.toml --device wscreen-3

Both show the present at once from the retained state, keep what they last knew when the hub
or the broker is away (and say so), and catch up by themselves. The board also announces the
calls (``[voice]`` of the hall file) unless ``--no-voice`` (then run ``yichuang voice`` on
the PC with the speakers). Fullscreen unless ``--windowed``.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from hall.config import ConfigError, load_hall
from hall.service.main import clock_from
from display.feed import Feed, Trace, add_connection_options, password_of, pick_device

log = logging.getLogger("yichuang.display")
SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
        return w, h
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected WIDTHxHEIGHT, e.g. 1920x1080") from None


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the screen (default zh)")
    p.add_argument("--windowed", action="store_true", help="a window instead of fullscreen (for a desk)")
    p.add_argument("--fullscreen", action="store_true", help="fullscreen, no decorations (the default)")
    p.add_argument("--for", dest="seconds", type=float, help="TESTS: stop after this many seconds")
    p.add_argument("--screenshot", metavar="PNG", help="TESTS: save a picture of the screen when stopping")
    p.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))


def _prepare_kivy(size: tuple[int, int], windowed: bool) -> None:
    """Kivy's settings must be made before its window is imported."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from kivy.config import Config

    Config.set("graphics", "width", str(size[0]))
    Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "borderless", "0" if windowed else "1")
    Config.set("graphics", "fullscreen", "0" if windowed else "auto")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("kivy", "exit_on_escape", "0")


def _load(args, roles):
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    config = load_hall(args.config)
    device = pick_device(config, args.device, roles)
    return config, device


def _run_app(app_class, args, *rest) -> int:
    import signal

    from kivy.clock import Clock

    app = app_class(args, *rest)
    # SIGTERM (systemd stop) and Ctrl-C: leave through the app, so the feed says offline
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: Clock.schedule_once(lambda dt: app.stop()))
    app.run()
    return 0


class _Base:
    """The parts both apps share (mixed into a kivy App subclass at run time)."""

    def start_feed(self, events: bool):
        from kivy.clock import Clock

        from hall.service.sdnotify import kivy_watchdog  # fed from Kivy's clock

        # systemd (Type=notify, WatchdogSec): ready once drawn; fed from Kivy's clock, so a
        # frozen screen stops feeding and is restarted
        self.watchdog = kivy_watchdog(f"{self.device}: showing {self.hall.id}")
        self.feed = Feed(self.args.broker, self.hall, self.device,
                         lambda kind, value: Clock.schedule_once(lambda dt: self.on_feed(kind, value)),
                         events=events, password=password_of(self.args)).start()
        if self.args.seconds:
            Clock.schedule_once(lambda dt: self.finish(), self.args.seconds)

    def finish(self):
        from kivy.core.window import Window

        if self.args.screenshot:
            self.redraw()
            path = Window.screenshot(name=self.args.screenshot)
            if path and path != self.args.screenshot:
                os.replace(path, self.args.screenshot)
        self.stop()

    def on_stop(self):
        self.watchdog.stopping()
        self.feed.stop()

    def on_feed(self, kind, value):
        if self.core.handle(kind, value):
            self.redraw_soon()


def board_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="yichuang board", description="the hall board (综合屏), with the announcer")
    add_connection_options(p, "this board's [[device]] id (default: the first board of the hall file)")
    p.add_argument("--orientation", choices=tuple(SIZES), default="landscape")
    p.add_argument("--size", type=_size, help="window size WxH (default 1920x1080, portrait 1080x1920)")
    p.add_argument("--no-voice", action="store_true", help="no announcer here (run `yichuang voice` elsewhere)")
    _common(p)
    args = p.parse_args(argv)
    try:
        config, device = _load(args, ("board",))
    except (ConfigError, ValueError) as err:
        print(f"yichuang board: {err}", file=sys.stderr)
        return 2
    size = args.size or SIZES[args.orientation]
    _prepare_kivy(size, args.windowed)
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window

    from display import theme
    from display.board import BoardPresenter
    from display.board_app import BoardScreen
    from display.terminal import DisplayCore

    class BoardApp(_Base, App):
        def __init__(self, args, config, device):
            super().__init__()
            self.args, self.hall, self.device = args, config, device
            self.clock = clock_from(args.clock, config)
            self.trace = Trace(args.trace)
            self._shown_seq = None
            self._blink = False

        def build(self):
            self.title = f"{self.hall.name} 综合屏"
            number_font = theme.register_fonts()
            voice = None
            if not self.args.no_voice:
                voice = _start_voice(self.hall)
            self.core = DisplayCore(self.hall, clock=self.clock, voice=voice, announce=not self.args.no_voice,
                                    trace=self.trace)
            self.presenter = BoardPresenter(self.hall, lang=self.args.lang, orientation=self.args.orientation)
            w, h = Window.size
            self.screen = BoardScreen(self.args.orientation, min(w, h) / 1080, number_font)
            self.redraw_soon = Clock.create_trigger(lambda dt: self.redraw(), 0)
            self.redraw()
            Clock.schedule_interval(lambda dt: self.redraw(), 1.0)
            Clock.schedule_interval(self.screen.ticker.step, 1.0)
            Clock.schedule_interval(self.blink, 0.5)
            self.start_feed(events=not self.args.no_voice)
            return self.screen

        def redraw(self):
            self.view = self.presenter.view(self.core.mirror, self.clock())
            self.screen.show(self.view)
            n = self.view.newest
            if n and n.seq != self._shown_seq:
                self._shown_seq = n.seq
                self.trace("redraw", n.seq, n.ticket)

        def blink(self, dt):
            n = getattr(self, "view", None) and self.view.newest
            self._blink = not self._blink
            self.screen.flash(bool(n and n.new and self._blink))

        def on_stop(self):
            super().on_stop()
            if self.core.voice:
                self.core.voice.close()

    return _run_app(BoardApp, args, config, device)


def recordings_dir(config) -> Path | None:
    """The hall's own clips (``[voice] recordings``), relative to the hall file."""
    if not config.voice.recordings:
        return None
    path = Path(config.voice.recordings)
    if not path.is_absolute() and config.source:
        path = Path(config.source).parent / path
    if not path.is_dir():
        log.warning("[voice] recordings: no folder %s; the generated clips are used", path)
    return path


def _start_voice(config):
    from display.voice.pack import VoiceError
    from display.voice.player import Voice

    try:
        return Voice.start(recordings=recordings_dir(config))
    except VoiceError as err:
        log.error("the announcer is silent: %s", err)
        return None


def window_screen_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="yichuang window-screen", description="the screen above a window (窗口屏)")
    add_connection_options(p, "this screen's [[device]] id (a window_screen; it names the window)")
    p.add_argument("--size", type=_size, default=(800, 480), help="panel size WxH (default 800x480; 1280x400 bars)")
    p.add_argument("--photos", help="folder of staff photos (default: beside the hall file)")
    _common(p)
    args = p.parse_args(argv)
    try:
        config, device = _load(args, ("window_screen",))
    except (ConfigError, ValueError) as err:
        print(f"yichuang window-screen: {err}", file=sys.stderr)
        return 2
    _prepare_kivy(args.size, args.windowed)
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window

    from display import theme
    from display.terminal import DisplayCore
    from display.window_app import WindowScreen
    from display.window_screen import WindowScreenPresenter

    class WindowScreenApp(_Base, App):
        def __init__(self, args, config, device):
            super().__init__()
            self.args, self.hall, self.device = args, config, device
            self.clock = clock_from(args.clock, config)
            self.trace = Trace(args.trace)
            self._shown = None

        def build(self):
            window = self.hall.devices[self.device].window
            self.title = f"{window}号窗口 窗口屏"
            number_font = theme.register_fonts()
            self.core = DisplayCore(self.hall, clock=self.clock)
            self.presenter = WindowScreenPresenter(self.hall, window, lang=self.args.lang,
                                                   photos=Path(self.args.photos) if self.args.photos else None)
            self.screen = WindowScreen(*Window.size, number_font)
            self.redraw_soon = Clock.create_trigger(lambda dt: self.redraw(), 0)
            self.redraw()
            self.start_feed(events=False)
            return self.screen

        def redraw(self):
            view = self.presenter.view(self.core.mirror)
            self.screen.show(view)
            if view.ticket != self._shown:
                self._shown = view.ticket
                self.trace("redraw", self.core.mirror.seq, view.ticket or "-")

    return _run_app(WindowScreenApp, args, config, device)
