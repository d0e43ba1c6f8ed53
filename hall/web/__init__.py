"""The hall's web (大厅网页): the citizen's ticket page, the manager's live dashboard, reports.

A process of its own beside the hub (``yichuang web``). It reads the hub's SQLite file
read-only (WAL lets it read while the hub writes), wakes on the hall's MQTT state and events,
and changes nothing itself: every action is a ``manager`` request to the hub over MQTT.
"""
