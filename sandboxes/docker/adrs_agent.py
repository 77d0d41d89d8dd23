#!/usr/bin/python3
"""The exec agent: a Docker session container's main process, so that a command costs no `docker exec`.

Runs as the container's root (SETUID/SETGID only: it cannot signal, ptrace or open what other uids own) and
listens on a Unix socket in a folder bind-mounted from the host that is root-only (0700) in the container, so
no candidate or trusted uid can reach it. It serves only a peer outside the container's pid namespace (the
host: SO_PEERCRED gives pid 0) that is root.

One request per connection: a JSON line, then (exec with stdin) the command's stdin until the host half-closes.
  {"op": "exec", "argv": [...], "uid": U, "gid": G, "env": {...}, "cwd": "/work", "stdin": true}
  {"op": "kill", "uids": [[U, G], ...]}
Replies are frames: one type byte, a 4-byte big-endian length, the payload.
  o, e   stdout, stderr bytes (uncapped: the host keeps the tails and kills the container on runaway output)
  x      {"status": N} when the main process exited: its exit code, or 128 + signal (as `docker exec` reports)
  d      the output pipes closed: the exec is over
  u      {"why": "..."}: nothing was started (no process left to fork, say); the host uses `docker exec` instead
  k      {"clean": bool, "why": "..."}: every process of root (but init and the agent) and of those uids is gone
Deadlines are the host's: it kills the container, never relying on this process for one.

    ADRS_AGENT_PY=<adrs_kill.py bundled in front of this> python3 -I -S -c 'import os; exec(os.environ.pop("ADRS_AGENT_PY"))' FOLDER
"""
import errno
import json
import os
import selectors
import socket
import struct
import subprocess
import sys
import threading

try:
    # Bundled in front of this source by the host (agent-socket.ts: containerPython), never read from a file here.
    from adrs_kill import kill_loop
except ImportError as missing:
    sys.exit(f"adrs agent: came without its adrs_kill module: {missing}")

MAX_HEADER = 64 * 1024 * 1024
# Kill loops stop waiting after this (a clean container takes milliseconds): the host then kills the container.
KILL_S = 10.0
# The environment `sh -c` adds to what Docker gives the container (a `docker exec` has none of it), and this
# program's source (agent-socket.ts passes it so, to keep pid 1's command line short).
NOT_PASSED = ("PWD", "OLDPWD", "SHLVL", "_", "ADRS_AGENT_PY")


def base_env():
    """The container's environment as Docker gives it to every exec: init's (pid 1 is Docker's init)."""
    try:
        with open("/proc/1/environ", "rb") as f:
            pairs = [item.split(b"=", 1) for item in f.read().split(b"\0") if b"=" in item]
        env = {k.decode(): v.decode() for k, v in pairs}
    except OSError:
        env = dict(os.environ)
    return {k: v for k, v in env.items() if k not in NOT_PASSED}


BASE_ENV = base_env()


def frame(kind, payload=b""):
    return kind + struct.pack(">I", len(payload)) + payload


def send_json(conn, kind, value):
    conn.sendall(frame(kind, json.dumps(value).encode()))


def read_header(conn):
    """The request line and whatever stdin bytes came with it."""
    data = b""
    while b"\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise EOFError("no request")
        data += chunk
        if len(data) > MAX_HEADER:
            raise ValueError("request too long")
    line, _, rest = data.partition(b"\n")
    return json.loads(line), rest


def wait_status(returncode):
    return returncode if returncode >= 0 else 128 - returncode


def feed_stdin(conn, pipe, first):
    """Copies the socket's remaining bytes into the command's stdin (a thread: the command may not read it)."""
    try:
        if first:
            pipe.write(first)
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            pipe.write(chunk)
    except OSError:
        pass
    finally:
        try:
            pipe.close()
        except OSError:
            pass


def run_exec(conn, req, rest):
    uid, gid = int(req["uid"]), int(req["gid"])
    env = dict(BASE_ENV)
    env.update({str(k): str(v) for k, v in req.get("env", {}).items()})
    want_stdin = bool(req.get("stdin"))
    cwd = str(req.get("cwd", "/"))
    try:
        # As `docker exec --user U:G` does: that uid and gid, the gid as the only group, umask 022, default
        # signal dispositions, no descriptor of the agent's. Dropping root from uid 0 clears every capability.
        proc = subprocess.Popen(
            [str(a) for a in req["argv"]],
            stdin=subprocess.PIPE if want_stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
            user=uid,
            group=gid,
            extra_groups=[gid],
            umask=0o022,
            close_fds=True,
            restore_signals=True,
        )
    except OSError as error:
        # No task left (the pids cap), or a working folder the user may not enter (runc enters it while still
        # privileged, so `docker exec` can): the host runs it through `docker exec` instead.
        if error.errno in (errno.EAGAIN, errno.ENOMEM) or error.filename == cwd:
            send_json(conn, b"u", {"why": str(error)})
            return
        # What `docker exec` says of a command it cannot start (not found, not executable, no such cwd).
        message = f"adrs agent: exec failed: {req['argv'][0]}: {error.strerror or error}\n"
        conn.sendall(frame(b"e", message.encode()))
        send_json(conn, b"x", {"status": 126})
        conn.sendall(frame(b"d"))
        return
    except subprocess.SubprocessError as error:
        send_json(conn, b"u", {"why": str(error)})
        return
    relay(conn, proc, rest if want_stdin else None)


def relay(conn, proc, first_stdin):
    if proc.stdin is not None:
        try:
            threading.Thread(target=feed_stdin, args=(conn, proc.stdin, first_stdin), daemon=True).start()
        except RuntimeError:
            proc.stdin.close()
    assert proc.stdout is not None and proc.stderr is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout.fileno(), selectors.EVENT_READ, b"o")
    sel.register(proc.stderr.fileno(), selectors.EVENT_READ, b"e")
    pidfd = os.pidfd_open(proc.pid)
    sel.register(pidfd, selectors.EVENT_READ, b"x")
    open_pipes = 2
    exited = False
    host_gone = False
    try:
        while open_pipes or not exited:
            for key, _ in sel.select():
                kind = key.data
                if kind == b"x":
                    sel.unregister(pidfd)
                    exited = True
                    status = wait_status(proc.wait())
                    if not host_gone:
                        send_json(conn, b"x", {"status": status})
                    continue
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    sel.unregister(key.fd)
                    open_pipes -= 1
                    continue
                if not host_gone:
                    try:
                        conn.sendall(frame(kind, chunk))
                    except OSError:
                        host_gone = True  # keep draining and reaping; the host's sweep ends the command
        if not host_gone:
            conn.sendall(frame(b"d"))
    finally:
        sel.close()
        os.close(pidfd)
        proc.stdout.close()
        proc.stderr.close()


def kill_as(uid, gid):
    """A child that becomes uid (the only way to signal its processes without CAP_KILL) and kills them all."""
    pid = os.fork()
    if pid == 0:
        code = 5
        try:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            code = 0 if kill_loop(uid, (1, os.getpid()), KILL_S) else 3
        finally:
            os._exit(code)
    return pid


def kill_all(conn, req):
    me = os.getpid()
    # First root's own (a warden and what it has not yet handed to another uid): the agent's threads share its
    # thread group, so kill(-1) spares them. Then, in children that fork as root, each uid's.
    if not kill_loop(0, (1, me), KILL_S):
        send_json(conn, b"k", {"clean": False, "why": "root processes survived"})
        return
    try:
        children = [kill_as(int(uid), int(gid)) for uid, gid in req["uids"]]
    except OSError as error:
        send_json(conn, b"k", {"clean": False, "why": f"fork: {error}"})
        return
    failed = [pid for pid in children if os.waitpid(pid, 0)[1] != 0]
    if failed:
        send_json(conn, b"k", {"clean": False, "why": "a uid's processes survived"})
        return
    send_json(conn, b"k", {"clean": True})


def peer_is_host(conn):
    pid, uid, _ = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
    return pid == 0 and uid == 0


def serve(conn):
    with conn:
        try:
            if not peer_is_host(conn):
                return
            req, rest = read_header(conn)
            if req.get("op") == "exec":
                run_exec(conn, req, rest)
            elif req.get("op") == "kill":
                kill_all(conn, req)
        except (OSError, EOFError, ValueError, KeyError, TypeError):
            pass


def main():
    folder = sys.argv[1]
    path = os.path.join(folder, "agent.sock")
    os.umask(0o077)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + ".new")
    listener.listen(128)
    # Appears only once it answers: the host waits for this name.
    os.rename(path + ".new", path)
    while True:
        conn, _ = listener.accept()
        try:
            threading.Thread(target=serve, args=(conn,), daemon=True).start()
        except RuntimeError:
            conn.close()  # no task left to start (the pids cap): the host falls back to `docker exec`


if __name__ == "__main__":
    main()
