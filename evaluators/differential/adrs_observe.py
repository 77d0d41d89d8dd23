"""Runs a SWE-fficiency-style workload script once and records what it observes, for a base-vs-patched comparison.

The script runs unchanged except that timeit.repeat / timeit.timeit (however imported) run `setup` and then the
timed statement once (or `passes` times) in this process, returning the measured time for every repeat asked for.
Recorded, per timed call: the statement's return value (the return of workload()), the final values of the
globals that setup() and the statement assigned (found by identity before/after, plus `global` declarations), and
the locals of the script's own top-level functions at their return (workload() keeping its results in locals):
the script's functions get a try/finally that hands locals() over, so nothing is traced while it runs.
For the whole script: what it printed, minus timing lines ("Mean:", "Std Dev:", ... and the configured patterns).
With --targets, the changed functions are captured first (adrs_capture) and their calls recorded too; --expect
(the base run's call table) or --want (argument hashes) say which calls to keep in full.
random (and numpy.random, when loaded) are seeded alike on both sides (--seed); PYTHONHASHSEED is set by the caller.

    python3 adrs_observe.py --tree DIR --workload FILE --out FILE [--targets FILE] [--expect FILE] [--want FILE]
                            [--max-calls N] [--max-bytes N] [--passes N] [--timing-lines REGEX] [--seed N]
                            [--replay-calls FILE --replay-out FILE]
With --replay-calls, the base's recorded calls are also replayed on this tree, in a child forked before the capture
or the workload (see fork_replay): as adrs_replay would in a fresh process, with one import of the library less.
The output file is a pickle of plain data (dicts, lists, strings and blobs, see adrs_capture).
"""

import ast
import contextlib
import io
import json
import os
import pickle
import random
import re
import sys
import time
import timeit
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from adrs_capture import PROTOCOL, Recorder, dump_blob  # noqa: E402

TIMING = r"^\s*(Mean|Std ?Dev|Stdev|Median|Min|Max|Runtimes?)\s*[:=]"
_SKIP_TYPES = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type)


def with_locals_hook(tree):
    """The script's AST with every top-level function's body in try/finally: __adrs_locals__(name, locals())."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            call = ast.Expr(ast.Call(ast.Name("__adrs_locals__", ast.Load()),
                                     [ast.Constant(node.name), ast.Call(ast.Name("locals", ast.Load()), [], [])], []))
            body = node.body
            node.body = [ast.copy_location(ast.Try(body, [], [], [ast.copy_location(call, body[-1])]), body[0])]
    return ast.fix_missing_locations(tree)


def declared_globals(source):
    """Names that the script's functions declare `global`."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Global):
            names.update(node.names)
    return names


class Observer:
    def __init__(self, passes, per_value, declared):
        self.passes = max(1, passes)
        self.per_value = per_value
        self.declared = declared
        self.runs = []
        self.module_globals: dict = {}
        self.timed = False
        self.locals = {}  # {function name: its locals at its last return}, while the statement runs

    def hand_locals(self, name, values):
        if self.timed:
            self.locals[name] = values

    def _run_part(self, part, g):
        if callable(part):
            return part()
        if isinstance(part, str) and part.strip() and part.strip() != "pass":
            try:
                return eval(compile(part, "<timeit>", "eval"), g)  # noqa: S307 - the workload's own statement
            except SyntaxError:
                exec(compile(part, "<timeit>", "exec"), g)  # noqa: S102
        return None

    def repeat(self, stmt="pass", setup="pass", timer=timeit.default_timer, repeat=5, number=1000000, globals=None):
        g = globals if globals is not None else self.module_globals
        before = {k: id(v) for k, v in g.items()}
        ret: tuple = ("value", None)
        elapsed = 0.0
        for _ in range(self.passes):
            self._run_part(setup, g)
            self.locals, self.timed = {}, True
            t0 = time.perf_counter()
            try:
                ret = ("value", self._run_part(stmt, g))
            except Exception as e:  # noqa: BLE001 - an exception is an observation too
                ret = ("raise", type(e).__name__, str(e)[:300])
            finally:
                self.timed = False
            elapsed = time.perf_counter() - t0
        assigned = {k for k, v in g.items() if before.get(k) != id(v)} | (self.declared & set(g))
        values: dict = {}
        for k in sorted(assigned):
            v = g[k]
            if k.startswith("__") or isinstance(v, _SKIP_TYPES):
                continue
            values[k] = dump_blob(v, self.per_value)
        local_values: dict = {}
        for fname, names in sorted(self.locals.items()):
            local_values[fname] = {k: dump_blob(v, self.per_value) for k, v in sorted(names.items())
                                   if not isinstance(v, _SKIP_TYPES)}
        run: dict = {"globals": values, "locals": local_values}
        run["return"] = dump_blob(ret[1], self.per_value) if ret[0] == "value" else ret
        self.runs.append(run)
        if ret[0] == "raise":
            raise RuntimeError("the workload raised %s: %s" % (ret[1], ret[2]))
        return [max(elapsed, 1e-9)] * int(repeat)

    def timeit(self, stmt="pass", setup="pass", timer=timeit.default_timer, number=1000000, globals=None):
        return self.repeat(stmt, setup, timer, 1, number, globals)[0]


def fork_replay(calls, out, max_bytes):
    """Forks the replay of the base's recorded calls (adrs_replay) once the changed functions' modules are imported,
    before any capture is installed or any of the workload runs: the child is what a fresh process that imported
    those modules would be, without a second import of the library. Returns the child's pid."""
    import importlib

    from adrs_replay import load_calls, replay_all

    data = load_calls(calls)
    for t in data["targets"].values():
        try:
            importlib.import_module(t["module"])
        except Exception:  # noqa: BLE001 - the replay notes it as "not found on this tree"
            pass
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        _die_with_parent()
        replay_all(data, max(1024, max_bytes // 4), out)
        code = 0
    except BaseException:  # noqa: BLE001 - reported through stderr and the exit status
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _die_with_parent():
    """The replay child ends when the observing process does (a timeout kills that one, not its children)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - not Linux: the child then runs to its end
        pass
    if os.getppid() == 1:
        os._exit(1)


def main(argv):
    opts = {"--max-calls": "200", "--max-bytes": "1000000", "--passes": "1", "--timing-lines": "", "--seed": "0"}
    i = 0
    while i < len(argv):
        opts[argv[i]] = argv[i + 1]
        i += 2
    tree = os.path.abspath(opts["--tree"])
    with open(opts["--workload"], encoding="utf-8") as f:
        source = f.read()
    targets = []
    if opts.get("--targets"):
        with open(opts["--targets"]) as f:
            targets = json.load(f)
    expect = want = None
    if opts.get("--expect"):
        with open(opts["--expect"]) as f:
            expect = {k: {ah: set(o) for ah, o in v.items()} for k, v in json.load(f).items()}
    if opts.get("--want"):
        with open(opts["--want"]) as f:
            want = {k: set(v) for k, v in json.load(f).items()}
    seed = int(opts["--seed"])
    for t in targets:
        t["root"] = os.path.normpath(os.path.join(tree, t["root"]))
    for root in [tree] + sorted({t["root"] for t in targets}, reverse=True):
        if root not in sys.path:
            sys.path.insert(0, root)
    os.chdir(tree)
    max_bytes = int(float(opts["--max-bytes"]))
    replay = fork_replay(opts["--replay-calls"], opts["--replay-out"], max_bytes) if opts.get("--replay-calls") else None
    recorder = Recorder(int(opts["--max-calls"]), max_bytes, expect, want, seed)
    wrapped = recorder.install(targets) if targets else []
    if wrapped:  # each captured call runs two frames more (the wrapper, the recorder): recursion keeps its depth
        sys.setrecursionlimit(sys.getrecursionlimit() * 3)
    observer = Observer(int(opts["--passes"]), max(1024, max_bytes // 4), declared_globals(source))
    g = {"__name__": "__main__", "__file__": os.path.abspath(opts["--workload"]), "__builtins__": __builtins__,
         "__adrs_locals__": observer.hand_locals}
    observer.module_globals = g
    timeit.repeat, timeit.timeit = observer.repeat, observer.timeit
    random.seed(12345 + seed)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(12345 + seed)
    out, error = io.StringIO(), None
    sys.argv = [opts["--workload"]]
    try:
        with contextlib.redirect_stdout(out):
            code = compile(with_locals_hook(ast.parse(source, opts["--workload"])), opts["--workload"], "exec")
            exec(code, g)  # noqa: S102 - the workload under observation
    except BaseException as e:  # noqa: BLE001 - reported, and compared with the other side
        error = "%s: %s" % (type(e).__name__, str(e)[:300])
    pattern = re.compile(TIMING + ("|" + opts["--timing-lines"] if opts["--timing-lines"] else ""))
    lines = [ln for ln in out.getvalue().splitlines() if not pattern.search(ln)]
    result = {"runs": observer.runs, "stdout": lines, "error": error, "wrapped": wrapped,
              "records": recorder.records(), "counts": recorder.counts, "notes": recorder.notes,
              "calls": recorder.summary()}
    with open(opts["--out"], "wb") as f:
        pickle.dump(result, f, protocol=PROTOCOL)
    if replay is not None:
        _, status = os.waitpid(replay, 0)
        if status != 0:
            sys.exit("adrs_observe: the replay (forked) failed: wait status %d (its traceback is above)" % status)


if __name__ == "__main__":
    main(sys.argv[1:])
