"""What a Kivy terminal holds right now, counted: for the kiosk's memory test and benchmark.

``census(root)`` counts, first as the process holds them (before any collection), then after a
full collection: the widgets and textures alive and how many of the widgets are on the screen,
the Clock's scheduled events, Kivy's cache entries, and every gc-tracked object by type. A
screen the window no longer shows but the process still holds, and anything that grows with
every ticket, shows here as a number, not as RSS.
"""
from __future__ import annotations

import collections
import gc


def _rss_kb() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def census(root) -> dict:
    from kivy.cache import Cache
    from kivy.clock import Clock
    from kivy.graphics.texture import Texture
    from kivy.uix.widget import Widget

    def kivy_objects() -> tuple[int, int]:
        objects = gc.get_objects()
        widgets = sum(1 for o in objects if issubclass(type(o), Widget))  # weak proxies are not widgets
        textures = sum(1 for o in objects if issubclass(type(o), Texture))
        return widgets, textures

    on_screen = sum(1 for _ in root.walk()) if root is not None else 0
    held_widgets, held_textures = kivy_objects()  # what the process holds, garbage included
    rss = _rss_kb()
    gc.collect()
    widgets, textures = kivy_objects()
    by_type = collections.Counter(type(o).__name__ for o in gc.get_objects())
    return {
        "rss_kb": rss,
        "on_screen": on_screen,
        "held_widgets": held_widgets,  # before a collection
        "held_textures": held_textures,
        "widgets": widgets,  # after a full collection
        "textures": textures,
        "clock_events": len(Clock.get_events()),
        "clock_callbacks": sorted(_callback_name(e) for e in Clock.get_events()),
        "cache": sum(len(entries) for entries in Cache._objects.values()),
        "objects": sum(by_type.values()),
        "by_type": dict(by_type),
    }


def _callback_name(event) -> str:
    fn = event.get_callback()
    owner = getattr(fn, "__self__", None)
    name = getattr(fn, "__qualname__", repr(fn))
    return f"{type(owner).__name__}.{name.rsplit('.', 1)[-1]}" if owner is not None else name


def growth(before: dict, after: dict, top: int = 8) -> list[tuple[str, int]]:
    """The object types that grew most between two censuses."""
    a, b = before["by_type"], after["by_type"]
    grown = ((t, b.get(t, 0) - a.get(t, 0)) for t in set(a) | set(b))
    return sorted((g for g in grown if g[1] > 0), key=lambda g: -g[1])[:top]
