"""Runs candidate code in the candidate's trust domain: another uid, only the descriptors the evaluator hands over.

The evaluator (trusted) never imports or loads candidate code itself. It starts a candidate process with
`start()`, talks to it over pipes it owns (inputs at "go", outputs back), checks the outputs against its own
references and keeps its own clock:

    import adrs_candidate
    child = adrs_candidate.start(["/usr/bin/python3", "-I", f"{problem}/child.py"], cwd=workspace)
    child.send_json({"inputs": ...})
    t0 = time.perf_counter(); reply = child.recv_json(timeout=10); elapsed = time.perf_counter() - t0
    child.close()

Inside an adrs sandbox the request goes to the warden ($ADRS_LAUNCHER_FD), which runs the command as the
candidate uid: it cannot read the evaluator's environment or files, signal or ptrace it, or write its result.
Outside one (running an evaluator by hand, a sandbox that cannot switch uids) the command runs as a plain
subprocess and `separated()` is False, so an evaluator can say so in its checks.
"""
import json
import os
import select
import signal
import socket
import struct
import subprocess
import time

LAUNCHER_ENV = "ADRS_LAUNCHER_FD"
_HEADER = struct.Struct("<Q")
_socket = None
_pending_exits = {}


class CandidateError(Exception):
    """The candidate process misbehaved (closed its pipe, timed out, sent garbage): the candidate's failure."""


def separated():
    """True when candidate commands run in another trust domain (another uid, through the warden)."""
    return LAUNCHER_ENV in os.environ


def _launcher():
    global _socket
    if _socket is None:
        fd = int(os.environ[LAUNCHER_ENV])
        _socket = socket.socket(fileno=fd)
    return _socket


def _next_message(sock):
    data = sock.recv(1 << 16)
    if not data:
        raise RuntimeError("adrs warden closed the launcher socket")
    return json.loads(data)


def _request(message, fds=()):
    sock = _launcher()
    socket.send_fds(sock, [json.dumps(message).encode()], list(fds))
    while True:
        reply = _next_message(sock)
        if "exit" in reply:
            _pending_exits[reply["exit"]] = reply["status"]
            continue
        return reply


def candidate_env(extra=None):
    """The environment a candidate gets: a fixed PATH and locale, nothing of the evaluator's (no ADRS_* at all)."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": os.environ.get("ADRS_WORKSPACE", "/")}
    env.update(extra or {})
    return env


class Candidate:
    """A candidate process with two pipes owned by the evaluator: `send` writes its stdin, `recv` reads its stdout."""

    def __init__(self, argv, cwd=None, env=None, stderr=None):
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        if stderr is None:
            err_fd = os.open(os.devnull, os.O_WRONLY)
        else:
            err_fd = os.dup(stderr if isinstance(stderr, int) else stderr.fileno())
        self._buffer = b""
        self.returncode = None
        try:
            env = candidate_env(env)
            if separated():
                reply = _request({"op": "run", "argv": list(argv), "cwd": cwd or os.getcwd(), "env": env},
                                 [to_child_r, from_child_w, err_fd])
                if not reply.get("ok"):
                    raise RuntimeError(f"adrs warden refused to start {argv[0]}: {reply.get('error')}")
                self.pid = reply["pid"]
                self._proc = None
            else:
                self._proc = subprocess.Popen(list(argv), cwd=cwd, env=env, stdin=to_child_r, stdout=from_child_w,
                                              stderr=err_fd, start_new_session=True, close_fds=True)
                self.pid = self._proc.pid
        finally:
            for fd in (to_child_r, from_child_w, err_fd):
                os.close(fd)

    def send(self, data):
        """Writes bytes to the candidate's stdin; a candidate that closed it raises CandidateError."""
        view = memoryview(data)
        try:
            while view:
                written = os.write(self._to_child, view)
                view = view[written:]
        except (BrokenPipeError, OSError) as error:
            raise CandidateError(f"the candidate stopped reading its input ({error.strerror or error})") from None

    def send_json(self, value):
        body = json.dumps(value).encode()
        self.send(_HEADER.pack(len(body)) + body)

    def recv(self, size, timeout):
        """Reads exactly `size` bytes of the candidate's stdout within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        chunks, have = [self._buffer[:size]], len(self._buffer[:size])
        self._buffer = self._buffer[size:]
        while have < size:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CandidateError(f"the candidate sent no answer within {timeout:g} s")
            ready, _, _ = select.select([self._from_child], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_child, min(size - have, 1 << 20))
            if not chunk:
                raise CandidateError("the candidate closed its output (it exited or crashed) before answering")
            chunks.append(chunk)
            have += len(chunk)
        return b"".join(chunks)

    def recv_json(self, timeout, max_bytes=64 << 20):
        (length,) = _HEADER.unpack(self.recv(_HEADER.size, timeout))
        if length > max_bytes:
            raise CandidateError(f"the candidate announced a {length}-byte answer (at most {max_bytes})")
        try:
            return json.loads(self.recv(length, timeout))
        except ValueError as error:
            raise CandidateError(f"the candidate's answer is not JSON: {error}") from None

    def communicate(self, data, timeout):
        """Writes `data`, closes the candidate's stdin and reads its stdout to the end within `timeout` seconds."""
        try:
            self.send(data)
        except CandidateError:
            pass  # it stopped reading: what it wrote still counts
        os.close(self._to_child)
        self._to_child = -1
        deadline = time.monotonic() + timeout
        chunks = [self._buffer]
        self._buffer = b""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CandidateError(f"the candidate did not finish within {timeout:g} s")
            ready, _, _ = select.select([self._from_child], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)

    def wait(self, timeout=None):
        """The exit status (negative: killed by that signal), or None if still running after `timeout`."""
        if self.returncode is not None:
            return self.returncode
        if self._proc is not None:
            try:
                self.returncode = self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                return None
            return self.returncode
        deadline = None if timeout is None else time.monotonic() + timeout
        sock = _launcher()
        while self.pid not in _pending_exits:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return None
            ready, _, _ = select.select([sock], [], [], left)
            if ready:
                reply = _next_message(sock)
                if "exit" in reply:
                    _pending_exits[reply["exit"]] = reply["status"]
        self.returncode = _pending_exits.pop(self.pid)
        return self.returncode

    def kill(self):
        """Kills the candidate's process group (its own session)."""
        if self.returncode is not None:
            return
        if self._proc is not None:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except OSError:
                pass
        else:
            _request({"op": "kill", "pid": self.pid})

    def close(self, timeout=5.0):
        """Closes the pipes, waits a little, then kills; returns the exit status."""
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        self._to_child = self._from_child = -1
        if self.wait(timeout) is None:
            self.kill()
            self.wait()
        return self.returncode


def start(argv, cwd=None, env=None, stderr=None):
    """Starts `argv` as the candidate (see the module text); `stderr` is a descriptor for its diagnostics."""
    return Candidate(argv, cwd=cwd, env=env, stderr=stderr)
