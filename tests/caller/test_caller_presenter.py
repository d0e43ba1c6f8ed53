"""The soft caller's presenter against the hub's real request handling (tests/caller/conftest.py):
every button, the hub's refusals shown as the hub words them, and what happens offline."""
from __future__ import annotations

import dataclasses

from caller.actions import ACTIONS, PAUSE_REASONS
from caller.rehearsal import PIN, Desk
from hall.protocol import HUB_CLIENT


def enabled(desk) -> set[str]:
    return {b.id for b in desk.view().buttons if b.enabled}


# ---------------------------------------------------------------------- sign in, AB岗, sign out

def test_sign_in_with_staff_number_and_pin(desk, local_hub):
    assert desk.view().situation == "signed_out"
    assert enabled(desk) == {"sign_in"}
    desk.presenter.press("sign_in")
    assert desk.view().dialog.kind == "sign_in"
    desk.presenter.sign_in("0103", PIN)
    assert desk.sent[0]["verb"] == "staff_login" and desk.sent[0]["staff"] == "0103"
    assert "window" not in desk.sent[0]  # the hub fills in the caller's own window
    assert "pin" not in desk.sent[0] and PIN not in str(desk.sent[0])
    desk.deliver()
    view = desk.view()
    assert view.staff == "王芳 0103" and view.situation == "idle"
    assert desk.notice() == "王芳（0103）已登录3号窗口"
    assert {"call_next", "call_number", "pause", "sign_out"} <= enabled(desk)
    assert local_hub.query("SELECT staff FROM events WHERE type = 'staff_login'") == [("0103",)]


def test_a_wrong_pin_sends_nothing_and_five_lock_the_sign_in(desk, local_hub):
    desk.presenter.sign_in("0103", "9999")
    assert desk.notice() == "工号或密码不正确，请重新输入" and desk.sent == []
    desk.presenter.sign_in("7777", PIN)
    assert desk.notice() == "工号或密码不正确，请重新输入" and desk.sent == []
    for _ in range(3):
        desk.presenter.sign_in("0103", "0000")
    assert desk.notice() == "密码错误次数过多，请60秒后再试"
    desk.presenter.sign_in("0103", PIN)  # even the right PIN, while locked
    assert desk.sent == [] and "密码错误次数过多" in desk.notice()
    local_hub.advance(61)
    desk.sign_in("0103", PIN)
    assert desk.view().situation == "idle"


def test_staff_without_a_pin_cannot_sign_in_at_a_soft_caller(tmp_path):
    from caller.rehearsal import LocalHub

    hub = LocalHub(tmp_path)
    hub.config.staff["0104"] = dataclasses.replace(hub.config.staff["0104"], pin="")
    desk = Desk(hub)
    desk.presenter.sign_in("0104", PIN)
    assert desk.notice() == "工号0104未设置登录密码，请联系大厅管理员" and desk.sent == []


def test_taking_over_a_window_asks_for_confirmation_and_is_recorded(local_hub):
    a, b = Desk(local_hub), Desk(local_hub)
    a.sign_in("0101")
    b.presenter.sign_in("0102", PIN)
    dialog = b.view().dialog
    assert dialog.kind == "takeover" and b.sent == []
    assert dialog.title == "3号窗口当前由陈晓梅（0101）登录。确认由工号0102接替（AB岗）？"
    b.presenter.key("Escape")
    assert b.view().dialog is None and b.sent == []
    b.presenter.sign_in("0102", PIN)
    b.presenter.key("1")  # 确认接替
    assert b.sent[0]["takeover"] is True
    b.deliver()
    assert b.notice() == "刘建国（0102）已登录3号窗口（AB岗接替）"
    assert b.view().staff == "刘建国 0102"
    assert a.notice() == "工号0101已被工号0102接替（AB岗）"
    rows = local_hub.query("SELECT type, staff, data FROM events WHERE type IN ('staff_logout', 'staff_login') ORDER BY seq")
    assert [(t, s) for t, s, _ in rows] == [("staff_login", "0101"), ("staff_logout", "0101"), ("staff_login", "0102")]
    assert '"by": "0102"' in rows[1][2] or '"by":"0102"' in rows[1][2]


def test_a_stale_window_state_meets_window_occupied_and_then_asks(local_hub):
    a, b = Desk(local_hub), Desk(local_hub)
    b.up = False  # b does not hear a's sign-in
    a.sign_in("0101")
    b.up = True
    b.presenter.sign_in("0102", PIN)  # b still thinks the window is closed
    assert "takeover" not in b.sent[0]
    b.deliver()
    assert b.notice() == "3号窗口已由工号0101登录"
    assert b.view().dialog.kind == "takeover"


def test_sign_out_closes_the_window(desk):
    desk.sign_in()
    desk.press("sign_out")
    assert desk.notice() == "已退出登录，窗口已关闭"
    assert desk.view().situation == "signed_out" and desk.view().staff == "未登录"


# ---------------------------------------------------------------------- pause and resume

def test_pause_with_a_reason_from_the_list_and_resume(desk, local_hub):
    desk.sign_in()
    desk.presenter.press("pause")
    dialog = desk.view().dialog
    assert [label for _, label in dialog.choices] == list(PAUSE_REASONS) == ["午休", "会议", "临时离开", "业务咨询", "其他"]
    desk.presenter.key("3")
    assert desk.sent[0] == {**desk.sent[0], "verb": "pause", "reason": "临时离开"}
    desk.deliver()
    view = desk.view()
    assert view.situation == "paused" and view.situation_text == "暂停服务：临时离开"
    assert enabled(desk) == {"resume", "return_missed", "sign_in", "sign_out"}
    desk.presenter.key("F11")  # the same key resumes
    desk.deliver()
    assert desk.notice() == "已恢复服务" and desk.view().situation == "idle"
    assert local_hub.count("window_paused") == 1 and local_hub.count("window_resumed") == 1


# ---------------------------------------------------------------------- the one-tap actions

def test_call_next_shows_the_ticket_in_hand(desk, local_hub):
    desk.sign_in()
    number = local_hub.issue("household")
    assert desk.view().waiting == 1
    local_hub.advance(5 * 60)
    desk.press("call_next")
    assert desk.notice() == f"正在呼叫{number}号"
    card = desk.view().ticket
    assert (card.number, card.service_name, card.status, card.priority) == (number, "户籍与证明开具", "已叫号", "")
    assert card.waited_min == 5 and card.serving_min is None
    assert desk.view().waiting == 0
    assert enabled(desk) >= {"recall", "start", "no_show", "hold", "transfer", "finish", "finish_other"}
    assert "call_next" not in enabled(desk)


def test_recall_start_and_finish(desk, local_hub):
    desk.sign_in()
    number = local_hub.issue()
    desk.press("call_next")
    desk.press("recall")
    assert desk.notice() == f"已重呼{number}号"
    desk.press("start")
    assert desk.notice() == f"{number}号开始办理" and desk.view().ticket.status == "办理中"
    local_hub.advance(7 * 60)
    assert desk.view().ticket.serving_min == 7
    desk.press("finish")
    assert desk.sent == [] and desk.notice() == f"{number}号已办结"
    view = desk.view()
    assert view.ticket is None and view.served == 1 and view.handling_mean_min == 7.0
    assert local_hub.query("SELECT outcome, staff FROM tickets") == [("completed", "0103")]


def test_recalls_beyond_the_limit_move_the_ticket_to_the_missed_pool(desk, local_hub):
    desk.sign_in()
    number = local_hub.issue()
    desk.press("call_next")
    for _ in range(3):  # recall_limit = 2
        desk.press("recall")
    assert desk.notice() == f"{number}号重呼次数已满，已转入过号"
    assert desk.view().missed == [number]


def test_no_show_then_return_from_the_missed_list(desk, local_hub):
    desk.sign_in()
    first, second = local_hub.issue(), local_hub.issue()
    desk.press("call_next")
    desk.press("no_show")
    assert desk.notice() == f"{first}号已过号" and desk.view().missed == [first]
    desk.presenter.press("return_missed")
    dialog = desk.view().dialog
    assert dialog.choices == ((first, first),)
    desk.presenter.key("Enter")
    desk.deliver()
    assert desk.notice() == f"{first}号已回到队列" and desk.view().missed == []
    assert desk.view().waiting == 2
    assert local_hub.count("ticket_returned") == 1 and second


def test_return_missed_with_an_empty_list_says_so(desk):
    desk.sign_in()
    desk.presenter.press("return_missed")
    assert desk.view().dialog is None and desk.notice() == "过号列表为空" and desk.sent == []


def test_hold_and_call_from_the_hold_pool(desk, local_hub):
    desk.sign_in()
    number = local_hub.issue()
    desk.press("call_next")
    desk.press("hold")
    assert desk.notice() == f"{number}号已挂起" and desk.view().held == [number]
    desk.presenter.press("call_held")
    desk.presenter.key("1")
    assert desk.sent[0]["verb"] == "call_number" and desk.sent[0]["number"] == number
    desk.deliver()
    assert desk.notice() == f"正在呼叫{number}号" and desk.view().held == []
    assert desk.view().ticket.number == number


def test_special_call_of_a_number(desk, local_hub):
    desk.sign_in()
    local_hub.issue()
    wanted = local_hub.issue()
    desk.presenter.key("F8")
    assert desk.view().dialog.text_prompt
    desk.presenter.enter_text(wanted.lower())
    desk.deliver()
    assert desk.view().ticket.number == wanted


def test_transfer_to_a_window_and_back_here_when_done(local_hub):
    here, there = Desk(local_hub, "caller-3"), Desk(local_hub, "caller-1")
    here.sign_in("0103")
    there.sign_in("0101")
    number = local_hub.issue()
    here.press("call_next")
    here.presenter.press("transfer")
    dialog = here.view().dialog
    assert ("window:1", "1号窗口") in dialog.choices and ("window:3", "3号窗口") not in dialog.choices
    assert ("service:household", "户籍与证明开具") not in dialog.choices  # the ticket's own service
    here.presenter.key("R")  # 办完回到本窗口
    assert here.view().dialog.flag is True
    here.presenter.choose("window:1")
    assert here.sent[0] == {**here.sent[0], "verb": "transfer", "to_window": "1", "return_after": True}
    here.deliver()
    assert here.notice() == f"{number}号已转办至1号窗口，办完回到本窗口"
    there.press("call_next")
    card = there.view().ticket
    assert card.number == number and card.origin == "3号窗口、户籍与证明开具，办完回3号窗口"
    there.press("finish")
    assert there.notice() == f"{number}号已办完，转回3号窗口"
    here.press("call_next")
    assert here.view().ticket.number == number


def test_transfer_to_another_service(desk, local_hub):
    desk.sign_in()
    number = local_hub.issue("household")
    desk.press("call_next")
    desk.presenter.press("transfer")
    desk.presenter.choose("service:social_insurance")
    desk.deliver()
    assert desk.notice() == f"{number}号已转办至社保医保业务"
    assert local_hub.query("SELECT service, status FROM tickets") == [("social_insurance", "waiting")]


def test_finish_with_another_outcome_and_a_reason_for_rejected(desk, local_hub):
    desk.sign_in()
    first, second = local_hub.issue(), local_hub.issue()
    desk.press("call_next")
    desk.presenter.key("Shift+F7")
    assert [label for _, label in desk.view().dialog.choices] == ["办结", "受理转后台", "一次告知补正", "不予受理"]
    desk.presenter.key("4")  # 不予受理 asks why
    assert desk.view().dialog.kind == "reject" and desk.sent == []
    desk.presenter.key("2")
    assert desk.sent[0] == {**desk.sent[0], "verb": "finish", "outcome": "rejected", "reason": "不符合受理条件"}
    desk.deliver()
    assert desk.notice() == f"{first}号已不予受理"
    desk.press("call_next")
    desk.presenter.press("finish_other")
    desk.presenter.key("3")
    desk.deliver()
    assert desk.notice() == f"{second}号已一次告知补正"
    assert local_hub.query("SELECT number, outcome, reason FROM tickets ORDER BY number") == [
        (first, "rejected", "不符合受理条件"), (second, "notified_to_supplement", None)]


# ---------------------------------------------------------------------- refusals

def test_refusals_show_the_hubs_message(desk, local_hub):
    desk.sign_in()
    desk.press("call_next")
    assert desk.notice() == "当前没有等候的群众"
    assert desk.view().notice.kind == "error"
    desk.presenter.press("call_number")
    desk.presenter.enter_text("Z999")
    desk.deliver()
    assert desk.notice() == "今天没有Z999号"
    issued = local_hub.issue("help")  # the help desk's service: window 3 cannot serve it
    desk.presenter.press("call_number")
    desk.presenter.enter_text(issued)
    desk.deliver()
    assert desk.notice() == f"本窗口不能办理{issued}号的事项"


def test_the_hub_refuses_what_a_stale_screen_offers(local_hub):
    a, b = Desk(local_hub), Desk(local_hub)
    a.sign_in()
    number = local_hub.issue()
    b.up = False
    a.press("call_next")  # b did not hear it: b still shows an idle window
    b.up = True
    b.press("call_next")
    assert b.notice() == f"请先办结、挂起或转办当前的{number}号"


def test_a_button_that_does_not_apply_says_why_and_sends_nothing(desk, local_hub):
    desk.presenter.press("call_next")
    assert desk.notice() == "请先登录（F12）" and desk.sent == []
    desk.sign_in()
    desk.presenter.press("recall")
    assert desk.notice() == "当前没有正在办理的号" and desk.sent == []
    number = local_hub.issue()
    desk.press("call_next")
    desk.presenter.press("pause")
    assert desk.notice() == f"请先办结、挂起或转办当前的{number}号" and desk.sent == []


def test_a_bad_ticket_number_is_refused_before_sending(desk):
    desk.sign_in()
    desk.presenter.press("call_number")
    desk.presenter.enter_text("请")
    assert desk.notice() == "请输入号码，例如A012" and desk.sent == []


# ---------------------------------------------------------------------- without the broker or the hub

def test_without_the_broker_buttons_say_they_cannot_act(desk):
    desk.sign_in()
    desk.presenter.set_connected(False)
    desk.up = False
    assert desk.view().online is False
    assert desk.view().connection_text == "与叫号系统的连接已中断，正在自动重连，暂时不能操作"
    assert enabled(desk) == set()
    desk.presenter.press("call_next")
    assert desk.notice() == "与叫号系统的连接已中断，正在自动重连，暂时不能操作"
    desk.presenter.sign_in("0103", PIN)
    assert desk.sent == []


def test_a_dialog_answered_after_the_connection_went_acts_on_nothing(desk):
    desk.sign_in()
    desk.presenter.press("pause")
    desk.presenter.set_connected(False)  # while the clerk reads the reasons
    desk.up = False
    desk.presenter.choose("会议")
    assert desk.notice() == "与叫号系统的连接已中断，正在自动重连，暂时不能操作"
    assert desk.presenter.pending is None and desk.sent == []
    desk.up = True
    desk.presenter.set_connected(True)  # nothing was queued behind the clerk's back
    assert desk.sent == [] and desk.view().situation == "idle"


def test_without_the_hub_buttons_say_they_cannot_act(desk, local_hub):
    desk.sign_in()
    desk.presenter.receive(local_hub.topics.status(HUB_CLIENT), {"v": 1, "state": "offline"})
    desk.presenter.press("call_next")
    assert desk.notice() == "叫号系统主机未运行，暂时不能操作，请联系大厅管理员" and desk.sent == []
    desk.presenter.receive(local_hub.topics.status(HUB_CLIENT), b"online")  # a bare word works too
    assert desk.view().online


def test_a_late_reply_is_retried_with_the_same_transaction_and_acts_once(desk, local_hub):
    desk.sign_in()
    local_hub.issue()
    local_hub.issue()
    desk.presenter.press("call_next")
    first = desk.sent[0]
    desk.deliver(drop_replies=True)  # the hub acted; its reply was lost
    assert desk.view().working and "call_next" not in enabled(desk)
    local_hub.advance(1)
    desk.presenter.tick()
    assert desk.sent == []  # not yet: retry_every is 2 s
    local_hub.advance(1.5)
    desk.presenter.tick()
    assert desk.sent == [first]  # the same transaction
    assert "第2次发送" in desk.notice()
    desk.presenter.press("call_next")  # the clerk presses again, impatient
    assert desk.sent == [first, first]
    desk.presenter.press("finish")
    assert desk.notice() == "上一个操作（呼叫下一位）正在等待系统响应，请稍候"
    desk.deliver()
    assert not desk.view().working and desk.notice().startswith("正在呼叫")
    assert local_hub.count("ticket_called") == 1
    assert local_hub.query("SELECT COUNT(*) FROM tickets WHERE status = 'waiting'") == [(1,)]


def test_a_request_in_flight_when_the_broker_goes_is_sent_again_on_reconnect(desk, local_hub):
    desk.sign_in()
    local_hub.issue()
    desk.presenter.press("call_next")
    sent = list(desk.sent)
    desk.sent.clear()  # lost with the connection
    desk.presenter.set_connected(False)
    desk.up = False
    local_hub.advance(10)
    desk.presenter.tick()
    assert desk.sent == []
    desk.up = True
    desk.presenter.set_connected(True)
    assert desk.sent == sent
    desk.deliver()
    assert local_hub.count("ticket_called") == 1 and desk.view().ticket


def test_a_duplicate_reply_changes_nothing(desk, local_hub):
    desk.sign_in()
    local_hub.issue()
    desk.presenter.press("call_next")
    payload = desk.sent[0]
    replies = desk.deliver()
    desk.presenter.press("start")
    desk.presenter.receive(local_hub.topics.reply(desk.device), replies[0])  # the old reply again
    assert desk.view().working  # still waiting for 开始办理's own reply
    desk.deliver()
    assert desk.notice().endswith("开始办理") and payload["verb"] == "call_next"


def test_a_restarted_caller_shows_the_present_from_retained_state(desk, local_hub):
    desk.sign_in()
    numbers = [local_hub.issue() for _ in range(4)]
    desk.press("call_next")
    desk.press("hold")
    desk.press("call_next")
    desk.press("no_show")
    desk.press("call_next")
    desk.press("start")
    again = Desk(local_hub)  # a new caller process: only the retained state
    view = again.view()
    assert view.staff == "王芳 0103" and view.situation == "serving"
    assert view.ticket.number == numbers[2] and view.held == [numbers[0]] and view.missed == [numbers[1]]
    assert view.waiting == 1


# ---------------------------------------------------------------------- keyboard

def test_every_action_has_a_shortcut_shown_on_its_button():
    keys = [a.key for a in ACTIONS]
    assert all(keys)
    shared = {k for k in keys if keys.count(k) > 1}
    assert shared == {"F11"}  # 暂停 / 恢复: one key, by the window's state
    assert all(a.caption.endswith(a.key) for a in ACTIONS)


def test_function_keys_drive_the_actions(desk, local_hub):
    desk.presenter.key("F12")
    assert desk.view().dialog.kind == "sign_in"
    desk.presenter.sign_in("0103", PIN)
    desk.deliver()
    number = local_hub.issue()
    for key, notice in (("F1", f"正在呼叫{number}号"), ("F2", f"已重呼{number}号"), ("F3", f"{number}号开始办理"),
                        ("F5", f"{number}号已挂起")):
        desk.presenter.key(key)
        desk.deliver()
        assert desk.notice() == notice, key
    desk.presenter.key("F10")
    desk.presenter.key("Enter")
    desk.deliver()
    desk.presenter.key("F4")
    desk.deliver()
    assert desk.notice() == f"{number}号已过号"
    desk.presenter.key("F9")
    desk.presenter.key("1")
    desk.deliver()
    desk.presenter.key("F1")
    desk.deliver()
    desk.presenter.key("F6")
    desk.presenter.key("Escape")
    assert desk.view().dialog is None
    desk.presenter.key("F7")
    desk.deliver()
    assert desk.notice() == f"{number}号已办结"
    desk.presenter.key("F11")
    desk.presenter.key("1")
    desk.deliver()
    assert desk.view().situation_text == "暂停服务：午休"
    desk.presenter.key("F11")
    desk.deliver()
    desk.presenter.key("Shift+F12")
    desk.deliver()
    assert desk.view().situation == "signed_out"
