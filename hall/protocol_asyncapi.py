"""docs/asyncapi.yaml, written from the protocol module (AsyncAPI 2.6, for tools and code generators).

``python -m hall.protocol_asyncapi > docs/asyncapi.yaml`` after changing the contract; a test
fails when the file and this function differ. Channels are seen from a device: it
*publishes* requests and its status, and *subscribes* to replies, state and events.
docs/mqtt-api.md is the prose for people.
"""
from __future__ import annotations

import re
import sys

import yaml

from hall import protocol
from hall.protocol import EVENT_KEYS, EVENT_TYPES, MAX_PAYLOAD, ROOT, TRANSACTION_MAX, V
from hall.protocol_errors import ERROR_CODES
from hall.protocol_verbs import TEXT_MAX, VERBS, Field, Verb

_KIND_SCHEMAS = {
    "text": {"type": "string", "minLength": 1, "maxLength": TEXT_MAX},
    "bool": {"type": "boolean"},
    "place": {"oneOf": [{"const": "front"}, {"type": "integer", "minimum": 0}]},
    "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
    "object": {"type": "object"},
}


def field_schema(f: Field) -> dict:
    schema = {**_KIND_SCHEMAS[f.kind], "description": f.doc}
    if f.choices:
        schema["enum"] = list(f.choices)
    if f.refusal:  # the error code of a value not in the enum, or of the field left out
        schema["x-refused-with"] = f.refusal
    if f.parts:
        schema["properties"] = {p.name: field_schema(p) for p in f.parts}
        schema["additionalProperties"] = False
    return schema


def request_schema(verb: Verb) -> dict:
    required = ["v", "verb", "transaction"] + [f.name for f in verb.fields if f.required and not f.from_device]
    return {
        "type": "object", "additionalProperties": False, "required": required,
        "x-roles": list(verb.roles),
        "properties": {
            "v": {"const": V}, "verb": {"const": verb.name},
            "transaction": {"type": "string", "minLength": 1, "maxLength": TRANSACTION_MAX},
            "reply_to": {"type": "string", "description": "this device's reply topic or a topic below it"},
            **{f.name: field_schema(f) for f in verb.fields},
        },
    }


_PARAMETERS = {
    "hall": "the hall's id ([hall] id of the hall file)",
    "device": "the device id ([[device]] id of the hall file)",
    "code": "a service code", "id": "a window id", "type": "the event type", "client": "a device id, or hub",
}


def _message(topic: str) -> dict:
    """The message of each row of ``hall.protocol.TOPICS``."""
    state = {"payload": {"type": "object", "required": ["v", "seq"]}}
    return {
        "request": {"oneOf": [{"$ref": f"#/components/messages/{name}"} for name in VERBS]},
        "reply": {"$ref": "#/components/messages/reply"},
        "hall": state, "board": state, "service": state, "window": state,
        "event": {"$ref": "#/components/messages/event"},
        "status": {"$ref": "#/components/messages/status"},
        "up_event": {"$ref": "#/components/messages/event"},
        "up_summary": {"payload": {"type": "object", "required": ["v", "hall", "at", "waiting"]}},
        "down_ack": {"payload": {"type": "object", "required": ["v", "upto"],
                                 "properties": {"upto": {"type": "integer", "minimum": 0}}}},
        "down_resend": {"payload": {"type": "object", "required": ["v", "from"],
                                    "properties": {"from": {"type": "integer", "minimum": 1}}}},
    }[topic]


def channels() -> dict:
    """One channel per row of ``hall.protocol.TOPICS``, seen from a device: it publishes what
    it sends (requests, its status), and subscribes to what the hub publishes."""
    out = {}
    for spec in protocol.TOPICS:
        address = f"{ROOT}/{{hall}}/{spec.pattern}"
        doc = spec.doc.replace("`", "")
        description = f"{doc[0].upper()}{doc[1:]}. {'Retained' if spec.retained else 'Not retained'}, " \
                      f"QoS {spec.qos.replace('|', ' or ')}, published by {spec.publisher}."
        direction = "subscribe" if spec.publisher == "hub" else "publish"
        out[address] = {"description": description, direction: {"message": _message(spec.name)},
                        "parameters": {name: {"description": _PARAMETERS[name]}
                                       for name in re.findall(r"\{(\w+)\}", address)}}
    return out


def document() -> dict:
    return {
        "asyncapi": "2.6.0",
        "info": {"title": "Yichuang hall hub (一窗)", "version": str(V),
                 "description": f"MQTT 3.1.1, UTF-8 JSON payloads of at most {MAX_PAYLOAD} bytes for requests. "
                                "See docs/mqtt-api.md."},
        "defaultContentType": "application/json",
        "servers": {"hall": {"url": "{host}:1883", "protocol": "mqtt", "protocolVersion": "3.1.1",
                             "variables": {"host": {"default": "127.0.0.1"}}}},
        "channels": channels(),
        "components": {"messages": {
            **{name: {"name": name, "summary": verb.doc, "payload": request_schema(verb)}
               for name, verb in VERBS.items()},
            "reply": {"name": "reply", "payload": {
                "type": "object", "required": ["v", "status", "transaction"],
                "properties": {
                    "v": {"const": V}, "status": {"enum": ["ok", "error"]},
                    "transaction": {"type": ["string", "null"]}, "data": {"type": "object"},
                    "error": {"type": "object", "required": ["code", "message", "message_en"],
                              "properties": {"code": {"enum": list(ERROR_CODES)}, "message": {"type": "string"},
                                             "message_en": {"type": "string"}}},
                }}},
            "event": {"name": "event", "payload": {
                "type": "object", "required": list(EVENT_KEYS),
                "properties": {"v": {"const": V}, "seq": {"type": "integer", "minimum": 1},
                               "type": {"enum": list(EVENT_TYPES)}, "ts": {"type": "number"},
                               "data": {"type": "object"}}}},
            "status": {"name": "status", "payload": {
                "type": "object", "required": ["v", "state"],
                "properties": {"v": {"const": V}, "state": {"enum": ["online", "offline"]}}}},
        }},
    }


class _Plain(yaml.SafeDumper):
    """Writes a shared sub-schema out in full each time instead of as a YAML alias."""

    def ignore_aliases(self, data) -> bool:
        return True


def render() -> str:
    header = "# Written by `python -m hall.protocol_asyncapi` from hall/protocol*.py: do not edit by hand.\n"
    return header + yaml.dump(document(), Dumper=_Plain, allow_unicode=True, sort_keys=False, width=110)


if __name__ == "__main__":
    sys.stdout.write(render())
