#!/usr/bin/python3
"""Trust-domain warden: runs the evaluator as the trusted uid and, on its request, candidate commands as another uid.

Started as root inside the sandbox (PID 1 of the local sandbox's namespaces; a root exec in the Docker sandbox):

    adrs_warden.py --trusted UID:GID:NPROC --candidate UID:GID:NPROC [--result-dir DIR] -- evaluator argv...

The evaluator gets one end of a SOCK_SEQPACKET socket as $ADRS_LAUNCHER_FD and no privilege at all. It asks
for a candidate command with a JSON request plus the descriptors the command may have (stdin, stdout, stderr
and more, in that order); the warden forks, gives the child exactly those descriptors, switches it to the
candidate uid in a session of its own and execs. Candidate processes therefore share no uid, process or
descriptor with the evaluator except the ones it chose to hand over, and cannot read its environment or
files, signal it or ptrace it. When the evaluator exits, every candidate-uid process is killed and the warden
exits with the evaluator's status. Requests: {"op": "run", "argv", "cwd", "env"} -> {"ok", "pid"} or
{"ok": false, "error"}; {"op": "kill", "pid"}; later, unasked, {"exit": pid, "status": code or -signal}.
"""
import ctypes
import json
import os
import resource
import selectors
import signal
import socket
import sys

PR_SET_NO_NEW_PRIVS = 38
MAX_REQUEST = 1 << 20
MAX_FDS = 16


def parse_ids(text):
    uid, gid, nproc = (int(part) for part in text.split(":"))
    return uid, gid, nproc


def become(uid, gid, nproc):
    """Drops to uid/gid for good (no groups, no new privileges, a process budget). Call in a fresh child."""
    _, hard = resource.getrlimit(resource.RLIMIT_NPROC)
    cap = nproc if hard == resource.RLIM_INFINITY else min(nproc, hard)  # lowering needs no capability
    resource.setrlimit(resource.RLIMIT_NPROC, (cap, cap))
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")


def kill_uid(uid, gid):
    """Kills every process of `uid` this pid namespace holds: a child that is that uid sends kill(-1)."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        os._exit(0)
    os.waitpid(pid, 0)


def status_of(wait_status):
    if os.WIFSIGNALED(wait_status):
        return -os.WTERMSIG(wait_status)
    return os.WEXITSTATUS(wait_status)


def spawn_evaluator(argv, trusted, fd):
    pid = os.fork()
    if pid != 0:
        return pid
    try:
        os.set_inheritable(fd, True)
        os.environ["ADRS_LAUNCHER_FD"] = str(fd)
        become(*trusted)
        os.execvp(argv[0], argv)
    except OSError as error:
        print(f"adrs warden: cannot start the evaluator {argv[0]}: {error}", file=sys.stderr)
        report(f"adrs warden: cannot start the evaluator {argv[0]}: {error}")
    os._exit(127)


def report(line):
    """A platform fault on the trusted channel (ADRS_INFRA_REPORT, a file no candidate can write), not stderr."""
    path = os.environ.get("ADRS_INFRA_REPORT")
    if path:
        try:
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(line.replace("\n", " ") + "\n")
        except OSError:
            pass


def spawn_candidate(request, fds, candidate):
    argv = request.get("argv")
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
        raise ValueError("argv must be a non-empty list of strings")
    env = request.get("env") or {}
    if not isinstance(env, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
        raise ValueError("env must map strings to strings")
    cwd = request.get("cwd") or "/"
    if len(fds) < 3:
        raise ValueError("send at least stdin, stdout and stderr descriptors")
    pid = os.fork()
    if pid != 0:
        return pid
    try:
        os.setsid()
        # Move the chosen descriptors to 0..n-1 and close everything else (the warden's socket included).
        high = [os.dup(fd) for fd in fds]
        top = max(high) + 1
        for target, fd in enumerate(high):
            moved = os.dup2(fd, top + target, inheritable=False)
            high[target] = moved
        for target, fd in enumerate(high):
            os.dup2(fd, target, inheritable=True)
        os.closerange(len(high), os.sysconf("SC_OPEN_MAX") if os.sysconf("SC_OPEN_MAX") > 0 else 4096)
        for sig in (signal.SIGCHLD, signal.SIGPIPE, signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        become(*candidate)
        os.chdir(cwd)
        os.execvpe(argv[0], argv, env)
    except BaseException as error:  # noqa: BLE001 - the child must never return into the warden loop
        try:
            os.write(2, f"adrs warden: cannot run {argv[0]} as the candidate: {error}\n".encode())
        except OSError:
            pass
    os._exit(127)


def send(sock, message):
    try:
        sock.send(json.dumps(message).encode())
    except OSError:
        pass  # the evaluator closed its end; it no longer cares


def main(args):
    trusted = candidate = None
    while args and args[0] != "--":
        flag, value = args[0], args[1] if len(args) > 1 else ""
        if flag == "--trusted":
            trusted = parse_ids(value)
        elif flag == "--candidate":
            candidate = parse_ids(value)
        else:
            print(f"adrs warden: unknown flag {flag}", file=sys.stderr)
            return 2
        args = args[2:]
    argv = args[1:]
    if not trusted or not candidate or not argv:
        print("adrs warden: usage: --trusted U:G:N --candidate U:G:N -- argv", file=sys.stderr)
        return 2
    if os.getuid() != 0:
        print("adrs warden: must start as root to separate the trust domains", file=sys.stderr)
        return 2
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    evaluator = spawn_evaluator(argv, trusted, theirs.fileno())
    theirs.close()
    children = set()
    sel = selectors.DefaultSelector()
    sel.register(ours, selectors.EVENT_READ, "request")
    sel.register(wake_r, selectors.EVENT_READ, "child")
    evaluator_status = None
    open_socket = True
    while evaluator_status is None:
        for key, _ in sel.select(timeout=1.0):
            if key.data == "child":
                try:
                    os.read(wake_r, 4096)
                except BlockingIOError:
                    pass
            elif open_socket:
                try:
                    data, fds, _, _ = socket.recv_fds(ours, MAX_REQUEST, MAX_FDS)
                except OSError:
                    data, fds = b"", []
                if not data:
                    sel.unregister(ours)
                    open_socket = False
                    continue
                try:
                    request = json.loads(data)
                    if request.get("op") == "run":
                        pid = spawn_candidate(request, fds, candidate)
                        children.add(pid)
                        send(ours, {"ok": True, "pid": pid})
                    elif request.get("op") == "kill":
                        if request.get("pid") in children:
                            try:
                                os.killpg(request["pid"], signal.SIGKILL)
                            except OSError:
                                pass
                        send(ours, {"ok": True})
                    else:
                        send(ours, {"ok": False, "error": "unknown op"})
                except (ValueError, AttributeError, TypeError, OSError) as error:
                    send(ours, {"ok": False, "error": str(error)})
                finally:
                    for fd in fds:
                        os.close(fd)
        while True:
            try:
                pid, wait_status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid == evaluator:
                evaluator_status = status_of(wait_status)
            elif pid in children:
                children.discard(pid)
                if open_socket:
                    send(ours, {"exit": pid, "status": status_of(wait_status)})
    kill_uid(candidate[0], candidate[1])
    if evaluator_status < 0:
        return 128 - evaluator_status
    return evaluator_status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
