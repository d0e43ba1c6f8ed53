"""The hall's MQTT contract: every topic and every message envelope, defined once.

Every app (hub, kiosk, caller, boards, rating pad, keypad bridge) imports this module; no app
spells a topic by hand. docs/mqtt-api.md publishes the same contract for hardware makers, and
a test fails when the two disagree.

MQTT 3.1.1 is enough: the transaction id and the reply topic travel in the JSON payload.
Every payload is a JSON object with a schema version ``v`` (now 1). Topics, under
``yc/<hall_id>/``:

================================  =========  =======  ===========================================
topic                             retained   QoS      who publishes
================================  =========  =======  ===========================================
request/<device>                  no         0 or 1   the device (kiosk, caller, manager…)
reply/<device>[/…]                no         1        the hub, to the request's ``reply_to``
state/hall                        yes        1        the hub: hours, open now, notice, alerts
state/board                       yes        1        the hub: the last calls, newest first
state/service/<code>              yes        1        the hub: waiting, estimated wait, open
state/window/<id>                 yes        1        the hub: status, staff on duty, ticket
state/pad/<window>                yes        1        the hub: the window's rating pad: staff, ask
event/<type>                      no         1        the hub: one committed event, with ``seq``
status/<client>                   yes        1        every process: online / offline (last will)
up/event                          no         1        the hub (--uplink): one committed event, to the county
up/summary                        yes        1        the hub (--uplink): the hall at a glance, to the county
down/ack                          no         1        the county: every event up to ``upto`` is stored
down/resend                       no         1        the county: send again from ``from`` (a hole)
================================  =========  =======  ===========================================

``up/`` (hall → county) and ``down/`` (county → hall) are separate subtrees that nothing on
the hall LAN uses, so a Mosquitto bridge mapping ``up/#`` out and ``down/#`` in can never
loop a message back.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from hall import untrusted
from hall.privacy import has_id_number
from hall.protocol_errors import ProtocolError, error_body
from hall.protocol_verbs import KINDS, VERBS, Field, Verb
from hall.protocol_words import CALL_EVENTS, CHANNELS, EVENT_KEYS, EVENT_TYPES, OUTCOMES, V  # noqa: F401 (the one source)

ROOT = "yc"
MAX_PAYLOAD = 8192  # bytes; a request is a few hundred
MAX_DEPTH = 6  # levels of [ and { in a request; one has two (the envelope and person)
TRANSACTION_MAX = 64
REPLY_TO_MAX = 256  # bytes
ENVELOPE = ("v", "verb", "transaction", "reply_to")
ONLINE, OFFLINE = "online", "offline"
HUB_CLIENT = "hub"



@dataclass(frozen=True)
class TopicSpec:
    """One row of the topic table (docs/mqtt-api.md prints the same rows; the AsyncAPI
    document's channels are written from them)."""

    name: str
    pattern: str  # below yc/<hall>/; {level} is one topic level
    retained: bool
    qos: str
    publisher: str
    doc: str  # what the message is, as the docs' table says


TOPICS = (
    TopicSpec("request", "request/{device}", False, "0|1", "device", "a request"),
    TopicSpec("reply", "reply/{device}", False, "1", "hub",
              "the reply, on the request's `reply_to` (default this topic)"),
    TopicSpec("hall", "state/hall", True, "1", "hub", "the hall: hours, open now, notice, tidal alerts"),
    TopicSpec("board", "state/board", True, "1", "hub", "the last calls, newest first"),
    TopicSpec("service", "state/service/{code}", True, "1", "hub",
              "one service: people waiting, estimated wait, open"),
    TopicSpec("window", "state/window/{id}", True, "1", "hub", "one window: status, staff on duty, ticket in hand"),
    TopicSpec("pad", "state/pad/{window}", True, "1", "hub",
              "the window's rating pad (评价器): staff on duty, the matter to rate now"),
    TopicSpec("event", "event/{type}", False, "1", "hub", "one committed event, numbered by `seq`"),
    TopicSpec("status", "status/{client}", True, "1", "every client", "`online` / `offline` (last will)"),
    TopicSpec("up_event", "up/event", False, "1", "hub",
              "one committed event for the county (`--uplink`): the event as on `event/<type>` plus `hall`"),
    TopicSpec("up_summary", "up/summary", True, "1", "hub",
              "the hall at a glance for the county (`--uplink`): windows open, waiting, waits, paused windows, alerts, "
              "the day's 好差评 counts"),
    TopicSpec("down_ack", "down/ack", False, "1", "the county supervisor",
              '`{"v": 1, "upto": seq}`: every event up to `seq` is stored'),
    TopicSpec("down_resend", "down/resend", False, "1", "the county supervisor",
              '`{"v": 1, "from": seq}`: the county misses `seq`; send again from there'),
)


def topic_spec(name: str) -> TopicSpec:
    """The row of ``TOPICS`` called ``name`` (read at every call: the table is the one source)."""
    for spec in TOPICS:
        if spec.name == name:
            return spec
    raise KeyError(f"no topic {name!r}")


class _Wildcard(dict):
    def __missing__(self, key):
        return "+"



class Topics:
    """The topic names of one hall, written from ``TOPICS``. ``+`` (the default argument)
    gives a subscription filter."""

    def __init__(self, hall_id: str):
        if not hall_id or any(c in hall_id for c in "/+#"):
            raise ValueError(f"hall id {hall_id!r} cannot be a topic level")
        self.hall = hall_id
        self.root = f"{ROOT}/{hall_id}"

    def topic(self, name: str, **levels: str) -> str:
        """``yc/<hall>/`` and the pattern of the ``TOPICS`` row ``name``, its levels filled in
        (a level not given is ``+``)."""
        return f"{self.root}/" + topic_spec(name).pattern.format_map(_Wildcard(levels))

    def request(self, device: str = "+") -> str:
        return self.topic("request", device=device)

    def reply(self, device: str = "+") -> str:
        return self.topic("reply", device=device)

    def is_reply_to(self, device: str, topic: str) -> bool:
        """``topic`` is ``device``'s reply topic or one below it (its ``reply_to``): exactly,
        so ``kiosk-1`` never takes ``kiosk-10``'s replies."""
        own = self.reply(device)
        return topic == own or topic.startswith(own + "/")

    def hall_state(self) -> str:
        return self.topic("hall")

    def board(self) -> str:
        return self.topic("board")

    def service(self, code: str = "+") -> str:
        return self.topic("service", code=code)

    def window(self, window_id: str = "+") -> str:
        return self.topic("window", id=window_id)

    def pad(self, window_id: str = "+") -> str:
        """The retained state of a window's rating pad (评价器): who serves, what to rate now."""
        return self.topic("pad", window=window_id)

    def state(self) -> str:
        """Every retained state topic of the hub (a terminal subscribes to this to see the
        present): the first level the hub's retained topics share, and ``#``."""
        first = {topic_spec(n).pattern.split("/")[0] for n in ("hall", "board", "service", "window")}
        if len(first) != 1:
            raise ValueError(f"the retained state topics must share their first level, not {sorted(first)}")
        return f"{self.root}/{first.pop()}/#"

    def event(self, type_: str = "+") -> str:
        return self.topic("event", type=type_)

    def status(self, client: str = "+") -> str:
        return self.topic("status", client=client)

    def hub_client_id(self) -> str:
        """The hub's MQTT client id (one hub per hall: a second one takes the session over)."""
        return f"{ROOT}-{self.hall}-{HUB_CLIENT}"

    def up(self) -> str:
        return f"{self.root}/up/"

    def down(self) -> str:
        return f"{self.root}/down/"

    def up_event(self) -> str:
        return self.topic("up_event")

    def up_summary(self) -> str:
        return self.topic("up_summary")

    def down_ack(self) -> str:
        return self.topic("down_ack")

    def down_resend(self) -> str:
        return self.topic("down_resend")

    def _last_level(self, topic: str, name: str) -> str | None:
        """The one level ``topic`` fills in the ``TOPICS`` row ``name``, or None."""
        pattern = topic_spec(name).pattern
        prefix = f"{self.root}/" + pattern[:pattern.index("{")]
        if topic.startswith(prefix) and "/" not in topic[len(prefix):] and topic != prefix:
            return topic[len(prefix):]
        return None

    def device_of_request(self, topic: str) -> str | None:
        """``yc/h/request/caller-1`` → ``caller-1``; ``None`` for any other topic."""
        return self._last_level(topic, "request")

    def client_of_status(self, topic: str) -> str | None:
        return self._last_level(topic, "status")

    def reply_to(self, device: str, wanted: str | None, transaction: str | None = None) -> str:
        """Where to answer ``device``: its reply topic, or a topic below it that it asked for.

        Any other ``reply_to`` is refused, so one device cannot make the hub publish into
        another device's replies or into the retained state.
        """
        own = self.reply(device)
        if wanted is None or wanted == own:
            return own
        if (wanted.startswith(own + "/") and len(wanted.encode("utf-8")) <= REPLY_TO_MAX
                and not any(c in "+#" or ord(c) < 32 for c in wanted)):
            return wanted
        raise ProtocolError("bad_reply_to", transaction=transaction)


# ---------------------------------------------------------------------- the ticket QR

# A ticket token: URL-safe base64 of at least 96 random bits (the store draws 128, 22
# characters). The hub answers it in an issue reply as ``data.token``.
TICKET_TOKEN = r"[A-Za-z0-9_-]{16,64}"
TICKET_URL = re.compile(r"https?://[^/\s?#]+(?:/[^\s?#]*)?/t/(?P<token>" + TICKET_TOKEN + r")/?")


def ticket_url(web_url: str, token: str) -> str:
    """What a ticket's QR code says: the hall web's status page of that ticket.

    ``web_url`` is ``[hall] web_url`` (``http://192.168.10.2:8080``); the URL carries only the
    token, no number, name or ID, so the printed code gives away nothing but the page.
    """
    if not re.fullmatch(TICKET_TOKEN, token):
        raise ValueError(f"not a ticket token: {token!r}")
    return f"{web_url.rstrip('/')}/t/{token}"


def token_from_ticket_url(text: str) -> str | None:
    """The token of a scanned ticket QR (``ticket_url``'s output, any hall web), else None."""
    match = TICKET_URL.fullmatch(text.strip())
    return match.group("token") if match else None


# ---------------------------------------------------------------------- requests

@dataclass(frozen=True)
class Request:
    verb: str
    transaction: str
    reply_to: str | None
    fields: dict

    def spec(self) -> Verb:
        return VERBS[self.verb]


def parse_request(payload: bytes) -> Request:
    """Decode and check a request payload against the verb table; raise ``ProtocolError``.

    Checked here, in this order: size, nesting depth (before any parsing, so no payload can
    make the hub recurse), UTF-8 and JSON, Unicode (no lone surrogate in any string or key:
    ``bad_request``), privacy (no clear ID number anywhere, ``hall.privacy``), ``v``, the
    verb, the transaction id, and every field's presence and type. Who may send it is
    checked by the hub, which knows the device (``hall.service.auth``).
    """
    if len(payload) > MAX_PAYLOAD:
        raise ProtocolError("payload_too_large", limit=MAX_PAYLOAD)
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError("malformed_json") from None
    try:
        obj = untrusted.loads(text, MAX_DEPTH)
    except untrusted.Unreadable as err:
        if err.code == "too_deep":
            raise ProtocolError("too_deep", limit=MAX_DEPTH) from None
        if err.code == "malformed_json":
            raise ProtocolError("malformed_json") from None
        # not Unicode: refused where it enters, answered with the transaction when that part is sound
        raise _with_envelope(err.value, "bad_request", detail="text that is not valid Unicode (a lone surrogate)")
    if not isinstance(obj, dict):
        raise ProtocolError("malformed_json")
    if has_id_number(obj) or has_id_number(text):
        raise _with_envelope(obj, "personal_data")
    txn, reply_to = _envelope(obj)

    def fail(code: str, **params):
        return ProtocolError(code, transaction=txn, reply_to=reply_to, **params)

    if "v" not in obj:
        raise fail("missing_field", field="v")
    if obj["v"] != V or isinstance(obj["v"], bool):
        raise fail("unsupported_version", v=json.dumps(obj["v"]), supported=V)
    if "transaction" not in obj:
        raise fail("missing_field", field="transaction")
    if txn is None:
        raise fail("wrong_type", field="transaction", expected=f"a string of 1-{TRANSACTION_MAX} characters",
                   expected_zh=f"1-{TRANSACTION_MAX}个字符的字符串")
    if "reply_to" in obj and reply_to is None:
        raise fail("wrong_type", field="reply_to", expected="a topic string", expected_zh="主题字符串")
    if "verb" not in obj:
        raise fail("missing_field", field="verb")
    verb = obj["verb"]
    if not isinstance(verb, str) or verb not in VERBS:
        raise fail("unknown_verb", verb=verb if isinstance(verb, str) else json.dumps(verb))
    fields = {k: v for k, v in obj.items() if k not in ENVELOPE}
    problem = check_fields(VERBS[verb].fields, fields)
    if problem:
        code, params = problem
        raise fail(code, **params)
    return Request(verb, txn, reply_to, fields)


def _envelope(obj) -> tuple[str | None, str | None]:
    """The transaction id and reply_to of a decoded request, each only when it is usable:
    a string of the right length, valid Unicode, without an ID number."""
    if not isinstance(obj, dict):
        return None, None
    txn, reply_to = obj.get("transaction"), obj.get("reply_to")
    txn = txn if isinstance(txn, str) and 0 < len(txn) <= TRANSACTION_MAX else None
    reply_to = reply_to if isinstance(reply_to, str) else None
    return tuple(x if x is not None and untrusted.is_unicode(x) and not has_id_number(x) else None
                 for x in (txn, reply_to))


def _with_envelope(obj, code: str, **params) -> ProtocolError:
    txn, reply_to = _envelope(obj)
    return ProtocolError(code, transaction=txn, reply_to=reply_to, **params)


def check_fields(spec: tuple[Field, ...], fields: dict, prefix: str = "") -> tuple | None:
    """The first problem with ``fields`` against ``spec`` as (code, params), or ``None``."""
    known = {f.name: f for f in spec}
    for name, value in fields.items():
        f = known.get(name)
        if f is None:
            return ("unknown_field", {"field": prefix + name})
        kind = KINDS[f.kind]
        if not kind.accepts(value):
            return ("wrong_type", {"field": prefix + name, "expected": kind.expected_en,
                                   "expected_zh": kind.expected_zh})
        if f.choices and value not in f.choices and f.refusal:
            return (f.refusal, {})
        if f.choices and value not in f.choices:
            listed = ", ".join(map(str, f.choices))
            return ("wrong_type", {"field": prefix + name, "expected": f"one of {listed}",
                                   "expected_zh": f"以下之一：{listed}"})
        if f.parts:
            inner = check_fields(f.parts, value, prefix + name + ".")
            if inner:
                return inner
    for f in spec:
        if f.required and not f.from_device and f.name not in fields:
            return (f.refusal, {}) if f.refusal else ("missing_field", {"field": prefix + f.name})
    return None


# ---------------------------------------------------------------------- replies and status

def reply_error(transaction: str | None, code: str, **params) -> dict:
    return {"v": V, "status": "error", "error": error_body(code, **params), "transaction": transaction}


def error_reply(err: ProtocolError) -> dict:
    return {"v": V, "status": "error", "error": err.body(), "transaction": err.transaction}


def status_payload(state: str) -> bytes:
    return encode({"v": V, "state": state})


def parse_status(payload: bytes) -> str | None:
    """``online``/``offline`` from a status payload (JSON, or the bare word from tiny devices)."""
    text = payload.decode("utf-8", "replace").strip()
    if text in (ONLINE, OFFLINE):
        return text
    if len(payload) > MAX_PAYLOAD:
        return None
    try:
        obj = untrusted.loads(text, MAX_DEPTH)  # depth-checked: a status is input from a device too
    except ValueError:
        return None
    state = obj.get("state") if isinstance(obj, dict) else None
    return state if state in (ONLINE, OFFLINE) else None


def encode(message: dict) -> bytes:
    """The wire form of every payload: compact UTF-8 JSON (Chinese not escaped)."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
