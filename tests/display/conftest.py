"""Shared fixtures for the board, the window screens and the voice: the example halls, one
clip pack per test session (espeak-ng, about 2 s), and the environment for child processes."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from hall.config import load_hall

ROOT = Path(__file__).resolve().parents[2]
TOWNSHIP = ROOT / "config" / "halls" / "township.toml"
COUNTY = ROOT / "config" / "halls" / "county.toml"
PYTHON = sys.executable


@pytest.fixture(scope="session")
def township():
    return load_hall(TOWNSHIP)


@pytest.fixture(scope="session")
def county():
    return load_hall(COUNTY)


@pytest.fixture(scope="session")
def voice_pack(tmp_path_factory) -> Path:
    from display.voice.pack import ensure_pack

    return ensure_pack(tmp_path_factory.mktemp("voice"))


def child_env(**extra) -> dict:
    """Environment for a child Python (Kivy offscreen, no console noise)."""
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env.update(KIVY_NO_ARGS="1", KIVY_NO_CONSOLELOG="1", KIVY_NO_FILELOG="1", KIVY_USE_DEFAULTCONFIG="1",
               PYTHONPATH=str(ROOT), PYGAME_HIDE_SUPPORT_PROMPT="1")
    env.update({k: str(v) for k, v in extra.items()})
    return env


@pytest.fixture
def scene_of(tmp_path):
    """``scene_of(config)`` → a SceneHall on the real store (closed at the end)."""
    from display.scenes import SceneHall

    scenes = []

    def make(config, **options):
        scene = SceneHall(config, tmp_path / f"s{len(scenes)}", **options)
        scenes.append(scene)
        return scene

    for d in range(8):
        (tmp_path / f"s{d}").mkdir()
    yield make
    for scene in scenes:
        scene.close()


# The hub's fixtures (real Mosquitto, a hall of its own per test, the hub as a process).
from tests.hub.conftest import Hall, connect, mosquitto, start_hub  # noqa: E402,F401


@pytest.fixture
def hub_hall(tmp_path) -> Hall:
    return Hall(tmp_path)
