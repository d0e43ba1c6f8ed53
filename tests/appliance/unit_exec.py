"""What systemd runs for a unit instance: its ExecStart= command line and environment, expanded
as systemd does it (specifiers %i %S %C %%, Environment=, EnvironmentFile=, ${VAR} in ExecStart),
so tests start the very command line a rendered unit holds instead of retyping it."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

VARIABLE = re.compile(r"\$\{(\w+)\}")


def service_settings(text: str) -> list[tuple[str, str]]:
    """``(key, value)`` of every line of the ``[Service]`` section, in order."""
    settings, section = [], None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line:
            key, value = line.split("=", 1)
            settings.append((key.strip(), value.strip()))
    return settings


def specifiers(value: str, instance: str, state_root: Path) -> str:
    """%S and %C (/var/lib and /var/cache for a system unit) are folders under ``state_root``."""
    table = {"i": instance, "S": str(state_root / "lib"), "C": str(state_root / "cache"), "%": "%"}
    return re.sub(r"%(.)", lambda m: table[m.group(1)], value)


def environment(text: str, instance: str, state_root: Path) -> dict[str, str]:
    """Environment= then EnvironmentFile= (``-`` = may be missing), as systemd reads them."""
    env: dict[str, str] = {}
    for key, value in service_settings(text):
        if key == "Environment":
            env.update(word.split("=", 1) for word in shlex.split(specifiers(value, instance, state_root)))
        elif key == "EnvironmentFile":
            path = Path(specifiers(value.removeprefix("-"), instance, state_root))
            if value.startswith("-") and not path.exists():
                continue
            for line in path.read_text().splitlines():
                line = line.strip()
                if line and not line.startswith(("#", ";")) and "=" in line:
                    name, val = line.split("=", 1)
                    env[name.strip()] = val.strip().strip('"')
    return env


def exec_start(text: str, instance: str, state_root: Path, env: dict[str, str]) -> list[str]:
    """The ExecStart= argv with ``${VAR}`` replaced from ``env`` (a missing one is a KeyError)."""
    line = next(value for key, value in service_settings(text) if key == "ExecStart")
    words = shlex.split(specifiers(line.lstrip("-@:+!"), instance, state_root))
    return [VARIABLE.sub(lambda m: env[m.group(1)], word) for word in words]
