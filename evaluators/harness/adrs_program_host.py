"""Candidate side of a proxied program: imports the real program and runs the calls the trusted side forwards.

Started by adrs_program_proxy's broker through adrs_candidate, so it runs as the candidate (another uid than
the evaluator, holding only its stdin, stdout and stderr): `python3 -I adrs_program_host.py PROGRAM NAME`.
Messages (adrs_crossing frames) on stdin/stdout:
  out, once:  {"ok": true, "names": {name: {"kind": "function"} | {"kind": "value", "value": tree} |
              {"kind": "other", "type": "..."}}, "stdout": text}  or  {"ok": false, "error": traceback}
  then per call:  in {"fn", "call": tree of (args list, kwargs dict)};  out {"ok": true, "value": tree, "stdout": text} or
              {"ok": false, "raised": type name, "message", "traceback", "stdout"} or
              {"ok": false, "uncrossable": message, "stdout"}
What the program prints goes back as "stdout" (the trusted side prints it, as if the program ran there); the
real descriptor 1 is moved to stderr so that C code printing cannot corrupt the frames. It judges nothing,
except one first-line rule: nothing of the program may keep running between the evaluator's calls (a Python
thread or a child process alive after the import or after a call returns): it could work on the next call
before the evaluator's clock starts. The import or call then fails with a RuntimeError saying so, and this
process exits. This runs in the candidate's own process, so a program can defeat it (C threads, patching this
module); README.md ("Peer evaluators") says what holds then.
"""

import contextlib
import io
import os
import sys
import threading
import traceback

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import adrs_crossing as crossing  # noqa: E402

STDOUT_MAX = 1 << 20


def _tail(limit=4000):
    return traceback.format_exc()[-limit:]


def _left_running():
    """What of the program is still running here: Python threads besides this one, live child processes."""
    found = []
    threads = [t for t in sys._current_frames() if t != threading.get_ident()]
    if threads:
        names = {t.ident: t.name for t in threading.enumerate()}
        found.append(f"{len(threads)} thread(s) ({', '.join(names.get(t, 'unnamed') for t in threads)[:200]})")
    children = []
    try:
        for task in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{task}/children", encoding="ascii") as fh:
                children += fh.read().split()
    except OSError:
        pass
    live = []
    for pid in children:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
                if fh.read().rsplit(")", 1)[-1].split()[0] != "Z":
                    live.append(pid)
        except OSError:
            pass
    if live:
        found.append(f"{len(live)} child process(es) (pid {', '.join(live[:5])})")
    return found


def _refuse_running(out_fd, when, printed):
    """Fails the import or call when something of the program outlives it; True when it did (this process ends)."""
    found = _left_running()
    if not found:
        return False
    message = (f"the program left {' and '.join(found)} running {when}: work between the evaluator's calls is "
               "not allowed (it could prepare the next call before the evaluator's clock starts); join threads, "
               "shut down pools and wait for child processes before returning")
    crossing.send(out_fd, {"ok": False, "raised": "RuntimeError", "message": message, "traceback": "",
                           "error": message, "stdout": printed.getvalue()[-STDOUT_MAX:]})
    return True


def _names(module):
    names = {}
    for name, value in vars(module).items():
        if name.startswith("__") or type(value).__name__ == "module":
            continue
        if callable(value):
            names[name] = {"kind": "function"}
            continue
        try:
            tree, arrays = crossing.encode(value, name)
        except crossing.Uncrossable:
            names[name] = {"kind": "other", "type": crossing.type_name(value)}
            continue
        names[name] = {"kind": "value", "value": tree, "_arrays": arrays}
    return names


def main():
    program, name = sys.argv[1], sys.argv[2]
    out_fd = os.dup(1)
    os.dup2(2, 1)
    reader = crossing.Reader(0)
    sys.path.insert(0, os.path.dirname(os.path.abspath(program)))
    printed = io.StringIO()
    module = None
    try:
        import importlib.util

        spec = importlib.util.spec_from_file_location(name, program)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {program}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        with contextlib.redirect_stdout(printed):
            spec.loader.exec_module(module)
    except BaseException:  # noqa: BLE001 - the program may raise anything while importing, SystemExit included
        crossing.send(out_fd, {"ok": False, "error": _tail(), "stdout": printed.getvalue()[-STDOUT_MAX:]})
        return
    if _refuse_running(out_fd, "after its import", printed):
        os._exit(0)
    names = _names(module)
    arrays = []
    for entry in names.values():
        if entry.get("kind") == "value":
            own = entry.pop("_arrays")
            entry["value"] = _shift(entry["value"], len(arrays))
            arrays.extend(own)
    crossing.send(out_fd, {"ok": True, "names": names, "stdout": printed.getvalue()[-STDOUT_MAX:]}, arrays)
    while True:
        try:
            header, got = reader.recv()
        except (crossing.ChannelClosed, ValueError):
            return
        printed = io.StringIO()
        fn = getattr(module, str(header.get("fn")), None)
        try:
            args, kwargs = crossing.decode(header.get("call"), got)  # pyright: ignore[reportGeneralTypeIssues]
            with contextlib.redirect_stdout(printed):
                value = fn(*args, **kwargs)  # pyright: ignore[reportOptionalCall, reportCallIssue] - checked by the call
        except BaseException as error:  # noqa: BLE001 - the program's exception is the answer
            if _refuse_running(out_fd, f"after {header.get('fn')}() raised", printed):
                os._exit(0)
            crossing.send(out_fd, {"ok": False, "raised": type(error).__name__, "message": str(error)[:4000],
                                   "traceback": _tail(), "stdout": printed.getvalue()[-STDOUT_MAX:]})
            if isinstance(error, (SystemExit, KeyboardInterrupt)):
                return
            continue
        if _refuse_running(out_fd, f"after {header.get('fn')}() returned", printed):
            os._exit(0)
        try:
            tree, arrays = crossing.encode(value, f"the value {header.get('fn')}() returned")
        except crossing.Uncrossable as error:
            crossing.send(out_fd, {"ok": False, "uncrossable": str(error), "stdout": printed.getvalue()[-STDOUT_MAX:]})
            continue
        crossing.send(out_fd, {"ok": True, "value": tree, "stdout": printed.getvalue()[-STDOUT_MAX:]}, arrays)


def _shift(tree, offset):
    """The tree with its array indices moved by `offset` (several values share one message's arrays)."""
    if isinstance(tree, list):
        return [_shift(x, offset) for x in tree]
    if isinstance(tree, dict):
        (tag, body), = tree.items()
        if tag in ("$a", "$n", "$T"):
            return {tag: body + offset}
        if tag in ("$b", "$c"):
            return tree
        return {tag: _shift(body, offset)}
    return tree


if __name__ == "__main__":
    main()
