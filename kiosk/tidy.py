"""Freeing a replaced screen at once, so a kiosk that runs for months keeps its size.

Every Kivy widget tree is a web of reference cycles (a child holds its parent, a widget's
bindings hold closures over its neighbours), so a screen taken off the window is not freed
when the last reference goes: it waits for CPython's full (generation 2) collection, which
runs only after a quarter as many new long-lived objects as there are already. Until then
each dropped screen keeps its label and QR textures (megabytes in a software-rendered
window), and the C allocator's high-water mark, which it seldom gives back, creeps up with
every busier moment (issue 10's bench: RSS +93 kB per ticket after the first hundred).

``Tidy`` stops what still animates on a dropped screen (a ScrollView fades its bar with an
``Animation``, and Kivy holds every running animation and its widgets), collects the dropped
screens once the new one is on the glass (scheduled once, so a burst of re-renders costs one
collection) and, on glibc, returns the freed pages to the system (``malloc_trim``).
"""
from __future__ import annotations

import gc
import weakref

from hall.malloc import trim


class Tidy:
    """``dropped(widgets)`` from the UI thread whenever a screen was replaced."""

    def __init__(self, schedule_once):
        """``schedule_once(fn)`` runs ``fn`` once on the UI thread after the next frame."""
        self._schedule_once = schedule_once
        self._due = False
        self._dropped: list[weakref.ref] = []
        self.runs = 0

    def dropped(self, screens) -> None:
        self._dropped += [weakref.ref(w) for screen in screens for w in screen.walk(restrict=True)]
        self._stop_animations()
        if not self._due:
            self._due = True
            self._schedule_once(self._run)

    def _stop_animations(self) -> None:
        from kivy.animation import Animation

        for ref in self._dropped:
            widget = ref()
            if widget is not None:
                Animation.cancel_all(widget)

    def _run(self, *_args) -> None:
        self._due = False
        self._stop_animations()  # one a dropped ScrollView started since (its bar fading out)
        self._dropped = []
        gc.collect()
        trim()
        self.runs += 1
