"""The kiosk session for real: the ExecStart of the rendered yichuang-terminal@<id> unit (the kiosk
and the board), with
the environment systemd would give it (the unit's Environment=, the provisioned terminal env file,
NOTIFY_SOCKET, WATCHDOG_USEC from WatchdogSec=, WATCHDOG_PID = cage), is started as it stands:
Debian's cage, its Xwayland, and the app as cage's child on a TLS broker with a hub behind it.

What systemd does around it is stood in for: a notify socket this test owns; a user namespace
for `User=` (the process is not root, as cage insists); a home that cannot be created (a system
user has none). This machine has no GPU and no seat, so cage draws into a window of an Xvfb
through wlroots' X11 backend with the pixman renderer. Not the headless backend: once the app's
window fills the output, cage 0.1.4 scans the client's buffer out directly (wlroots 0.15's
headless output takes any buffer), so its renderer and damage tracking stop, and grim gets a
stale, half-black picture; with `cage -r` (no scan-out of a rotated output) headless works,
but that is not the unit's command line. A DRM output cannot scan out Xwayland's shm buffers.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from hall.protocol import HUB_CLIENT
from hall.service.local_broker import spawn_hub_online
from unit_exec import environment, exec_start, service_settings

ROOT = Path(__file__).resolve().parents[2]
TOWNSHIP = ROOT / "config" / "halls" / "township.toml"
BIN = str(Path(sys.executable).parent)
# device -> what it says with READY=1, and the first word of its window's title
TERMINALS = {"kiosk-1": ("kiosk-1: home screen", "一窗 取号机"), "board-1": ("board-1: showing", "斑竹园镇")}
USER_ID = 65534  # the uid the app sees: not root, with no home, like a system user
NO_HOME = "/proc/yichuang-has-no-home"  # a path no one can create
SCREENS = ROOT / "docs" / "screens" / "appliance"


def start_xvfb() -> tuple[int, subprocess.Popen]:
    """Xvfb on a display number it picks itself (-displayfd), so parallel tests never share one."""
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as numbers:
        line = numbers.readline().strip()
    assert line.isdigit(), "Xvfb did not start"
    return int(line), xvfb


def as_the_unit_user(argv: list[str], etc: Path) -> list[str]:
    """Run argv as a non-root user (cage refuses root) in a mount namespace of its own, where
    /tmp/.X11-unix is a private tmpfs owned by that user (wlroots refuses a foreign one) and the
    hall's configuration folder is read-only, as /etc/yichuang is to the unit's user."""
    inner = ["unshare", "--user", f"--map-user={USER_ID}", f"--map-group={USER_ID}", *argv]
    return ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
            'mount -t tmpfs tmpfs /tmp/.X11-unix && mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" '
            '&& export WATCHDOG_PID=$$ && exec "$@"', str(etc), *inner]


def stop(session: subprocess.Popen) -> None:
    """As systemd stops the unit: SIGTERM to its whole cgroup (here: its process group)."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(session.pid, sig)
        except ProcessLookupError:
            pass
        try:
            session.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def windows(display: str) -> str:
    return subprocess.run(["xwininfo", "-root", "-tree", "-display", display], capture_output=True, text=True,
                          timeout=10).stdout


@pytest.mark.parametrize("device", TERMINALS)
def test_the_terminal_unit_starts_fullscreen_under_cage_and_feeds_the_watchdog(provisioned, tmp_path, device):
    status, title = TERMINALS[device]
    etc = provisioned["out"] / "devices" / device  # what provisioning puts on the terminal's /etc/yichuang
    shutil.copyfile(TOWNSHIP, etc / "hall.toml")
    units = tmp_path / "units"
    subprocess.run([sys.executable, "-m", "hall.cli", "units", "--out", str(units), "--bin", BIN, "--etc", str(etc)],
                   cwd=ROOT, check=True, capture_output=True)
    unit = (units / "yichuang-terminal@.service").read_text()
    state = tmp_path / "state"
    for key, value in service_settings(unit):  # systemd creates them, owned by User=
        if key in ("StateDirectory", "CacheDirectory"):
            for name in value.replace("%i", device).split():
                (state / ("lib" if key == "StateDirectory" else "cache") / name).mkdir(parents=True, exist_ok=True)
    env = environment(unit, device, state)
    argv = exec_start(unit, device, state, env)
    assert argv[:2] == ["/usr/bin/cage", "-d"] and argv[3] == f"{BIN}/yichuang", argv
    watchdog_usec = int(dict(service_settings(unit))["WatchdogSec"]) * 1_000_000

    notify_path = tmp_path / "notify"
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(notify_path))
    notify.settimeout(0.5)
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    display, xvfb = start_xvfb()
    env.update(
        # as systemd sets them for User=yichuang with PAM (pam_systemd gives XDG_RUNTIME_DIR)
        PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", LANG="C.UTF-8", HOME=NO_HOME,
        USER="yichuang", LOGNAME="yichuang", SHELL="/usr/sbin/nologin", XDG_RUNTIME_DIR=str(runtime),
        NOTIFY_SOCKET=str(notify_path), WATCHDOG_USEC=str(watchdog_usec),
        # this machine's stand-ins: cage's output is a window of the Xvfb; this worktree's code;
        # no sound card
        WLR_BACKENDS="x11", WLR_RENDERER="pixman", DISPLAY=f":{display}", PYTHONPATH=str(ROOT),
        SDL_AUDIODRIVER="dummy")
    log = tmp_path / "session.log"
    heard: list[str] = []
    hub = session = None
    try:
        hub_url = f"mqtt://{HUB_CLIENT}:{provisioned['creds'][HUB_CLIENT]}@127.0.0.1:{provisioned['plain']}"
        hub = spawn_hub_online(TOWNSHIP, tmp_path / "hall.sqlite", hub_url, tmp_path / "hub.log", "--always-open")
        with open(log, "w") as out:
            session = subprocess.Popen(as_the_unit_user(argv, etc), env=env, stdout=out, stderr=out,
                                       start_new_session=True)
        deadline = time.monotonic() + 45
        while sum(m == "WATCHDOG=1" for m in heard) < 2 and time.monotonic() < deadline:
            try:
                heard.append(notify.recv(4096).decode())
            except socket.timeout:
                assert session.poll() is None, f"the session stopped:\n{log.read_text()[-3000:]}"
        shot = tmp_path / f"{device}-session.png"
        grim = subprocess.run(["grim", str(shot)], env={**os.environ, "WAYLAND_DISPLAY": str(runtime / "wayland-0")},
                              capture_output=True, text=True, timeout=20)
        outer = windows(f":{display}")
        children = Path(f"/proc/{session.pid}/task/{session.pid}/children").read_text().split()
        app_pid = next(p for p in children if b"yichuang" in Path(f"/proc/{p}/cmdline").read_bytes())
        inner_display = dict(v.split("=", 1) for v in Path(f"/proc/{app_pid}/environ").read_text().split("\0")
                             if "=" in v)["DISPLAY"]
        inner = windows(inner_display)
    finally:
        if session is not None:
            stop(session)
        notify.close()
        if hub is not None:
            hub.terminate()
            hub.wait(20)
        xvfb.terminate()
        xvfb.wait(10)
    print("\n".join(heard))
    ready = [m for m in heard if m.startswith("READY=1")]
    assert ready and f"STATUS={status}" in ready[0], heard
    assert heard.index(ready[0]) < heard.index("WATCHDOG=1")
    assert heard.count("WATCHDOG=1") >= 2, heard  # fed again from Kivy's clock, WatchdogSec/2 later

    # fullscreen: cage's output (the window it draws into), the app's X window and grim's
    # picture of the output are one size, and the picture is the app's, to every corner
    assert grim.returncode == 0, grim.stderr
    outputs = re.findall(r"^\s+0x[0-9a-f]+ .*?(\d+)x(\d+)\+", outer, re.M)
    assert len(outputs) == 1, outer  # the Xvfb holds one window: cage's output
    size = tuple(map(int, outputs[0]))
    assert tuple(map(int, re.search(rf'"{title}.*?(\d+)x(\d+)\+0\+0', inner).groups())) == size, inner
    picture = Image.open(shot).convert("RGB")
    assert picture.size == size
    w, h = size
    black = sum(n for n, rgb in picture.getcolors(w * h) if rgb == (0, 0, 0))
    assert black < 0.01 * w * h, f"{black} black pixels of {w * h}: not the app's picture ({shot})"
    for x, y in ((0, 0), (w - 32, 0), (0, h - 32), (w - 32, h - 32)):
        corner = picture.crop((x, y, x + 32, y + 32)).getcolors(32 * 32)
        assert corner != [(32 * 32, (0, 0, 0))], f"corner {x},{y} is black ({shot})"
    assert len(picture.getcolors(w * h)) > 100  # text and buttons, not one flat colour
    SCREENS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, SCREENS / f"{device}-under-cage.png")
    session_log = log.read_text()
    assert "Traceback" not in session_log, session_log[-3000:]
