"""Trusted side of a proxied program: evaluators that import `program_path` never run the candidate's code.

For evaluators written for other systems (OpenEvolve's `evaluate(program_path)`, Shinka's evaluate.py), which
import the program into their own process. `stand_in(program)` writes a file with the same name in a folder
only the evaluator's uid can open, starts a broker thread and returns the file's path, to pass on as
`program_path`. The file holds one line, `# -*- coding: adrs_proxy -*-`, then the program's text unchanged:
reading it as text gives the program's source (for evaluators that check it), while importing it decodes it
through the `adrs_proxy` codec into a stand-in module. The stand-in asks the broker for a process of the
candidate (adrs_program_host.py, started through adrs_candidate: another uid, only its own pipes), which
imports the real program; every top-level function of the program becomes a function here that sends its
arguments over the pipe and returns the answer (adrs_crossing: JSON and numpy arrays, never pickle), and
top-level values that can cross are copied. The evaluator's clock and checks stay in the evaluator.

A Python that has not registered the codec (another interpreter, `python -I`, an environment without our
PYTHONPATH) cannot import the file at all ("unknown encoding: adrs_proxy"): it fails closed, never running
the program in the evaluator's domain. Running the file as a script is refused with one line. A value that
cannot cross (an object, a callback, a generator) fails with a TypeError naming the function and the type.
"""

import builtins
import codecs
import json
import os
import socket
import sys
import tempfile
import threading
import time

import adrs_candidate
import adrs_crossing as crossing

HERE = os.path.dirname(os.path.abspath(__file__))
HOST = os.path.join(HERE, "adrs_program_host.py")
SITE = os.path.join(HERE, "adrs_proxy_site")
COOKIE = b"# -*- coding: adrs_proxy -*-\n"
SOCKET_ENV = "ADRS_PROXY_SOCKET"
IMPORT_TIMEOUT_S = 120
MAX_IDLE = 4
# Exceptions the candidate's process may raise back as themselves; anything else arrives as RuntimeError.
_NEVER = (StopIteration, StopAsyncIteration)
OPT_OUT = ("or declare `evaluator: { trust_domains: false }` in problem.yaml to import the program in the "
           "evaluator's own process (then the candidate can reach the evaluator's result)")

STAND_IN = (
    "# adrs: a stand-in for the candidate's program; its code runs in a process of the candidate's own "
    "(evaluators/harness/adrs_program_proxy.py).\n"
    "import sys as _adrs_sys\n"
    "_adrs_sys.path.insert(0, %r)\n"
    "import adrs_program_proxy as _adrs_proxy\n"
    "_adrs_proxy.install(globals())\n"
    "del _adrs_sys, _adrs_proxy\n"
) % HERE


# ---- the codec that turns the stand-in file into the stand-in module -------------------------------------------


def _decode(data, errors="strict"):
    return STAND_IN, len(data)


class _IncrementalDecoder(codecs.IncrementalDecoder):
    """Gives the stand-in for the first chunk and nothing after it (the file's bytes never become code)."""

    given = False

    def decode(self, input, final=False):  # noqa: A002 - the codecs API's name
        if self.given:
            return ""
        self.given = True
        return STAND_IN

    def reset(self):
        self.given = False


class _StreamReader(codecs.StreamReader):
    """Gives the stand-in once, whatever the chunks asked for (the first read takes the whole file)."""

    _given = False

    def decode(self, input, errors="strict"):  # noqa: A002
        self.stream.read()
        if self._given:
            return "", len(input)
        self._given = True
        return STAND_IN, len(input)


def _search(name):
    if name.replace("-", "_") != "adrs_proxy":
        return None
    utf8 = codecs.lookup("utf-8")
    return codecs.CodecInfo(name="adrs_proxy", encode=utf8.encode, decode=_decode,
                            incrementalencoder=utf8.incrementalencoder,
                            incrementaldecoder=_IncrementalDecoder, streamreader=_StreamReader,
                            streamwriter=utf8.streamwriter)


def register():
    """Makes this Python decode stand-in files (the shim calls it; adrs_proxy_site/sitecustomize.py in children)."""
    try:
        codecs.lookup("adrs_proxy")
    except LookupError:
        codecs.register(_search)


def original_source(path):
    """The program's bytes from a stand-in file (or any file), without the codec line."""
    with open(path, "rb") as f:
        data = f.read()
    return data[len(COOKIE):] if data.startswith(COOKIE) else data


# ---- the broker: starts candidate processes for stand-ins in this process and its children --------------------


class Broker:
    """Listens on a socket in a folder only this uid can open; each request gets a fresh candidate process."""

    def __init__(self, program, workspace, folder):
        self.program = program
        self.workspace = workspace
        self.path = os.path.join(folder, "broker.sock")
        if len(self.path.encode()) > 100:
            raise RuntimeError(f"adrs proxy: the socket path {self.path} is too long; set TMPDIR to a shorter folder")
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._server.bind(self.path)
        self._server.listen(16)
        self._children = {}
        self._stopping = False
        self._thread = threading.Thread(target=self._serve, name="adrs-proxy-broker", daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stopping:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            with conn:
                try:
                    self._answer(conn)
                except OSError:
                    pass

    def _answer(self, conn):
        data, fds, _, _ = socket.recv_fds(conn, 1 << 16, 1)
        try:
            request = json.loads(data or b"{}")
            if request.get("op") == "kill":
                child = self._children.get(request.get("id"))
                if child is not None:
                    child.kill()
                conn.send(b'{"ok": true}')
                return
            name = str(request.get("name") or "program")
            child = adrs_candidate.start([sys.executable, "-I", HOST, self.program, name], cwd=self.workspace,
                                         env={"PYTHONDONTWRITEBYTECODE": "1"}, stderr=fds[0] if fds else 2)
        except (ValueError, RuntimeError, OSError) as error:
            conn.send(json.dumps({"ok": False, "error": str(error)}).encode())
            return
        finally:
            for fd in fds:
                os.close(fd)
        self._children[child.pid] = child
        try:
            socket.send_fds(conn, [json.dumps({"ok": True, "id": child.pid}).encode()],
                            [child._to_child, child._from_child])
        finally:
            # The stand-in holds the only copies now: its closing them is the candidate's end of input.
            for attr in ("_to_child", "_from_child"):
                os.close(getattr(child, attr))
                setattr(child, attr, -1)

    def stop(self):
        self._stopping = True
        try:
            self._server.close()
        except OSError:
            pass
        for child in list(self._children.values()):
            try:
                child.kill()
            except (OSError, RuntimeError):
                pass


def stand_in(program, workspace=None):
    """Starts the broker and writes the stand-in for `program`; returns (stand-in path, broker).

    Sets ADRS_PROXY_SOCKET and puts adrs_proxy_site on PYTHONPATH in os.environ, so that the evaluator's own
    Python children (an evaluator that imports the program in a subprocess) decode the stand-in too.
    """
    register()
    folder = tempfile.mkdtemp(prefix="adrs-proxy-")
    os.chmod(folder, 0o700)
    broker = Broker(os.path.abspath(program), workspace or os.path.dirname(os.path.abspath(program)), folder)
    os.environ[SOCKET_ENV] = broker.path
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in [SITE, HERE, os.environ.get("PYTHONPATH", "")] if p)
    with open(program, "rb") as f:
        text = f.read()
    text = text[3:] if text.startswith(codecs.BOM_UTF8) else text
    path = os.path.join(folder, os.path.basename(program))
    with open(path, "wb") as f:
        f.write(COOKIE + text)
    return path, broker


# ---- the stand-in module's runtime ----------------------------------------------------------------------------


class _Channel:
    def __init__(self, ident, to_host, from_host):
        self.id = ident
        self.to_host = to_host
        self.reader = crossing.Reader(from_host)

    def close(self):
        for fd in (self.to_host, self.reader.fd):
            try:
                os.close(fd)
            except OSError:
                pass


def _ask_broker(message, fds=()):
    path = os.environ.get(SOCKET_ENV)
    if not path:
        raise RuntimeError("adrs proxy: no broker (ADRS_PROXY_SOCKET is not set): import the stand-in only from "
                           "the evaluator that adrs started")
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as conn:
        conn.connect(path)
        socket.send_fds(conn, [json.dumps(message).encode()], list(fds))
        data, got, _, _ = socket.recv_fds(conn, 1 << 16, 2)
    reply = json.loads(data or b"{}")
    if not reply.get("ok"):
        for fd in got:
            os.close(fd)
        raise RuntimeError(f"adrs proxy: could not start the program's process: {reply.get('error')}")
    return reply, got


class _Pool:
    """The candidate processes of one imported stand-in; a call takes an idle one or opens a new one."""

    def __init__(self, name, label):
        self.name = name
        self.label = label
        self.lock = threading.Lock()
        self.idle = []
        self.pid = os.getpid()
        self.names = None

    def open(self):
        reply, fds = _ask_broker({"op": "open", "name": self.name}, [sys.stderr.fileno()])
        channel = _Channel(reply["id"], fds[0], fds[1])
        try:
            header, arrays = channel.reader.recv(timeout=IMPORT_TIMEOUT_S)
        except (crossing.ChannelClosed, crossing.ChannelTimeout, ValueError) as error:
            channel.close()
            raise ImportError(f"{self.label}: the program's process gave no answer while importing it ({error})") from None
        _print(header)
        if not header.get("ok"):
            channel.close()
            raise ImportError(f"importing {self.label} failed in the candidate's process:\n{header.get('error')}")
        if self.names is None:
            self.names = (header.get("names") or {}, arrays)
        return channel

    def take(self):
        with self.lock:
            if self.pid != os.getpid():  # a forked child: the parent's channels are not ours to use
                self.idle, self.pid = [], os.getpid()
            if self.idle:
                return self.idle.pop()
        return self.open()

    def give(self, channel):
        with self.lock:
            if len(self.idle) < MAX_IDLE and self.pid == os.getpid():
                self.idle.append(channel)
                return
        channel.close()

    def kill(self, channel):
        channel.close()
        try:
            _ask_broker({"op": "kill", "id": channel.id})
        except (OSError, RuntimeError, ValueError):
            pass

    def __del__(self):
        for channel in self.idle:
            channel.close()


def _print(header):
    text = header.get("stdout")
    if isinstance(text, str) and text:
        sys.stdout.write(text)


def _call_timeout():
    try:
        return float(os.environ["ADRS_TIMEOUT_S"])
    except (KeyError, ValueError):
        return None


def _raised(fn, header):
    name = header.get("raised")
    message = str(header.get("message", ""))
    kind = getattr(builtins, name, None) if isinstance(name, str) else None
    if not (isinstance(kind, type) and issubclass(kind, Exception)) or issubclass(kind, _NEVER):
        kind, message = RuntimeError, f"{fn}() raised {name}: {message}"
    try:
        error = kind(message)
    except Exception:  # noqa: BLE001 - a builtin whose constructor wants other arguments
        error = RuntimeError(f"{fn}() raised {name}: {message}")
    error.add_note(f"(raised in the candidate's process)\n{header.get('traceback', '')}")
    return error


def _forwarder(pool, fn):
    def forward(*args, **kwargs):
        try:
            tree, arrays = crossing.encode((list(args), kwargs), f"the arguments of {fn}()")
        except crossing.Uncrossable as error:
            raise TypeError(f"{pool.label}: {fn}() is called across the trust-domain boundary and {error}; "
                            f"pass plain values, {OPT_OUT}") from None
        channel = pool.take()
        try:
            crossing.send(channel.to_host, {"fn": fn, "call": tree}, arrays)
            header, got = channel.reader.recv(timeout=_call_timeout())
        except crossing.ChannelTimeout:
            pool.kill(channel)
            raise TimeoutError(f"{fn}() gave no answer within {_call_timeout():g} s") from None
        except (crossing.ChannelClosed, BrokenPipeError):
            pool.kill(channel)
            raise RuntimeError(f"the program's process ended while running {fn}() (it exited or crashed)") from None
        except (ValueError, OSError) as error:
            pool.kill(channel)
            raise RuntimeError(f"{fn}() sent an unreadable answer: {error}") from None
        _print(header)
        if header.get("ok"):
            try:
                value = crossing.decode(header.get("value"), got)
            except (ValueError, TypeError, IndexError, KeyError) as error:
                pool.kill(channel)
                raise RuntimeError(f"{fn}() sent an unreadable answer: {error}") from None
            pool.give(channel)
            return value
        if "uncrossable" in header:
            pool.give(channel)
            raise TypeError(f"{pool.label}: {header['uncrossable']}; return plain values, {OPT_OUT}")
        if header.get("raised") in ("SystemExit", "KeyboardInterrupt"):
            pool.kill(channel)
        else:
            pool.give(channel)
        raise _raised(fn, header)

    forward.__name__ = forward.__qualname__ = fn
    forward.__doc__ = f"{fn} of the candidate's program, run in the candidate's process."
    return forward


class _Uncrossable:
    """A top-level name of the program whose value cannot cross: any use says so."""

    def __init__(self, label, name, kind):
        self._message = (f"{label}: {name} is a {kind}, which cannot cross the trust-domain boundary; "
                         f"use functions and plain values, {OPT_OUT}")

    def __getattr__(self, attr):
        raise TypeError(self.__dict__.get("_message", "uncrossable"))

    def __call__(self, *args, **kwargs):
        raise TypeError(self._message)

    def __repr__(self):
        return f"<adrs: {self._message}>"


def install(g):
    """Fills the stand-in module's globals from a process of the candidate that imported the real program."""
    name = g.get("__name__") or "program"
    label = os.path.basename(str(g.get("__file__") or name))
    if name == "__main__":
        raise SystemExit(f"adrs: {label} cannot run as a script in the evaluator's domain (python {label}); "
                         f"import it and call its functions, {OPT_OUT}")
    pool = _Pool(name, label)
    started = time.monotonic()
    pool.give(pool.open())
    names, arrays = pool.names or ({}, [])
    for key, entry in names.items():
        kind = entry.get("kind") if isinstance(entry, dict) else None
        if kind == "function":
            g[key] = _forwarder(pool, key)
        elif kind == "value":
            try:
                g[key] = crossing.decode(entry.get("value"), arrays)
            except (ValueError, TypeError, IndexError, KeyError):
                g[key] = _Uncrossable(label, key, "value sent unreadably")
        else:
            g[key] = _Uncrossable(label, key, str(entry.get("type") if isinstance(entry, dict) else "thing"))
    g["__adrs_proxy__"] = {"import_s": time.monotonic() - started}
