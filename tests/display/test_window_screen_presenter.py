"""The window screen's presenter: the number in hand, the staff badge, 暂停服务 with the reason."""
from __future__ import annotations

from display.mirror import HallMirror
from display.window_screen import WindowScreenPresenter


def test_calling_then_serving_with_the_staff_badge(township, scene_of, tmp_path):
    scene = scene_of(township)
    (tmp_path / "staff").mkdir()
    (tmp_path / "staff" / "0103.jpg").write_bytes(b"\xff\xd8jpeg")
    screen = WindowScreenPresenter(township, "3", photos=tmp_path)
    view = screen.view(scene.mirror())
    assert (view.status, view.paused_text, view.ticket) == ("closed", "暂停服务", "")
    scene.do("staff_login", window="3", staff="0103")
    scene.do("issue", service="household")
    scene.do("call_next", window="3")
    view = screen.view(scene.mirror())
    assert (view.number_label, view.ticket, view.ticket_line) == ("3号窗口", "C001", "请 C001 号 到本窗口办理")
    assert (view.staff_name, view.staff_number) == ("王芳", "工号 0103")
    assert view.photo == str(tmp_path / "staff" / "0103.jpg")
    scene.do("start", window="3")
    assert screen.view(scene.mirror()).ticket_line == "正在办理"


def test_no_photo_file_means_the_neutral_placeholder(township, scene_of, tmp_path):
    scene = scene_of(township)
    scene.do("staff_login", window="1", staff="0101")
    assert WindowScreenPresenter(township, "1", photos=tmp_path).view(scene.mirror()).photo is None


def test_paused_shows_the_reason(township, scene_of):
    scene = scene_of(township)
    scene.do("staff_login", window="2", staff="0102")
    scene.do("pause", window="2", reason="系统升级，请稍候")
    view = WindowScreenPresenter(township, "2").view(scene.mirror())
    assert (view.status, view.paused_text, view.reason, view.ticket) == ("paused", "暂停服务", "系统升级，请稍候", "")


def test_a_named_window_shows_its_name_and_lost_hub_is_said(township, scene_of):
    scene = scene_of(township)
    mirror = scene.mirror()
    assert WindowScreenPresenter(township, "9").view(mirror).name == "帮办代办台"
    assert WindowScreenPresenter(township, "1").view(mirror).name == "综合受理窗口"
    mirror.connected = False
    assert "系统连接中断" in WindowScreenPresenter(township, "1").view(mirror).banner
    assert WindowScreenPresenter(township, "1").view(HallMirror(township.id)).status == "unknown"
