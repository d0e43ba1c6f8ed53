"""The hall hub as a service on the MQTT bus: `yichuang hub`, the embedded broker, and the
Mosquitto accounts and ACL generated from the hall file."""
