#!/usr/bin/python3
"""Resets a Docker session container for the next sample of the same party, or says it cannot.

Run as a root exec in the container (which has SETUID/SETGID and nothing else: root here cannot signal or
open what other uids own). For each uid that ran code (the sandbox user, the trusted evaluator) a child drops
to that uid and, as the owner:

- kills every process of the uid, again and again until kill(-1) finds none (a forking daemon included);
- deletes what the uid owns in the workspace, /tmp, /dev/shm and /dev/mqueue (and the trusted folder's
  contents), without following links; deletes its System V shared memory, semaphores and message queues.

Then root, which no candidate process can signal, kills leftover root processes (a warden) and checks:
only init, the keep-alive and this process are alive; those folders are empty and have their modes back;
/proc/sysvipc lists nothing. It prints {"clean": true, "oom_kills": N} or {"clean": false, "why": "..."}.
Anything it cannot check counts as not clean: the caller then replaces the container.

    python3 -I -S -c <adrs_kill.py bundled in front of this> --candidate UID:GID --trusted UID:GID --workspace DIR --trusted-dir DIR
"""
import ctypes
import json
import os
import signal
import stat
import sys
import time

try:
    # Bundled in front of this source by the host (agent-socket.ts: containerPython), never read from a file here.
    from adrs_kill import kill_loop, status_of
except ImportError as missing:
    print(json.dumps({"clean": False, "why": f"adrs_reset.py came without its adrs_kill module: {missing}"}))
    sys.exit(1)

IPC_RMID = 0
SHARED_DIRS = ("/tmp", "/dev/shm", "/dev/mqueue")
# Bounds on waiting for killed processes to be gone. A clean container passes at once; under heavy load
# (a 2-core machine at load 25) the kernel and the engine's shim can take seconds to tear a killed process
# down and reap an exec's, so the wait is long, but bounded: past it the container is not clean.
KILL_S = 15.0
SETTLE_S = 20.0


def arg(name):
    return sys.argv[sys.argv.index(name) + 1]


def ids(text):
    uid, gid = (int(part) for part in text.split(":"))
    return uid, gid


def remove_tree(path):
    """Deletes path; folders are opened up first (an owner can always chmod), links are never followed.

    What is already gone counts as deleted: the cleaners of the two uids run at once, so an entry listed in a
    shared folder (/tmp) may be the other uid's and vanish before it is looked at. check() then sees what is left.
    """
    try:
        info = os.lstat(path)
        if stat.S_ISDIR(info.st_mode):
            os.chmod(path, 0o700)
            for name in os.listdir(path):
                remove_tree(os.path.join(path, name))
            os.rmdir(path)
        else:
            os.unlink(path)
    except FileNotFoundError:
        pass


def sysv_entries(kind):
    """(id, owner uid, creator uid) of each System V object of a kind ("shm", "sem", "msg")."""
    with open(f"/proc/sysvipc/{kind}") as f:
        header = f.readline().split()
        rows = [line.split() for line in f if line.strip()]
    col = {name: i for i, name in enumerate(header)}
    ident = "shmid" if kind == "shm" else "semid" if kind == "sem" else "msqid"
    return [(int(r[col[ident]]), int(r[col["uid"]]), int(r[col["cuid"]])) for r in rows]


def clean_as(uid, gid, home, trusted_dir):
    """In a child: become uid, kill its processes, delete its files and IPC objects. Exit status 0 = done."""
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    # kill(-1) as the uid reaches every process it may signal; until none of its own (but this one) is alive.
    if not kill_loop(uid, (1, os.getpid()), KILL_S):
        os._exit(3)
    failed = False
    if home:
        os.chmod(home, 0o755)
    if trusted_dir:
        os.chmod(trusted_dir, 0o700)
    folders = [d for d in (home, trusted_dir) if d]
    for folder in folders:
        for name in os.listdir(folder):
            try:
                remove_tree(os.path.join(folder, name))
            except (OSError, RecursionError):
                failed = True
    for folder in SHARED_DIRS:
        if not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            try:
                if os.lstat(path).st_uid == uid:
                    remove_tree(path)
            except FileNotFoundError:
                pass  # the other uid's, deleted by its cleaner meanwhile
            except (OSError, RecursionError):
                failed = True
    libc = ctypes.CDLL(None, use_errno=True)
    removers = {
        "shm": lambda i: libc.shmctl(i, IPC_RMID, None),
        "sem": lambda i: libc.semctl(i, 0, IPC_RMID),
        "msg": lambda i: libc.msgctl(i, IPC_RMID, None),
    }
    for kind, remove in removers.items():
        for ident, owner, creator in sysv_entries(kind):
            # A segment marked for removal goes when its last (killed) user detaches: gone meanwhile is removed.
            if uid in (owner, creator) and remove(ident) != 0 and ident in (e[0] for e in sysv_entries(kind)):
                failed = True
    if trusted_dir and os.listdir(trusted_dir):
        failed = True
    os._exit(4 if failed else 0)


def keep_alive():
    """The container's main process (the exec agent, or `sleep infinity` without it): init's oldest child, owned by root."""
    with open("/proc/1/task/1/children") as f:
        children = sorted(int(p) for p in f.read().split())
    if not children or os.stat(f"/proc/{children[0]}").st_uid != 0:
        return None
    return children[0]


def strays(keep):
    """Every process but init, the keep-alive and this one, zombies included (init reaps them in a moment)."""
    me = os.getpid()
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, keep, me)]


def settle(keep):
    """Kills root's own leftovers and waits for init to reap the killed; the processes still there."""
    deadline = time.monotonic() + SETTLE_S
    pause = 0.005
    while True:
        left = strays(keep)
        if not left or time.monotonic() > deadline:
            return left
        for pid in left:
            try:
                if status_of(pid)[1] == 0:
                    os.kill(pid, signal.SIGKILL)
            except (OSError, IndexError, ValueError):
                pass
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def check(keep, home, trusted):
    """Why the container is not clean, or None."""
    left = settle(keep)
    if left:
        return f"processes still alive after the sweep: {left[:5]}"
    for folder in (home, *SHARED_DIRS):
        if os.path.isdir(folder) and os.listdir(folder):
            return f"{folder} is not empty after the wipe"
    info = os.stat(home)
    if (info.st_uid, stat.S_IMODE(info.st_mode)) != (ids(arg("--candidate"))[0], 0o755):
        return f"{home} has the wrong owner or mode"
    tinfo = os.stat(trusted)
    if (tinfo.st_uid, stat.S_IMODE(tinfo.st_mode)) != (ids(arg("--trusted"))[0], 0o700):
        return f"{trusted} has the wrong owner or mode"
    for kind in ("shm", "sem", "msg"):
        if sysv_entries(kind):
            return f"System V {kind} objects are left"
    return None


def oom_kills():
    for path, key in (("/sys/fs/cgroup/memory.events", "oom_kill"), ("/sys/fs/cgroup/memory/memory.oom_control", "oom_kill")):
        try:
            with open(path) as f:
                for line in f:
                    name, _, value = line.partition(" ")
                    if name == key:
                        return int(value)
        except OSError:
            continue
    return 0


def main():
    home = arg("--workspace")
    trusted = arg("--trusted-dir")
    keep = keep_alive()
    if keep is None:
        return {"clean": False, "why": "the container's keep-alive process is not where it should be"}
    children = []
    for who, own_home, own_trusted in (("--candidate", home, None), ("--trusted", None, trusted)):
        uid, gid = ids(arg(who))
        pid = os.fork()
        if pid == 0:
            try:
                clean_as(uid, gid, own_home, own_trusted)
            finally:
                os._exit(5)
        children.append((who, pid))
    for who, pid in children:
        _, status = os.waitpid(pid, 0)
        if status != 0:
            return {"clean": False, "why": f"cleaning as {who[2:]} failed (wait status {status})"}
    why = check(keep, home, trusted)
    if why:
        return {"clean": False, "why": why}
    return {"clean": True, "oom_kills": oom_kills()}


if __name__ == "__main__":
    try:
        report = main()
    except Exception as error:  # anything unexpected: not verifiably clean
        report = {"clean": False, "why": f"{type(error).__name__}: {error}"}
    print(json.dumps(report))
