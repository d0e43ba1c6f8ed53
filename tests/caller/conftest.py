"""Fixtures for the window: soft callers wired to the real hub logic in process (caller/rehearsal.py)."""
from __future__ import annotations

import pytest

from caller.rehearsal import Desk, LocalHub


@pytest.fixture
def local_hub(tmp_path) -> LocalHub:
    return LocalHub(tmp_path)


@pytest.fixture
def desk(local_hub) -> Desk:
    return Desk(local_hub)
