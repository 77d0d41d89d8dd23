"""Runs a SWE-fficiency workload script with every timed repeat in a fresh forked process (run-to-run isolation).

The workload follows the benchmark's template: setup(), workload(), `runtimes = timeit.repeat(...)`, then prints
"Mean:" and "Std Dev:". The script is rewritten (AST) so that each call of `timeit.repeat` (or `repeat` imported
from timeit) forks one child per repeat; the child times `number` calls after running `setup` and reports the
duration through a pipe. Anything the workload caches in a repeat dies with that child, so a cache cannot carry
from one repeat to the next. Top-level code (imports, pre-warm calls, the prints) runs unchanged in the parent.

With --jobs FILE, helper scripts (the differential checks' observe, replay and compare) run first, each in a child
forked from this interpreter before the workload is loaded: no interpreter start of their own, and none of the
workload's state in them. They run untimed, before any timed repeat; see run_jobs.

Usage:
  swe_workload.py WORKLOAD.py [--no-isolation] [--times-out FILE] [--jobs FILE]
                                                                     run it (stdout: the workload's own output)
  swe_workload.py --rewrite-only WORKLOAD.py                         print the rewritten source
  swe_workload.py --check-jsonl FILE                                 rewrite every {"workload": ...} line; print counts
Stdlib only; Python 3.8+.
"""
import ast
import json
import os
import sys
import time
import timeit

RUNNER = "__adrs_isolated_repeat"
_TIMES = []


def __adrs_isolated_repeat(stmt="pass", setup="pass", timer=timeit.default_timer, repeat=5, number=1000000, globals=None):
    """timeit.repeat with each repeat in a forked child: the parent never runs the timed code."""
    out = []
    for _ in range(repeat):
        sys.stdout.flush()
        sys.stderr.flush()
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            code = 0
            try:
                value = timeit.Timer(stmt, setup, timer, globals).timeit(number)
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


def run(path, isolation=True, times_out=None):
    with open(path, encoding="utf-8") as f:
        source = f.read()
    tree, count = rewrite(source, path) if isolation else (ast.parse(source, path), 0)
    if isolation and count == 0:
        sys.stderr.write("swe_workload: no timeit.repeat call found; the workload runs without per-repeat isolation\n")
    module_globals = {"__name__": "__main__", "__file__": os.path.abspath(path), RUNNER: __adrs_isolated_repeat}
    sys.argv = [path]
    try:
        exec(compile(tree, path, "exec"), module_globals)
    finally:
        sys.stdout.flush()
        if times_out:
            with open(times_out, "w") as f:
                json.dump({"repeats": _TIMES, "isolated": bool(isolation and count)}, f)


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
    ok, failed, no_call, missing = 0, [], [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            if not isinstance(row.get("workload"), str):
                missing.append(row.get("instance_id"))
                continue
            try:
                tree, count = rewrite(row["workload"])
                compile(tree, "<workload>", "exec")
            except SyntaxError as error:
                failed.append([row.get("instance_id"), str(error)])
                continue
            if count:
                ok += 1
            else:
                no_call.append(row.get("instance_id"))
    print(json.dumps({"rewritten": ok, "syntax_errors": failed, "no_repeat_call": no_call, "no_workload": missing}))


def main(argv):
    if len(argv) == 2 and argv[0] == "--check-jsonl":
        return check_jsonl(argv[1])
    if len(argv) == 2 and argv[0] == "--rewrite-only":
        with open(argv[1], encoding="utf-8") as f:
            tree, _ = rewrite(f.read(), argv[1])
        print(ast.unparse(tree) if hasattr(ast, "unparse") else ast.dump(tree))
        return None
    isolation, times_out, jobs, rest = True, None, None, []
    i = 0
    while i < len(argv):
        if argv[i] == "--no-isolation":
            isolation = False
        elif argv[i] == "--times-out":
            i += 1
            times_out = argv[i]
        elif argv[i] == "--jobs":
            i += 1
            jobs = argv[i]
        else:
            rest.append(argv[i])
        i += 1
    if len(rest) != 1:
        sys.exit("usage: swe_workload.py WORKLOAD.py [--no-isolation] [--times-out FILE] [--jobs FILE]")
    if jobs:
        run_jobs(jobs)
    sys.path.insert(0, os.getcwd())
    return run(rest[0], isolation, times_out)


if __name__ == "__main__":
    main(sys.argv[1:])
