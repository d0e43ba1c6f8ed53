"""The kiosk's presenter, flow by flow, without a window: touch, card, QR, printer, hub."""
from __future__ import annotations

import datetime as dt
import json

from devices.errors import DeviceError
from devices.idcard.cards import demo_cards
from devices.idcard.driver import CardRead
from devices.idcard.photo import WltPhoto
from kiosk.effects import CheckPrinter, Print, Quit, Send, Speak
from kiosk.person import Person, from_id_card

KEY = b"test-hall-key"


def sends(effects, verb=None):
    return [e for e in effects if isinstance(e, Send) and (verb is None or e.verb == verb)]


def ok_reply(txn, number="C001", service="household", **extra):
    data = {"ticket": number, "id": f"2026-03-03:{number}", "service": service, "service_name": "户籍与证明开具",
            "service_name_en": "Household registration and certificates", "status": "waiting", "priority": None,
            "people_ahead": 2, "estimated_wait_min": 12.0, "issued_at": "2026-03-03T10:00:01.000+08:00",
            "window": None, "pinned_window": None, "token": "tok" + number + "x" * 16, **extra}
    return {"v": 1, "status": "ok", "transaction": txn, "data": data}


def err_reply(txn, code, message, message_en=""):
    return {"v": 1, "status": "error", "transaction": txn,
            "error": {"code": code, "message": message, "message_en": message_en}}


def take_ticket(flow, code="household", printer_ok=True):
    """Tap a tile, let the printer answer; returns the issue request sent."""
    assert flow.touch("take", code, flow.view().generation)
    assert any(isinstance(e, CheckPrinter) for e in flow.take_effects())
    flow.printer_checked(printer_ok, "打印机缺纸，请联系工作人员", "printer is out of paper")
    if not printer_ok:
        return None
    [issue] = sends(flow.take_effects(), "issue")
    return issue


def elder(config) -> Person:
    return Person("李*英", "3701**********0045", "h" * 64, dt.date(1955, 5, 20))


def young() -> Person:
    return Person("张*丰", "1101**********1234", "y" * 64, dt.date(1990, 3, 7))


# ---------------------------------------------------------------- home and guide

def test_home_shows_hall_hours_services_by_domain_and_the_card_prompt(flow, config):
    v = flow.view()
    assert v.screen == "home"
    assert v.header.hall_name == "斑竹园镇便民服务中心"
    assert v.header.open_text == "现在可以取号" and "09:00-12:00、13:30-17:30" in v.header.hours_text
    assert "3月3日 星期二" == v.header.date_text and v.header.time_text == "10:00"
    assert [g.domain for g in v.groups] == ["社保", "民政", "户籍", "退役军人", "帮办"]
    tile = v.tile("household")
    assert (tile.name, tile.waiting, tile.wait) == ("户籍与证明开具", "等候 3 人", "约 18 分钟")
    assert v.tile("civil_affairs").note == "需刷身份证"
    assert "请刷身份证" in v.prompt
    assert v.button("scan").label == "扫码签到/查询"
    assert v.header.banner is None


def test_a_closed_service_cannot_be_taken(flow):
    flow.on_state("service", {"v": 1, "service": "veterans", "waiting": 0, "estimated_wait_min": 0, "open": False})
    v = flow.view()
    assert not v.tile("veterans").enabled and v.tile("veterans").note == "暂停取号"
    assert not flow.touch("take", "veterans", v.generation)
    assert flow.take_effects() == []


def test_guide_tells_everything_at_once_and_takes_a_ticket(flow):
    flow.touch("guide", "civil_affairs", flow.view().generation)
    v = flow.view()
    assert v.screen == "guide" and v.title.startswith("民政救助")
    text = "\n".join(v.lines)
    for expected in ("请携带以下材料：", "家庭收入证明", "办理时限：受理后20个工作日", "办理时间 09:00-12:00",
                     "办理窗口：1号窗口、2号窗口、3号窗口", "当前等候 2 人，预计等候约 12 分钟", "取号需刷身份证"):
        assert expected in text
    assert v.button("take", "civil_affairs")
    assert flow.touch("take", "civil_affairs", v.generation)
    assert any(isinstance(e, CheckPrinter) for e in flow.take_effects())


# ---------------------------------------------------------------- a ticket by touch

def test_one_tap_prints_a_ticket(flow):
    issue = take_ticket(flow)
    assert issue.fields == {"service": "household"}
    assert flow.view().busy
    flow.reply(ok_reply(issue.transaction))
    [job] = [e for e in flow.take_effects() if isinstance(e, Print)]
    assert job.data["ticket"] == "C001"
    flow.printed(job.job, True)
    v = flow.view()
    assert (v.screen, v.number) == ("ticket", "C001")
    assert "请取走小票，留意叫号" in v.lines and "前面还有 2 人等候" in v.lines and "预计等候约 12 分钟" in v.lines
    assert v.qr == "http://127.0.0.1:8080/t/tokC001xxxxxxxxxxxxxxxx"
    assert v.button("done") and not v.button("noted")


def test_double_tap_and_taps_during_a_slow_reply_issue_one_ticket(flow, clock):
    gen = flow.view().generation
    assert flow.touch("take", "household", gen)
    assert not flow.touch("take", "household", gen)  # the same button, already leaving
    assert not flow.touch("take", "social_insurance", gen)
    flow.printer_checked(True)
    assert not flow.touch("take", "household")  # no button on the waiting screen
    assert not flow.touch("take", "household", flow.view().generation)
    for _ in range(4):
        clock.advance(3.5)
        flow.tick()
    issues = sends(flow.take_effects(), "issue")
    assert len(issues) == 5 and len({s.transaction for s in issues}) == 1  # retries: one transaction
    assert "网络较慢，正在重试，请不要离开" in flow.view().lines


def test_the_hub_not_answering_retries_the_same_transaction_until_it_does(flow, clock):
    issue = take_ticket(flow)
    clock.advance(3.1)
    flow.tick()
    [again] = sends(flow.take_effects(), "issue")
    assert again == issue
    flow.reply(ok_reply(issue.transaction))
    flow.reply(ok_reply(issue.transaction))  # the duplicate answer of the retry changes nothing
    assert len([e for e in flow.take_effects() if isinstance(e, Print)]) == 1


def test_broker_gone_shows_it_refuses_new_tickets_and_resends_on_return(flow):
    issue = take_ticket(flow)
    flow.on_connection(False)
    v = flow.view()
    assert v.header.banner == "系统连接中断，请稍候或联系工作人员" and not v.header.online
    flow.on_connection(True)
    assert sends(flow.take_effects(), "issue") == [issue]
    flow.reply(ok_reply(issue.transaction))
    flow.take_effects()


def test_no_ticket_can_be_started_while_offline(flow):
    flow.on_hub(False)
    assert not flow.touch("take", "household", flow.view().generation)
    assert flow.take_effects() == []
    assert flow.view().notice == "系统连接中断，请稍候或联系工作人员"


# ---------------------------------------------------------------- the printer

def test_paper_out_offers_the_number_on_screen_and_cancels_it_unless_noted(flow, clock):
    take_ticket(flow, printer_ok=False)
    v = flow.view()
    assert v.screen == "printer_problem" and v.lines == ("打印机缺纸，请联系工作人员",)
    assert flow.touch("no_print", None, v.generation)
    [issue] = sends(flow.take_effects(), "issue")
    flow.reply(ok_reply(issue.transaction))
    assert not [e for e in flow.take_effects() if isinstance(e, Print)]
    v = flow.view()
    assert (v.screen, v.number) == ("ticket", "C001") and v.qr and v.button("noted")
    assert not flow.touch("home", None, v.generation)  # no way out but confirming
    clock.advance(61)
    flow.tick()
    [cancel] = sends(flow.take_effects(), "cancel")
    assert cancel.fields == {"number": "C001", "reason": "print_failed"}
    assert flow.view().screen == "home"


def test_a_print_that_fails_keeps_the_number_until_noted(flow, clock):
    issue = take_ticket(flow)
    flow.reply(ok_reply(issue.transaction))
    [job] = [e for e in flow.take_effects() if isinstance(e, Print)]
    flow.printed(job.job, False, "打印机缺纸，请联系工作人员", "printer is out of paper")
    v = flow.view()
    assert v.screen == "ticket" and v.number == "C001"
    assert v.lines[0] == "小票没有打印出来：打印机缺纸，请联系工作人员"
    assert flow.touch("noted", None, v.generation)
    clock.advance(120)
    flow.tick()
    assert sends(flow.take_effects(), "cancel") == []
    assert flow.view().screen == "home"


def test_a_print_failure_without_confirmation_cancels_at_idle(flow, clock):
    issue = take_ticket(flow)
    flow.reply(ok_reply(issue.transaction))
    [job] = [e for e in flow.take_effects() if isinstance(e, Print)]
    flow.printed(job.job, False, "打印机未连接或已脱机，请联系工作人员")
    clock.advance(59)
    flow.tick()
    assert flow.view().screen == "ticket"
    clock.advance(2)
    flow.tick()
    [cancel] = sends(flow.take_effects(), "cancel")
    assert cancel.fields["reason"] == "print_failed"
    clock.advance(3.1)  # the cancel is retried until the hub answers it
    flow.tick()
    assert sends(flow.take_effects(), "cancel") == [cancel]
    flow.reply({"v": 1, "status": "ok", "transaction": cancel.transaction, "data": {}})
    clock.advance(3.1)
    flow.tick()
    assert sends(flow.take_effects(), "cancel") == []


def test_a_late_reply_after_the_citizen_left_is_cancelled(flow, clock):
    issue = take_ticket(flow)
    clock.advance(61)
    flow.tick()
    assert flow.view().screen == "home"
    flow.take_effects()
    flow.reply(ok_reply(issue.transaction))
    [cancel] = sends(flow.take_effects(), "cancel")
    assert cancel.fields == {"number": "C001", "reason": "abandoned"}
    assert flow.view().screen == "home"


# ---------------------------------------------------------------- refusals

def test_refusals_show_the_hubs_sentence_as_it_is(flow):
    issue = take_ticket(flow)
    msg = "今日户籍与证明开具号源已满（100个），请明天再来或网上办理"
    flow.reply(err_reply(issue.transaction, "quota_reached", msg, "Today's 100 tickets ..."))
    v = flow.view()
    assert v.screen == "refused" and v.lines[0] == msg and v.button("home")
    flow.touch("lang", None, v.generation)
    assert flow.view().lines[0] == "Today's 100 tickets ..."


def test_id_card_required_then_a_swipe_takes_the_ticket(flow):
    issue = take_ticket(flow, "civil_affairs")
    flow.reply(err_reply(issue.transaction, "id_card_required", "办理民政救助需刷身份证取号，请将身份证放在感应区"))
    assert "请将身份证放在感应区，放好后自动取号" in flow.view().lines
    assert flow.card(young())
    assert any(isinstance(e, CheckPrinter) for e in flow.take_effects())
    flow.printer_checked(True)
    [again] = sends(flow.take_effects(), "issue")
    assert again.fields == {"service": "civil_affairs", "channel": "id_card",
                            "person": {"hash": "y" * 64, "masked": "1101**********1234", "birth": "1990-03-07"}}
    assert again.transaction != issue.transaction


# ---------------------------------------------------------------- cards

def test_a_card_greets_by_masked_name_and_sends_only_hash_mask_and_birth(flow, config):
    card = demo_cards()["resident"]
    read = CardRead(card, WltPhoto(b"\0" * 1024), b"\1" * 8)
    person = from_id_card(read, KEY)
    assert flow.card(person)
    v = flow.view()
    assert v.greeting == "张*丰，您好" and not v.green
    issue = take_ticket(flow)
    assert issue.fields["channel"] == "id_card"
    assert set(issue.fields["person"]) == {"hash", "masked", "birth"}
    flow.reply(ok_reply(issue.transaction))
    everything = json.dumps([e.__dict__ for e in flow.take_effects()] + [issue.fields], ensure_ascii=False)
    everything += flow.view().texts() + repr(person)
    assert card.id_number not in everything and card.name not in everything


def test_an_elderly_card_gets_the_green_channel_and_the_offer_of_elderly_mode(flow, config):
    flow.card(elder(config))
    v = flow.view()
    assert v.green and "您可走绿色通道，优先办理" in v.lines
    assert v.extra["offer_elderly"] == "字太小？点这里用长者模式"
    flow.touch("elderly", None, v.generation)
    v = flow.view()
    assert v.elderly and len(v.groups) == 1 and len(v.groups[0].tiles) == 4
    speech = [e for e in flow.take_effects() if isinstance(e, Speak)]
    assert speech and speech[0].clips == ("prompt-zh-kiosk-welcome",)


def test_already_holding_shows_the_ticket_and_reprints_it(flow):
    flow.card(young())
    issue = take_ticket(flow)
    flow.reply(err_reply(issue.transaction, "already_holding", "您已领取户籍与证明开具的C001号，请留意叫号"))
    [lookup] = sends(flow.take_effects(), "lookup")
    assert lookup.fields == {"service": "household", "person": issue.fields["person"]}
    flow.reply(ok_reply(lookup.transaction, people_ahead=1, estimated_wait_min=4.0))
    v = flow.view()
    assert (v.screen, v.number) == ("holding", "C001") and "前面还有 1 人等候" in v.lines
    assert flow.touch("reprint", None, v.generation)
    [job] = [e for e in flow.take_effects() if isinstance(e, Print)]
    assert not flow.touch("reprint", None, flow.view().generation)  # one print at a time
    flow.printed(job.job, True)
    assert flow.view().lines[0] == "已重新打印，请取走小票"
    assert sends(flow.take_effects(), "issue") == []


def test_card_faults_are_plain_sentences_and_quiet_conditions_say_nothing(flow, clock):
    flow.card_error(DeviceError("no_card", "请将身份证放在感应区"))
    assert flow.view().notice is None
    flow.card_error(DeviceError("garbled_frame", "设备通信异常，请重试", "received a malformed frame"))
    assert flow.view().notice == "设备通信异常，请重试"
    clock.advance(7)
    flow.tick()
    assert flow.view().notice is None
    flow.card_error(DeviceError("disconnected", "设备未连接，请联系工作人员"))
    assert flow.view().notice == "读卡器暂不可用，您仍可点击业务取号"
    flow.card_error(DeviceError("unsupported_card_type", "暂不支持此类证件，请到人工窗口办理"))
    assert flow.view().notice == "暂不支持此类证件，请到人工窗口办理"


# ---------------------------------------------------------------- QR codes

def test_a_tickets_qr_shows_its_live_status(flow):
    assert flow.scan("ticket", "http://127.0.0.1:8080/t/tokC001xxxxxxxxxxxxxxxx",
                     {"token": "tokC001xxxxxxxxxxxxxxxx"})
    [lookup] = sends(flow.take_effects(), "lookup")
    assert lookup.fields == {"token": "tokC001xxxxxxxxxxxxxxxx"}
    flow.reply(ok_reply(lookup.transaction, status="called", window="2"))
    v = flow.view()
    assert v.screen == "status" and v.lines[0] == "请到2号窗口办理"


def test_a_missed_ticket_may_queue_again(flow):
    flow.scan("ticket", "x", {"number": "C001"})
    [lookup] = sends(flow.take_effects(), "lookup")
    flow.reply(ok_reply(lookup.transaction, status="missed"))
    v = flow.view()
    assert v.lines[0] == "已过号"
    flow.touch("return_missed", None, v.generation)
    [ret] = sends(flow.take_effects(), "return_missed")
    assert ret.fields == {"number": "C001"}
    flow.reply(ok_reply(ret.transaction))
    assert flow.view().lines[0] == "已重新排队"


def test_an_appointment_code_checks_in(flow):
    assert flow.scan("appointment", "YY20260303A1", {"code": "20260303A1"})
    assert any(isinstance(e, CheckPrinter) for e in flow.take_effects())
    flow.printer_checked(True)
    [checkin] = sends(flow.take_effects(), "checkin")
    assert checkin.fields == {"appointment": "20260303A1"}
    flow.reply(ok_reply(checkin.transaction, priority="appointment"))
    [job] = [e for e in flow.take_effects() if isinstance(e, Print)]
    flow.printed(job.job, True)
    assert flow.view().title == "预约签到成功"


def test_an_appointment_refused_by_the_hub_says_why(flow):
    flow.scan("appointment", "YY20260303A1", {"code": "20260303A1"})
    flow.printer_checked(True)
    [checkin] = sends(flow.take_effects(), "checkin")
    flow.reply(err_reply(checkin.transaction, "appointment_too_early", "您预约的是14:00-15:00，请在13:30以后签到"))
    assert flow.view().lines[0] == "您预约的是14:00-15:00，请在13:30以后签到"


def test_unknown_and_unreadable_codes(flow):
    flow.scan("unknown", "https://example.com/x")
    v = flow.view()
    assert v.screen == "unknown_code" and v.title == "无法识别的二维码"
    flow.touch("home", None, v.generation)
    flow.scan("unreadable", None)
    assert flow.view().notice == "没有扫清楚，请再扫一次"
    flow.scan("ticket", "YC-T:otherhall:20260303:C001", {"hall": "otherhall", "number": "C001"})
    assert flow.view().screen == "unknown_code"


# ---------------------------------------------------------------- idle, language, elderly, manager

def test_idle_forgets_the_citizen(flow, clock):
    flow.card(young())
    flow.touch("lang", None, flow.view().generation)
    flow.touch("guide", "household", flow.view().generation)
    assert "Hello, 张*丰" == flow.view().greeting
    clock.advance(59)
    flow.tick()
    assert flow.view().screen == "guide"
    clock.advance(1.5)
    flow.tick()
    v = flow.view()
    assert v.screen == "home" and v.lang == "zh" and flow.person is None and v.greeting is None
    assert "张*丰" not in v.texts() and "1101" not in v.texts()


def test_a_printed_ticket_returns_home_by_itself(flow, clock):
    issue = take_ticket(flow)
    flow.reply(ok_reply(issue.transaction))
    [job] = [e for e in flow.take_effects() if isinstance(e, Print)]
    flow.printed(job.job, True)
    clock.advance(21)
    flow.tick()
    assert flow.view().screen == "home"
    assert sends(flow.take_effects(), "cancel") == []


def test_english_everywhere(flow):
    flow.touch("lang", None, flow.view().generation)
    v = flow.view()
    assert v.header.hall_name == "Banzhuyuan Town Service Centre" and v.header.open_text == "Tickets available now"
    assert v.tile("household").name == "Household registration and certificates"
    issue = take_ticket(flow)
    flow.reply(ok_reply(issue.transaction))
    [job] = [e for e in flow.take_effects() if isinstance(e, Print)]
    flow.printed(job.job, True)
    v = flow.view()
    assert v.title == "Your number" and "2 people ahead of you" in v.lines
    assert all(ord(c) < 0x3000 for line in v.lines for c in line)


def test_elderly_mode_speaks_the_number_digit_by_digit(flow):
    flow.touch("elderly", None, flow.view().generation)
    flow.take_effects()
    issue = take_ticket(flow)
    flow.reply(ok_reply(issue.transaction, number="A012"))
    [job] = [e for e in flow.take_effects() if isinstance(e, Print)]
    flow.printed(job.job, True)
    [speech] = [e for e in flow.take_effects() if isinstance(e, Speak)]
    assert speech.clips == ("prompt-zh-kiosk-your-number", "zh-letter-a", "zh-digit-0", "zh-digit-1", "zh-digit-2",
                            "prompt-zh-kiosk-take-slip")
    assert "A零一二" in speech.text
    flow.touch("lang")
    flow.touch("done")
    flow.touch("elderly")
    [welcome] = [e for e in flow.take_effects() if isinstance(e, Speak)]
    assert welcome.clips == ("prompt-zh-kiosk-welcome",)  # done: the next citizen starts in Chinese


def test_manager_gesture_and_pin(make_kiosk):
    flow = make_kiosk(manager_pin="2468")
    for _ in range(4):
        flow.touch("corner")
    assert flow.view().screen == "home"
    flow.touch("corner")
    assert flow.view().screen == "manager"
    for d in "1111":
        flow.touch("pin", d)
    flow.touch("pin_ok")
    assert flow.view().lines == ("密码错误",) and not any(isinstance(e, Quit) for e in flow.take_effects())
    for d in "2468":
        flow.touch("pin", d)
    assert flow.view().pin == "●●●●"
    flow.touch("pin_ok")
    assert any(isinstance(e, Quit) for e in flow.take_effects())


def test_elderly_prompts_follow_the_language(flow):
    flow.touch("lang")
    flow.touch("elderly")
    [speech] = [e for e in flow.take_effects() if isinstance(e, Speak)]
    assert speech.clips == ("prompt-en-kiosk-welcome",) and speech.text == "Please place your ID card, or touch a service"


def test_a_social_security_card_is_a_person_like_an_id_card(flow):
    import datetime as dt

    from devices.sscard.codec import CardHolder
    from devices.sscard.reader import SocialSecurityCard
    from kiosk.person import from_ss_card

    holder = CardHolder(id_masked="3701**********0045", id_hash="kh-" + "a" * 64, name_masked="李*英",
                        name_hash="kh-" + "b" * 64, gender="女", nation_code="01", birth_place="370102",
                        birth_date=dt.date(1950, 1, 2))
    person = from_ss_card(SocialSecurityCard("Virtual PCD 00 00", "3B", None, holder))
    assert flow.card(person)
    v = flow.view()
    assert v.greeting == "李*英，您好" and v.green
    issue = take_ticket(flow)
    assert issue.fields["person"] == {"hash": "kh-" + "a" * 64, "masked": "3701**********0045", "birth": "1950-01-02"}


def test_every_clip_the_kiosk_speaks_is_in_the_halls_voice_pack(monkeypatch):
    """Elderly prompts play from the announcer's pack (display.voice): the kiosk's sentences
    join its list, and every clip a prompt names is one the pack generates."""
    from display.voice import PROMPTS
    from display.voice.texts import vocabulary
    from kiosk import voice

    for name, texts in voice.PROMPTS.items():
        monkeypatch.setitem(PROMPTS, name, texts)
    names = {clip.name for clip in vocabulary()}
    for lang in ("zh", "en"):
        speech = voice.prompt(lang, *voice.PROMPTS, "#A012", "#HZ99")
        missing = [c for c in speech.clips if c not in names]
        assert missing == [], missing
