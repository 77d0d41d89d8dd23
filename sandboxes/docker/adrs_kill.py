"""Kills every process one uid may signal, again and again until none of that uid is alive.

Shared by the exec agent (adrs_agent.py) and the series reset (adrs_reset.py). Both run inside the container
from their source text, not from a file there; the host bundles this module's source in front of theirs
(agent-socket.ts: containerPython), so it never has to be a file in the container and cannot be shadowed by one.
"""
import os
import signal
import time


def status_of(pid):
    """(state, real uid, saved uid) from /proc/PID/status (readable for every process, dumpable or not)."""
    state, uids = "", []
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("State:"):
                state = line.split()[1]
            elif line.startswith("Uid:"):
                uids = [int(u) for u in line.split()[1:]]
    return state, uids[0], uids[2]


def living(uid, exclude):
    """Pids of processes of `uid` (real or saved) that are not zombies, but `exclude`."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in exclude:
            continue
        try:
            state, real, saved = status_of(name)
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if state != "Z" and uid in (real, saved):
            found.append(int(name))
    return found


def kill_loop(uid, exclude, seconds):
    """kill(-1) reaches every process the caller (running as `uid`) may signal but itself and init: again
    until none of `uid` but `exclude` is alive. False past `seconds` (the caller then gives up on the container)."""
    deadline = time.monotonic() + seconds
    pause = 0.001
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass  # none to signal
        if not living(uid, exclude):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
