"""The rating pad's presenter, without a window, fed the retained pad state the real engine makes."""
from __future__ import annotations

import pytest

from hall import protocol_rating
from hall.rating_phone import seal, unseal
from rating.presenter import ANSWERED_KEPT, SEND_GIVE_UP, THANKS_SECONDS, PadPresenter

KEY = b"presenter-test-key-0123456789"


def pad_state(h) -> dict:
    return protocol_rating.pad_state(h.config, h.store.state, h.calendar, "3")


@pytest.fixture
def pad():
    p = PadPresenter("3", sealer=lambda phone: seal(KEY, phone))
    p.on_connection(True)
    return p


def test_idle_shows_the_staff_on_duty_and_welcome(rhall, pad):
    rhall.ok("staff_login", window="3", staff="0103")
    pad.on_pad_state(pad_state(rhall))
    v = pad.view()
    assert v["screen"] == "idle" and v["title"] == "欢迎评价" and v["banner"] is None
    assert v["staff"]["name"] == "王芳" and v["staff"]["line"] == "3号窗口 · 工号 0103"
    pad.toggle_language()
    v = pad.view()
    assert v["title"] == "Please rate our service" and v["staff"]["line"] == "Window 3 · Staff No. 0103"
    assert v["lang_button"] == "中文"


def test_a_finished_matter_shows_five_faces_none_selected(rhall, pad):
    number = rhall.serve("3")
    pad.on_pad_state(pad_state(rhall))
    v = pad.view()
    assert v["screen"] == "asking" and v["matter"] == f"{number}号 · 户籍与证明开具"
    assert [f["label"] for f in v["faces"]] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert not any(f["selected"] for f in v["faces"])


def test_a_good_face_is_the_whole_rating(rhall, pad):
    number = rhall.serve("3")
    pad.on_pad_state(pad_state(rhall))
    pad.choose("satisfied", 100.0)
    ((txn, fields),) = pad.outbox
    assert fields == {"number": number, "level": "satisfied"}
    pad.choose("very_satisfied", 100.5)  # a second tap while sending sends nothing
    assert len(pad.outbox) == 1
    reply = {"v": 1, "status": "ok", "transaction": txn, "data": {}}
    pad.on_reply(reply, 101.0)
    assert pad.view()["screen"] == "thanks" and pad.view()["title"] == "感谢您的评价"
    # the hub's state still shows the ask for a moment: the pad does not ask again
    pad.on_pad_state(pad_state(rhall))
    pad.tick(101.0 + THANKS_SECONDS)
    assert pad.view()["screen"] == "idle"


def test_a_bad_face_needs_reasons_and_can_leave_a_phone_number(rhall, pad):
    number = rhall.serve("3")
    pad.on_pad_state(pad_state(rhall))
    pad.choose("very_dissatisfied", 10.0)
    v = pad.view()
    assert v["screen"] == "reasons" and not pad.outbox
    assert [r["label"] for r in v["reasons"]] == ["服务态度差", "办事效率低", "等候时间长", "业务不熟练",
                                                 "材料反复提交/多次跑腿", "办事指南不准确", "系统故障"]
    assert not any(r["on"] for r in v["reasons"]) and v["submit"]["enabled"] is False
    pad.submit(11.0)
    assert pad.view()["message"] == "请至少选择一项原因" and not pad.outbox
    pad.toggle_reason("long_wait")
    pad.toggle_reason("attitude")
    pad.toggle_reason("attitude")
    pad.open_phone()
    for k in "1381234567":
        pad.key(k, 12.0)
    assert pad.view()["digits"] == "138 1234 567"
    pad.confirm_phone(12.0)
    assert pad.view()["message"] == "请输入11位手机号码" and pad.screen == "phone"
    pad.key("8", 12.5)
    pad.confirm_phone(13.0)
    v = pad.view()
    assert v["screen"] == "reasons" and v["phone"] == "回访电话：138****5678" and pad.digits == ""
    pad.submit(14.0)
    ((txn, fields),) = pad.outbox
    assert fields["number"] == number and fields["level"] == "very_dissatisfied"
    assert fields["reasons"] == ["long_wait"] and fields["phone"]["masked"] == "138****5678"
    assert "13812345678" not in repr(fields) and unseal(KEY, fields["phone"]["sealed"]) == "13812345678"
    # the same request through the real engine is accepted
    data = rhall.ok("rate", window="3", **fields)
    assert data["case"] == 1
    pad.on_reply({"v": 1, "status": "ok", "transaction": txn, "data": data}, 15.0)
    v = pad.view()
    assert v["screen"] == "thanks" and v["lines"] == ["我们会认真核实整改，并向您反馈", "工作人员将通过 138****5678 与您联系"]
    pad.tick(15.0 + THANKS_SECONDS)
    assert pad.view()["screen"] == "idle"
    assert "138" not in repr(pad.view()) and pad.phone is None and pad.reasons == []  # forgotten


def test_reasons_that_need_words_are_left_to_the_qr_code(rhall, pad):
    rhall.serve("3")
    pad.on_pad_state(pad_state(rhall))
    pad.choose("dissatisfied", 1.0)
    v = pad.view()
    assert "other" not in [r["code"] for r in v["reasons"]] and v["more"] == "其他意见可扫码或到服务台反映"
    pad.toggle_reason("other")
    assert pad.reasons == []


def test_back_from_reasons_forgets_the_choice(rhall, pad):
    rhall.serve("3")
    pad.on_pad_state(pad_state(rhall))
    pad.choose("dissatisfied", 1.0)
    pad.toggle_reason("slow")
    pad.back()
    assert pad.view()["screen"] == "asking" and pad.level is None and pad.reasons == []


def test_without_a_hall_key_no_phone_is_offered(rhall):
    pad = PadPresenter("3")
    rhall.serve("3")
    pad.on_pad_state(pad_state(rhall))
    pad.choose("dissatisfied", 1.0)
    assert pad.view()["phone"] is None
    pad.open_phone()
    assert pad.screen == "reasons"


def test_the_ask_running_out_returns_to_idle_and_forgets(rhall, pad):
    rhall.serve("3")
    pad.on_pad_state(pad_state(rhall))
    pad.choose("dissatisfied", 1.0)
    pad.toggle_reason("slow")
    rhall.later(61).ok("tick")  # the hub records 未评价 and clears the ask
    pad.on_pad_state(pad_state(rhall))
    assert pad.view()["screen"] == "idle" and pad.reasons == [] and pad.level is None


def test_a_refusal_is_shown_in_chinese_and_a_silent_hub_is_given_up(rhall, pad):
    number = rhall.serve("3")
    pad.on_pad_state(pad_state(rhall))
    pad.choose("satisfied", 1.0)
    txn, _ = pad.outbox.pop()
    rhall.ok("rate", window="3", number=number, level="satisfied")
    reply = rhall.do("rate", window="3", number=number, level="satisfied")
    pad.on_reply({**reply, "transaction": txn}, 2.0)
    v = pad.view()
    assert v["screen"] == "idle" and v["message"].startswith("提交未成功：") and "一事一评" in v["message"]
    # a pad whose request gets no answer at all
    rhall.serve("3")
    pad.on_pad_state(pad_state(rhall))
    pad.choose("satisfied", 10.0)
    pad.resend()
    assert len(pad.outbox) == 2 and pad.outbox[0] == pad.outbox[1]  # the same transaction again
    pad.tick(10.0 + SEND_GIVE_UP)
    assert pad.view()["message"] == "暂时没有收到答复，请稍候再试" and pad.pending is None


def test_a_lost_connection_is_said_plainly(rhall, pad):
    pad.on_connection(False)
    assert pad.view()["banner"] == "网络连接中断，正在重新连接"
    pad.on_connection(True)
    pad.on_hub_status(False)
    assert pad.view()["banner"] == "评价系统暂时无法使用，请稍候"


def test_the_pad_remembers_only_its_last_answers(rhall, pad):
    """A pad runs for years (the soak: 100,000 ratings): what it answered is remembered only as
    long as the hub's state may still show it, and a still-shown answered ask is not asked again."""
    now = 100.0
    for _ in range(ANSWERED_KEPT + 4):
        rhall.serve("3")
        pad.on_pad_state(pad_state(rhall))
        assert pad.view()["screen"] == "asking"
        pad.choose("satisfied", now)
        ((txn, _),) = pad.outbox
        pad.outbox.clear()
        pad.on_reply({"v": 1, "status": "ok", "transaction": txn, "data": {}}, now)
        pad.on_pad_state(pad_state(rhall))  # the hub (here: no rating recorded) still shows the ask
        now += THANKS_SECONDS
        pad.tick(now)
        assert pad.view()["screen"] == "idle"
    assert len(pad.answered) <= ANSWERED_KEPT
