"""The wait estimate other queue systems show, computed beside the engine's on the same
tickets: mean handling time × position ÷ open windows (e.g. Mitel's "EWT = AHT × position
÷ agents available"; a Qmatic-style per-queue figure). The mean handling time is the one
the hall configured for the service; the position is the ticket's place in its own line;
the windows are those open for that service."""
from __future__ import annotations

from hall import queueing
from hall.config import HallConfig
from hall.state import HallState


def common_estimate(config: HallConfig, state: HallState, service: str, ahead: int) -> float:
    """Seconds, as the common formula would tell a ticket with ``ahead`` people before it."""
    windows = queueing.windows_serving(config, state, service) or queueing.planned_windows(config, service) or 1
    return (ahead + 1) * config.services[service].handling_minutes * 60.0 / windows
