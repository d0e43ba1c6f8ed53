"""What the simulated devices window shows and what its buttons do (no Kivy here).

``PanelPresenter(rig)``: ``view()`` is a ``PanelView`` (sections of lines and buttons, and
the last printed ticket's picture) built from the rig's state; ``press(action, arg)`` moves
a card, scans the appointment code or takes the paper out. The fictional card holders are
shown masked (李*英), as everything a screen shows in the hall.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from devices.panel.rig import DeviceRig, card_holder

TITLE = "模拟设备 / Simulated devices"
SUBTITLE = "取号机的读卡器、扫码器、打印机 / the kiosk's reader, scanner, printer"
CARDS = (("resident_long_term", "长者"), ("resident", "居民"))  # (kind, who) the window offers


@dataclass(frozen=True)
class Button:
    action: str
    arg: str | None
    label: str


@dataclass(frozen=True)
class Section:
    title: str
    lines: tuple[str, ...]
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class PanelView:
    title: str
    subtitle: str
    sections: tuple[Section, ...]
    ticket_title: str
    ticket_picture: str | None


class PanelPresenter:
    def __init__(self, rig: DeviceRig, green_age: int = 60, today=dt.date.today):
        self.rig = rig
        self.green_age = green_age
        self.today = today

    def press(self, action: str, arg: str | None = None) -> bool:
        rig = self.rig
        if action == "place" and arg in rig.cards:
            rig.place(arg)
        elif action == "lift" and rig.card is not None:
            rig.lift()
        elif action == "scan" and rig.appointment:
            rig.scan_appointment()
        elif action == "paper_out" and rig.paper_loaded:
            rig.paper(False)
        elif action == "paper_in" and not rig.paper_loaded:
            rig.paper(True)
        else:
            return False
        return True

    def _who(self, kind: str, green: bool = True) -> str:
        name, age = card_holder(kind, self.today())
        return f"{name} {age}岁" + ("（绿色通道）" if green and age >= self.green_age else "")

    def view(self) -> PanelView:
        rig = self.rig
        on_reader = f"读卡器上：{self._who(rig.card)}" if rig.card else "读卡器上没有卡 / no card"
        reader = Section("身份证阅读器 / ID card reader",
                         (on_reader, "放卡后在取号机上点业务 / then touch a service on the kiosk"),
                         tuple(Button("place", kind, f"放身份证 · {who} {self._who(kind, False)}") for kind, who in CARDS)
                         + ((Button("lift", None, "取走身份证 / take the card"),) if rig.card else ()))
        code = rig.appointment
        scanner = Section("扫码器 / QR scanner",
                          (f"预约码 / booking：{code}",) if code else ("没有演示预约 / no booking",),
                          (Button("scan", None, "扫预约码 / scan it"),) if code else ())
        loaded = rig.paper_loaded
        state = f"有纸，已打印 {rig.printed} 张 / {rig.printed} printed" if loaded else "缺纸 / paper out"
        printer = Section("打印机 / ticket printer", (state,),
                          (Button("paper_out", None, "取出纸卷 / paper out"),) if loaded else
                          (Button("paper_in", None, "装纸 / load paper"),))
        picture = rig.last_picture()
        title = f"最近打印的小票 / last ticket（{rig.printed}）" if picture else "还没有打印小票 / no ticket yet"
        return PanelView(TITLE, SUBTITLE, (reader, scanner, printer), title, picture)
