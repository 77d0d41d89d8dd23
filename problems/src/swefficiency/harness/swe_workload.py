"""Runs a SWE-fficiency workload script as the official harness times it: every timed repeat in a fresh forked process.

The official harness (swefficiency/harness/run_to_run_isolation.py, run with start method "fork"; facts in
shared/research/swefficiency.md) rewrites a workload that follows the template -- a top-level
`runtimes = timeit.repeat(workload, number=N, repeat=R, setup=setup)`, then prints of "Mean:" and "Std Dev:" --
and this module follows it point by point (plan_official):
  - the top-level code runs in the parent, without the `runtimes = ...` line, the Mean/Std prints, the lines
    between those two (run after the prints; teardown ones -- os.remove, shutil.rmtree, unlink -- in a
    `finally`) and the first bare top-level `workload()` call (the pre-warm);
  - the pre-warm, if there was one, runs next in the parent as `setup(); workload()`; the children are forked
    after it, so they inherit what it warmed (as the official fork children do);
  - then R children, one per repeat, each forked from the parent, run `setup` once and time `number` calls of
    `workload` with timeit.Timer (perf_counter, garbage collector off); nothing a child caches reaches the next;
  - N and R are the literal values of the `number=` and `repeat=` keywords, else 1 and 5 (the official
    defaults; a name or an expression there counts as absent); `setup` only when it names a top-level function;
  - "Mean:" and "Std Dev:" are printed over the last `runtimes[...]` slice the script writes (all runtimes
    when it writes none), with statistics.mean / statistics.stdev (0.0 for one value).
A script outside the template (no top-level `X = timeit.repeat(NAME, ...)`) would stop the official harness; here
each timeit.repeat call it makes forks one child per repeat instead, and the script's own prints stand.
The four instances the official harness exempts from isolation (ISOLATION_EXEMPT) run unchanged (--no-isolation).

With --jobs FILE, helper scripts (the differential checks' observe, replay and compare) run first, each in a child
forked from this interpreter before the workload is loaded: no interpreter start of their own, and none of the
workload's state in them. They run untimed, before any timed repeat; see run_jobs.

With --control (how swe_eval.py runs it, in the candidate's trust domain) the evaluator's clock is the measurement:
stdin and stdout become a control channel (length-prefixed JSON; the workload's own prints go to stderr). Each timed
repeat runs timeit's loop (for callables written out here, _Loop, with functions bound before the repository is
imported) with a timer that, where timeit reads its start time (after setup), says {"ev": "ready"} and waits for
the evaluator's {"go": ..., "seed"}, and where timeit reads its end time says {"ev": "worked", "t0", "t1": its own
clock readings}, waits for {"hash": true, "pick"} and says {"ev": "done", "results": a digest of what the calls
produced (Results), or null without --digest-lib}. The evaluator times from go to worked, and the hashing from its
pick to done (charged where it exceeds base_commit's, swe_clock.py); the child's readings are only a cross-check,
the digest is compared with base_commit's. After the last repeat: {"ev": "end"}. Under --control the timed function is instrumented (observe):
its expression statements' values and its locals at return go through a hook that records them only between go
and done. --digest-lib DIR names the differential checks' folder (its adrs_capture hashes the values).

With ADRS_SWE_PROGRESS=1 a line per phase and per timed repeat (at most one a second after the first) goes to
$ADRS_SWE_PROGRESS_FD, else stderr ("adrs-progress: workload: ...").

Usage:
  swe_workload.py WORKLOAD.py [--no-isolation] [--times-out FILE] [--jobs FILE] [--control [--digest-lib DIR]]
                                                                     run it (stdout: the workload's own output)
  swe_workload.py --jobs FILE --jobs-only                            only the jobs (the differential probe/judge)
  swe_workload.py --rewrite-only WORKLOAD.py                         print the rewritten source (outside the template)
  swe_workload.py --plan WORKLOAD.py                                 print the official plan as JSON
  swe_workload.py --check-jsonl FILE                                 plan or rewrite every {"workload": ...} line
Stdlib only; Python 3.8+.
"""
import _random
import ast
import dis
import gc
import hashlib
import itertools
import json
import os
import sys
import struct
import time
import timeit

RUNNER = "__adrs_isolated_repeat"
_HEADER = struct.Struct("<Q")
_TIMES = []
_COUNTED = []  # the values Mean/Std were taken over (the official plan's runtimes slice)

# Instances the official harness times without run-to-run isolation (constants.py ISOLATION_CHECK_EXCEPTIONS as of
# swefficiency/swefficiency fa356b7: loky-based, or too much memory to fork per repeat).
ISOLATION_EXEMPT = frozenset({
    "scikit-learn__scikit-learn-29330",
    "pydata__xarray-9808",
    "scikit-learn__scikit-learn-15615",
    "scikit-learn__scikit-learn-24856",
})


def isolated_for(instance_id):
    """Whether the official harness times this instance with one process per repeat."""
    return instance_id not in ISOLATION_EXEMPT


def progress(text):
    """One progress line (ADRS_SWE_PROGRESS=1): on the descriptor swe_eval.py handed over (ADRS_SWE_PROGRESS_FD,
    its own stderr, so the line is not captured with the workload's output), else on stderr."""
    if os.environ.get("ADRS_SWE_PROGRESS") != "1":
        return
    line = ("adrs-progress: workload: %s\n" % text).encode()
    try:
        os.write(int(os.environ.get("ADRS_SWE_PROGRESS_FD", "2")), line)
    except (OSError, ValueError):
        pass


class Control:
    """The control channel to the evaluator (--control): descriptors taken from stdin/stdout at start."""

    def __init__(self):
        self.rfd, self.wfd = os.dup(0), os.dup(1)
        os.set_inheritable(self.rfd, True)
        os.set_inheritable(self.wfd, True)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        os.dup2(2, 1)  # the workload's own prints: stderr, never the control channel

    def send(self, value):
        body = json.dumps(value).encode()
        data = _HEADER.pack(len(body)) + body
        while data:
            data = data[os.write(self.wfd, data):]

    def recv(self):
        def exact(n):
            out = b""
            while len(out) < n:
                chunk = os.read(self.rfd, n - len(out))
                if not chunk:
                    raise RuntimeError("the evaluator closed the control channel")
                out += chunk
            return out

        (n,) = _HEADER.unpack(exact(_HEADER.size))
        return json.loads(exact(n))

    def timer(self, k, repeat, number, stmt, call):
        """A timer whose first reading waits for the evaluator's go (with the seed of the reservoir, see Results) and
        starts recording what the calls produce, and whose second one says "worked" (the evaluator's clock stops
        there), then waits for the evaluator's pick of the kept values to hash and says "done" with their digest.
        The hashing is outside the timed interval; the evaluator times it too (from its pick to done) and charges the
        part above base_commit's (swe_clock.hashing_charges): work deferred into a lazy result that only the hashing
        evaluates is still paid for."""
        global _RECORD
        state = {}
        clock = time.perf_counter  # bound now: a patch replacing time.perf_counter later changes only "self"

        def read():
            global _RECORD
            if "t0" not in state:
                self.send({"ev": "ready", "k": k, "of": repeat, "number": number})
                go = self.recv()
                if go.get("go") is not True:
                    raise RuntimeError("the evaluator did not say go")
                seed = go.get("seed") if isinstance(go.get("seed"), int) else 0
                _RECORD = Results(_DIGEST_LIB, stmt, call, seed) if _DIGEST_LIB is not None else None
                state["t0"] = clock()
                return state["t0"]
            record, _RECORD = _RECORD, None
            t1 = clock()
            self.send({"ev": "worked", "k": k, "t0": state["t0"], "t1": t1})
            ask = self.recv()
            if ask.get("hash") is not True:
                raise RuntimeError("the evaluator did not ask for the digest")
            pick = ask.get("pick") if isinstance(ask.get("pick"), int) else 0
            self.send({"ev": "done", "k": k, "results": record.finish(pick) if record is not None else None})
            return t1

        _RECORD = None
        return read


CONTROL = None  # a Control under --control


# ---------------------------------------------------------------- what the timed calls produced

SEEN = "__adrs_seen__"
_DIGEST_LIB = None  # evaluators/differential/adrs_capture under --control --digest-lib DIR: its canonical hashing
_RECORD = None  # the Results of the timed loop running now in this process, or None
_CALLS = [0]  # timeit.repeat calls run so far: the key that pairs a repeat with base_commit's same call


def __adrs_seen__(value, site=0):
    """What the instrumented workload function hands over (see _Observe): recorded only inside a timed loop."""
    record = _RECORD
    if record is not None:
        record.add(value, site)
    return value


_SITE_RETURN, _SITE_LOCALS = -1, -2
# The reservoir's draws: the C generator, whose methods a patch cannot replace (random.Random's Python ones it can).
_Random = _random.Random


# Values kept per place (by reference, until the repeat's digest is sent): all of a place's values up to this many, a
# reservoir of this many beyond. HASHED of them are hashed, picked after "worked".
RETAINED, HASHED = 16, 2


class Results:
    """A digest of what one timed repeat's calls produced: the workload's return values, the values of its
    expression statements (`word_counts(text)`, whose result the script drops) and its locals at return, and the
    globals the workload function assigns or deletes (`global result; result = ...`), as they are when the loop
    ends; with how many values each place produced.

    Of the values one place produces in a repeat (a statement in a loop, the return value over `number` calls), up
    to RETAINED are kept by reference while the loop runs: all of them for a place that produces no more, else a
    uniform reservoir drawn with the seed the evaluator sends with go (the same in base and patch). HASHED of the
    kept ones are hashed when the loop is over, picked by the seed the evaluator sends only after the repeat said
    "worked": while the calls run, nothing in this process tells which values will be compared, so a patch that
    does the real work only for "the hashed call" (reading this object) does not know which that is. At a place
    with more than RETAINED values a patch that reads the reservoir's seed learns which RETAINED of them are kept
    and could skip the rest (a KNOWN HOLE, bounded: it saves at most that share of the calls). A place that produces
    one value (most: `number` is 1 in 439 of the dataset's 447 template workloads) always has it hashed. Hashing
    every value cost more than the workload where results are heavy (xarray-7735: 20 indexes over 7,300 cftime
    dates), and keeping every value alive would hold a loop's worth of results in memory.

    Each picked value is hashed on its own, with adrs_capture.digest (the differential checks' canonical hashing):
    on its own, because one pickle of them all would also record which values share an object, and a faster patch
    may share where base_commit copied (xarray-7735's indexes). A part that cannot be hashed stands as its type name
    ("not compared"; its type is listed in `missed`). Globals the workload only reads are not hashed: an input is
    often large (a data frame), and pickling it in every repeat would weigh on the times; a change made to one in
    place is not compared."""

    def __init__(self, lib, stmt, call, seed):
        self.lib, self.stmt, self.call, self.seed = lib, stmt, call, seed
        self.counts, self.kept, self.missed, self.draws = {}, {}, set(), {}

    def _one(self, value):
        try:
            return self.lib.digest(value, self.missed)
        except Exception as e:  # noqa: BLE001 - hashing that raises: the error stands (base_commit's would not)
            self.missed.add(type(value).__qualname__)
            return "error:%s:%s" % (type(value).__qualname__, type(e).__name__)

    def add(self, value, site):
        i = self.counts.get(site, 0)
        self.counts[site] = i + 1
        if i < RETAINED:
            self.kept.setdefault(site, []).append((i, value))
            return
        draw = self.draws.get(site)
        if draw is None:
            draw = self.draws[site] = _Random(self.seed * 1000003 + site + 3).random
        j = int(draw() * (i + 1))  # value i takes a slot with probability RETAINED/(i+1)
        if j < RETAINED:
            self.kept[site][j] = (i, value)

    def finish(self, pick):
        h = hashlib.blake2b(digest_size=12)
        for site in sorted(self.kept):
            slots = self.kept[site]
            draw = _Random(pick * 1000003 + site + 7).random
            order = list(range(len(slots)))
            for m in range(min(HASHED, len(order))):  # a partial Fisher-Yates shuffle: HASHED distinct slots
                j = m + int(draw() * (len(order) - m))
                order[m], order[j] = order[j], order[m]
            for i, value in sorted((slots[m] for m in order[:HASHED]), key=lambda t: t[0]):
                h.update(("%d.%d/%d=%s\0" % (site, i, self.counts[site], self._one(value))).encode())
        g = getattr(self.stmt, "__globals__", None)
        code = getattr(self.stmt, "__code__", None)
        for name in _assigned(code) if isinstance(g, dict) and code is not None else ():
            h.update(("%s=%s\0" % (name, self._one(g.get(name, "<unset>")))).encode())
        hashed = sum(min(HASHED, len(v)) for v in self.kept.values())
        self.kept = None
        return {"call": self.call, "values": sum(self.counts.values()), "hashed": hashed, "places": len(self.counts),
                "calls": h.hexdigest(), "missed": sorted(self.missed)[:20]}


_ASSIGNED = {}


def _assigned(code):
    """The global names a code object (and the code nested in it) assigns or deletes, sorted."""
    if code not in _ASSIGNED:
        out, todo = set(), [code]
        while todo:
            c = todo.pop()
            out |= {i.argval for i in dis.get_instructions(c) if i.opname in ("STORE_GLOBAL", "DELETE_GLOBAL")}
            todo += [k for k in c.co_consts if hasattr(k, "co_code")]
        _ASSIGNED[code] = sorted(out)
    return _ASSIGNED[code]


class _Observe(ast.NodeTransformer):
    """Inside the workload function: every expression statement's value goes through __adrs_seen__ (a dropped result,
    `word_counts(text)`, is what a patch could skip while timed). Nested functions and classes are left as they are."""

    def visit_FunctionDef(self, node):
        return node

    visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = visit_FunctionDef

    def __init__(self):
        self.sites = 0

    def visit_Expr(self, node):
        if isinstance(node.value, (ast.Constant, ast.Yield, ast.YieldFrom, ast.Await)):
            return node
        node.value = ast.Call(func=ast.Name(id=SEEN, ctx=ast.Load()), args=[node.value, ast.Constant(self.sites)],
                              keywords=[])
        self.sites += 1
        return node


def observe(tree, names):
    """Instruments the functions of `tree` named in `names` (the timed ones) in place: expression statements through
    __adrs_seen__, and the locals at return (try/finally) unless it is a generator. Outside a timed loop the hook
    passes values through untouched; inside, it costs one call per statement plus the hashing."""
    for node in ast.walk(tree):
        if not (isinstance(node, ast.FunctionDef) and node.name in names):
            continue
        visitor = _Observe()
        body = [visitor.visit(stmt) for stmt in node.body]
        generator = any(isinstance(n, (ast.Yield, ast.YieldFrom)) for s in body for n in ast.walk(s))
        if not generator:
            keep = ast.Expr(value=ast.Call(func=ast.Name(id=SEEN, ctx=ast.Load()),
                                           args=[ast.Call(func=ast.Name(id="locals", ctx=ast.Load()), args=[],
                                                          keywords=[]), ast.Constant(_SITE_LOCALS)], keywords=[]))
            body = [ast.Try(body=body, handlers=[], orelse=[], finalbody=[keep])]
        node.body = body
    return ast.fix_missing_locations(tree)


def timed_names(tree):
    """The names of the functions a workload times: the first argument of its timeit.repeat calls."""
    out = set()
    for node in ast.walk(tree):
        if _is_repeat_call(node) and node.args and isinstance(node.args[0], ast.Name):
            out.add(node.args[0].id)
        if _is_repeat_call(node):
            out |= {kw.value.id for kw in node.keywords if kw.arg == "stmt" and isinstance(kw.value, ast.Name)}
    return out


def _observed(stmt):
    """The timed callable with its return value recorded (the loop itself stays timeit's)."""
    if not callable(stmt):
        return stmt

    def __adrs_timed_call():
        return __adrs_seen__(stmt(), _SITE_RETURN)

    return __adrs_timed_call


def load_digest_lib(folder):
    """adrs_capture from the differential checks' folder, imported before any of the repository's code runs; None
    (the timed results are then not compared) when it is not there."""
    saved = list(sys.path)
    sys.path.insert(0, folder)
    try:
        import adrs_capture

        return adrs_capture
    except Exception as e:  # noqa: BLE001 - said on stderr; the evaluator then reports "not compared"
        sys.stderr.write("swe_workload: no digest of the timed results (%s)\n" % e)
        return None
    finally:
        sys.path[:] = saved


def _next_call():
    _CALLS[0] += 1
    return _CALLS[0]


# Bound when this module loads, before any of the repository's code runs (see _Loop).
_GC_ISENABLED, _GC_DISABLE, _GC_ENABLE, _REPEAT = gc.isenabled, gc.disable, gc.enable, itertools.repeat


class _Loop:
    """timeit.Timer(stmt, setup, timer).timeit(number) for a callable stmt and setup, written out with functions
    bound before the repository was imported: the same steps (collector off, setup, a timer reading, `number` calls,
    a timer reading), but a patch that replaces timeit.Timer.timeit, timeit's template or gc.disable cannot slip an
    untimed run of setup and workload in before the timed loop (a memo filled there answers the timed calls)."""

    def __init__(self, stmt, setup, timer):
        self.stmt, self.setup, self.timer = stmt, setup, timer

    def timeit(self, number):
        stmt, timer, it = self.stmt, self.timer, _REPEAT(None, number)
        gcold = _GC_ISENABLED()
        _GC_DISABLE()
        try:
            self.setup()
            t0 = timer()
            for _ in it:
                stmt()
            t1 = timer()
        finally:
            if gcold:
                _GC_ENABLE()
        return t1 - t0


def _timed(stmt, setup, timer, globals, k, repeat, number, call):
    """timeit.Timer for one repeat: under --control on the evaluator's clock, with the calls' results recorded (and
    for callables, timeit's loop written out here: _Loop)."""
    if CONTROL is None:
        return timeit.Timer(stmt, setup, timer, globals)
    clock = CONTROL.timer(k, repeat, number, stmt, call)
    if setup == "pass":
        setup = _nothing
    if callable(stmt) and callable(setup):
        return _Loop(_observed(stmt), setup, clock)
    return timeit.Timer(_observed(stmt), setup, clock, globals)


def _nothing():
    return None


def __adrs_inprocess_repeat(stmt="pass", setup="pass", timer=timeit.default_timer, repeat=5, number=1000000,
                            globals=None):
    """timeit.repeat in this process (the instances exempt from isolation), on the evaluator's clock under --control."""
    call = _next_call()
    out = [_timed(stmt, setup, timer, globals, k, repeat, number, call).timeit(number) for k in range(repeat)]
    _TIMES.extend(out)
    return out


def __adrs_isolated_repeat(stmt="pass", setup="pass", timer=timeit.default_timer, repeat=5, number=1000000, globals=None):
    """timeit.repeat with each repeat in a forked child: the parent never runs the timed code."""
    out = []
    shown = None
    call = _next_call()
    for k in range(repeat):
        if shown is None or time.perf_counter() - shown >= 1.0 or k == repeat - 1:
            shown = time.perf_counter()
            progress("repeat %d of %d (%d call(s) each, one process per repeat)" % (k + 1, repeat, number))
        sys.stdout.flush()
        sys.stderr.flush()
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            code = 0
            try:
                value = _timed(stmt, setup, timer, globals, k, repeat, number, call).timeit(number)
                payload = repr(float(value))
            except BaseException as error:  # noqa: BLE001 - report anything to the parent
                payload = "error: %s: %s" % (type(error).__name__, error)
                code = 1
            try:
                sys.stdout.flush()
                sys.stderr.flush()
                os.write(write_fd, payload.encode())
            finally:
                os._exit(code)
        os.close(write_fd)
        chunks = []
        while True:
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(read_fd)
        _, status = os.waitpid(pid, 0)
        text = b"".join(chunks).decode(errors="replace")
        if status != 0 or text.startswith("error:") or not text:
            raise RuntimeError("a timed repeat failed in its child process: " + (text or "exit status %d" % status))
        out.append(float(text))
    _TIMES.extend(out)
    return out


class _Rewrite(ast.NodeTransformer):
    """Replaces timeit.repeat(...) / repeat(...) (imported from timeit) calls by the isolated runner."""

    def __init__(self, repeat_names, module_names):
        self.repeat_names = repeat_names
        self.module_names = module_names
        self.count = 0

    def visit_Call(self, node):
        self.generic_visit(node)
        f = node.func
        hit = (isinstance(f, ast.Attribute) and f.attr == "repeat" and isinstance(f.value, ast.Name)
               and f.value.id in self.module_names) or (isinstance(f, ast.Name) and f.id in self.repeat_names)
        if hit:
            self.count += 1
            node.func = ast.copy_location(ast.Name(id=RUNNER, ctx=ast.Load()), f)
        return node


def rewrite(source, filename="<workload>"):
    """Returns (rewritten module AST, number of rewritten calls)."""
    tree = ast.parse(source, filename)
    module_names, repeat_names = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "timeit":
                    module_names.add(a.asname or "timeit")
        elif isinstance(node, ast.ImportFrom) and node.module == "timeit":
            for a in node.names:
                if a.name == "repeat":
                    repeat_names.add(a.asname or "repeat")
    rw = _Rewrite(repeat_names, module_names)
    tree = ast.fix_missing_locations(rw.visit(tree))
    return tree, rw.count


# ---------------------------------------------------------------- the official template


def _is_repeat_call(node):
    """timeit.repeat(...) or a bare repeat(...), as the official harness matches them (the module by its name)."""
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    if isinstance(f, ast.Attribute):
        return isinstance(f.value, ast.Name) and f.value.id == "timeit" and f.attr == "repeat"
    return isinstance(f, ast.Name) and f.id == "repeat"


def _literal_int(node, default):
    try:
        return int(ast.literal_eval(node))
    except Exception:  # noqa: BLE001 - a name or an expression: the official default
        return default


def _is_summary_print(node):
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
        return False
    call = node.value
    if not (isinstance(call.func, ast.Name) and call.func.id == "print"):
        return False
    return any(isinstance(a, ast.Constant) and isinstance(a.value, str) and ("Mean:" in a.value or "Std Dev:" in a.value)
               for a in call.args)


def _is_teardown(node):
    for sub in ast.walk(node):
        if not isinstance(sub, ast.Call):
            continue
        f = sub.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in ("os", "shutil") \
                and f.attr in ("remove", "unlink", "rmtree"):
            return True
        if isinstance(f, ast.Attribute) and f.attr == "unlink":
            return True
        if isinstance(f, ast.Name) and f.id in ("remove", "unlink"):
            return True
    return False


class Plan:
    """How the official harness runs a template workload (see the module docstring)."""

    def __init__(self, workload, setup, number, repeat, view, prewarm, kept, after, teardown):
        self.workload, self.setup, self.number, self.repeat = workload, setup, number, repeat
        self.view = view  # the slice node of the last runtimes[...] slice, or None
        self.prewarm, self.kept, self.after, self.teardown = prewarm, kept, after, teardown

    def describe(self):
        src = ast.unparse if hasattr(ast, "unparse") else (lambda n: ast.dump(n))
        return {"workload": self.workload, "setup": self.setup, "number": self.number, "repeat": self.repeat,
                "slice": src(self.view) if self.view is not None else None,
                "prewarm_line": self.prewarm.lineno if self.prewarm is not None else None,
                "after": [n.lineno for n in self.after], "teardown": [n.lineno for n in self.teardown]}


def plan_official(tree):
    """The official plan for a parsed workload, or None when it is outside the template."""
    call = None
    for node in ast.walk(tree):  # the first `X = <repeat call>` anywhere, breadth first, as the official search
        if isinstance(node, ast.Assign) and _is_repeat_call(node.value):
            call = node.value
            break
    if call is None or not call.args or not isinstance(call.args[0], ast.Name):
        return None
    workload, setup, number, repeat = call.args[0].id, None, 1, 5
    for kw in call.keywords:
        if kw.arg == "number":
            number = _literal_int(kw.value, 1)
        elif kw.arg == "repeat":
            repeat = _literal_int(kw.value, 5)
        elif kw.arg == "setup" and isinstance(kw.value, ast.Name):
            setup = kw.value.id
    if setup and not any(isinstance(n, ast.FunctionDef) and n.name == setup for n in tree.body):
        setup = None
    body = tree.body
    at = next((i for i, n in enumerate(body) if isinstance(n, ast.Assign) and _is_repeat_call(n.value)), None)
    if at is None:
        return None
    first_print = next((j for j in range(at + 1, len(body)) if _is_summary_print(body[j])), None)
    between = body[at + 1:first_print] if first_print is not None else []
    view = None
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "runtimes":
            sl = node.slice
            if hasattr(ast, "Index") and isinstance(sl, getattr(ast, "Index")):
                sl = sl.value
            if isinstance(sl, ast.Slice) and (sl.lower is not None or sl.upper is not None or sl.step is not None):
                view = sl  # the last one found wins
    prewarm = next((n for n in body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)
                    and isinstance(n.value.func, ast.Name) and n.value.func.id == workload
                    and not n.value.args and not n.value.keywords), None)
    skip = set(map(id, between))
    kept = [n for i, n in enumerate(body) if not (i == at or _is_summary_print(n) or id(n) in skip or n is prewarm)]
    return Plan(workload, setup, number, repeat, view, prewarm, kept,
                [n for n in between if not _is_teardown(n)], [n for n in between if _is_teardown(n)])


def _exec_nodes(nodes, path, scope):
    if nodes:
        exec(compile(ast.Module(body=list(nodes), type_ignores=[]), path, "exec"), scope)


def run_plan(plan, path, scope):
    """Runs a template workload by its official plan in this (parent) process."""
    import statistics

    _exec_nodes(plan.kept, path, scope)
    try:
        if plan.prewarm is not None:
            progress("pre-warm: setup() and workload() in the parent, before the repeats")
            if plan.setup:
                scope[plan.setup]()
            scope[plan.workload]()
        setup = scope[plan.setup] if plan.setup else (lambda: None)
        runtimes = __adrs_isolated_repeat(scope[plan.workload], setup, repeat=plan.repeat, number=plan.number)
        scope["runtimes"] = runtimes
        if plan.view is not None:
            view_expr = ast.Expression(body=ast.Subscript(value=ast.Name(id="runtimes", ctx=ast.Load()),
                                                          slice=plan.view, ctx=ast.Load()))
            view = eval(compile(ast.fix_missing_locations(view_expr), path, "eval"), scope)
        else:
            view = runtimes
        _COUNTED.extend(view)
        print("Mean:", statistics.mean(view))
        print("Std Dev:", statistics.stdev(view) if len(view) > 1 else 0.0)
        _exec_nodes(plan.after, path, scope)
    finally:
        if plan.teardown:
            try:
                _exec_nodes(plan.teardown, path, scope)
            except FileNotFoundError:
                pass


def run(path, isolation=True, times_out=None):
    with open(path, encoding="utf-8") as f:
        source = f.read()
    module_globals = {"__name__": "__main__", "__file__": os.path.abspath(path), RUNNER: __adrs_isolated_repeat,
                      SEEN: __adrs_seen__}
    sys.argv = [path]
    plan, count = None, 0
    if isolation:
        tree = ast.parse(source, path)
        plan = plan_official(tree)
        if plan is None:
            tree, count = rewrite(source, path)
            sys.stderr.write("swe_workload: the workload is outside the official template (no top-level "
                             "`runtimes = timeit.repeat(workload, ...)`): %s\n"
                             % ("each of its timeit.repeat calls runs one process per repeat" if count
                                else "no timeit.repeat call found; it runs without per-repeat isolation"))
    elif CONTROL is not None:
        # Exempt from isolation, but still on the evaluator's clock: each timeit.repeat runs in this process.
        tree, count = rewrite(source, path)
        module_globals[RUNNER] = __adrs_inprocess_repeat
    else:
        tree = ast.parse(source, path)
    if CONTROL is not None:
        observe(tree, timed_names(ast.parse(source, path)) | ({plan.workload} if plan is not None else set()))
    if plan is not None:
        progress("official plan, %d repeat(s) of %d call(s)" % (plan.repeat, plan.number))
    else:
        progress("per-call isolation" if count else "no isolation")
    try:
        if plan is not None:
            run_plan(plan, path, module_globals)
        else:
            exec(compile(tree, path, "exec"), module_globals)
    finally:
        sys.stdout.flush()
        if times_out:
            with open(times_out, "w") as f:
                json.dump({"repeats": _TIMES, "counted": _COUNTED if plan is not None else _TIMES,
                           "isolated": bool(plan is not None or count), "plan": plan.describe() if plan else None}, f)


def _exit_code(status):
    """os.waitstatus_to_exitcode (Python 3.9+): the exit code, or minus the signal number."""
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _job_child(job):
    """In the forked child: the job's script as `python3 SCRIPT ARGV...` would run it; output to its log."""
    import runpy
    import signal
    import traceback

    code = 1
    try:
        fd = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        if job.get("timeout_s"):
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            signal.alarm(max(1, int(float(job["timeout_s"]))))
        os.chdir(job.get("cwd") or os.getcwd())
        sys.argv = [job["script"]] + [str(a) for a in job.get("argv", [])]
        sys.path[0] = os.path.dirname(os.path.abspath(job["script"]))
        runpy.run_path(job["script"], run_name="__main__")
        code = 0
    except SystemExit as e:
        if isinstance(e.code, int) or e.code is None:
            code = e.code or 0
        else:
            sys.stderr.write("%s\n" % (e.code,))
    except BaseException:  # noqa: BLE001 - reported through the log and the exit code
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def run_jobs(path):
    """Runs the jobs of a jobs file ({"jobs": [{label, script, argv, cwd, timeout_s, group}], "report": FILE,
    "logs": DIR, "preload": {path, modules}}), each in a child forked from this interpreter, and writes
    {label: {rc, seconds, log, batch}} to the report (jobs side by side share a batch number).
    Jobs run one after another, except that neighbours with the same `group` run side by side. A failed job stops
    the ones after it (they depend on it); the workload runs regardless."""
    import runpy  # noqa: F401 - for the children (imported once here, not per fork); only with --jobs
    import signal  # noqa: F401
    import traceback  # noqa: F401

    with open(path) as f:
        spec = json.load(f)
    jobs = [dict(j, log=os.path.join(spec["logs"], "%s.log" % j["label"])) for j in spec.get("jobs", [])]
    preload = spec.get("preload") or {}
    if jobs and preload.get("modules"):
        # Modules every job imports, imported once here (the children inherit them, compiled): the tool's own
        # modules only, from its folder, which leaves sys.path as it was.
        saved = list(sys.path)
        sys.path.insert(0, preload["path"])
        try:
            for name in preload["modules"]:
                __import__(name)
        except Exception as e:  # noqa: BLE001 - the jobs then import for themselves
            sys.stderr.write("swe_workload: preload failed: %s\n" % e)
        finally:
            sys.path[:] = saved
    done, i, batch_no = {}, 0, 0
    while i < len(jobs):
        batch = [jobs[i]]
        while jobs[i].get("group") is not None and i + len(batch) < len(jobs) \
                and jobs[i + len(batch)].get("group") == jobs[i]["group"]:
            batch.append(jobs[i + len(batch)])
        i += len(batch)
        batch_no += 1
        sys.stdout.flush()
        sys.stderr.flush()
        t0 = time.perf_counter()
        running = {}
        for job in batch:
            pid = os.fork()
            if pid == 0:
                _job_child(job)
            running[pid] = job
        failed = False
        while running:
            pid, status = os.wait()
            job = running.pop(pid, None)
            if job is None:
                continue
            rc = _exit_code(status)
            log = ""
            if rc != 0:
                failed = True
                try:
                    with open(job["log"], errors="replace") as f:
                        log = f.read()[-2000:]
                except OSError:
                    pass
            done[job["label"]] = {"rc": rc, "seconds": round(time.perf_counter() - t0, 4), "log": log,
                                  "batch": batch_no}
        if failed:
            break
    with open(spec["report"], "w") as f:
        json.dump(done, f)


def check_jsonl(path):
    ok, failed, no_call, missing, planned = 0, [], [], [], 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            if not isinstance(row.get("workload"), str):
                missing.append(row.get("instance_id"))
                continue
            try:
                if plan_official(ast.parse(row["workload"])) is not None:
                    planned += 1
                tree, count = rewrite(row["workload"])
                observe(tree, timed_names(ast.parse(row["workload"])))
                compile(tree, "<workload>", "exec")
            except SyntaxError as error:
                failed.append([row.get("instance_id"), str(error)])
                continue
            if count:
                ok += 1
            else:
                no_call.append(row.get("instance_id"))
    print(json.dumps({"rewritten": ok, "official_plan": planned, "syntax_errors": failed, "no_repeat_call": no_call,
                      "no_workload": missing}))


def main(argv):
    if len(argv) == 2 and argv[0] == "--check-jsonl":
        return check_jsonl(argv[1])
    if len(argv) == 2 and argv[0] == "--plan":
        with open(argv[1], encoding="utf-8") as f:
            plan = plan_official(ast.parse(f.read(), argv[1]))
        print(json.dumps(plan.describe() if plan else None))
        return None
    if len(argv) == 2 and argv[0] == "--rewrite-only":
        with open(argv[1], encoding="utf-8") as f:
            tree, _ = rewrite(f.read(), argv[1])
        print(ast.unparse(tree) if hasattr(ast, "unparse") else ast.dump(tree))
        return None
    global CONTROL, _DIGEST_LIB
    isolation, times_out, jobs, rest, control, jobs_only, digest_lib = True, None, None, [], False, False, None
    i = 0
    while i < len(argv):
        if argv[i] == "--no-isolation":
            isolation = False
        elif argv[i] == "--control":
            control = True
        elif argv[i] == "--jobs-only":
            jobs_only = True
        elif argv[i] == "--times-out":
            i += 1
            times_out = argv[i]
        elif argv[i] == "--jobs":
            i += 1
            jobs = argv[i]
        elif argv[i] == "--digest-lib":
            i += 1
            digest_lib = argv[i]
        else:
            rest.append(argv[i])
        i += 1
    if jobs_only and jobs and not rest:
        return run_jobs(jobs)
    if len(rest) != 1:
        sys.exit("usage: swe_workload.py WORKLOAD.py [--no-isolation] [--times-out FILE] [--jobs FILE] [--control] "
                 "[--digest-lib DIR]")
    if control:
        CONTROL = Control()
        if digest_lib:
            _DIGEST_LIB = load_digest_lib(digest_lib)
    if jobs:
        run_jobs(jobs)
    sys.path.insert(0, os.getcwd())
    result = run(rest[0], isolation, times_out)
    if CONTROL is not None:
        CONTROL.send({"ev": "end"})
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
