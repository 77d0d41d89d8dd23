#!/usr/bin/python3
"""Evaluator for matmul-cpu: compiles the candidate's matmul.c with bench.c, checks and times it, writes one JSON result.

Contract (evaluators/result.ts): ADRS_STAGE (screen|verify|time), ADRS_SEED, ADRS_RESULT (the JSON file to
write), ADRS_WORKSPACE (holds matmul.c; default: cwd), ADRS_WORKLOADS (folder of *.json shapes; default:
the problem's workloads/<stage>), ADRS_SAMPLES (timing samples; default 3 screen, 5 verify, 1 time).
A workload file is {"n": int, "m": int, "k": int, "seed": int}; every shape is checked in full (except in
stage "time"), and the largest one (by n*m*k) is also timed. Failures of the candidate are data (correct:
false plus feedback); only a broken evaluator setup exits non-zero.
"""
import glob
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CANDIDATE = "matmul.c"
CFLAGS = ["-O2", "-std=gnu11"]
DEFAULT_SAMPLES = {"screen": 3, "verify": 5, "time": 1}
# Seconds for the bench process; below the problem.yaml timeouts so a slow kernel still gets feedback.
RUN_BUDGET = {"screen": 50, "verify": 250, "time": 50}
COMPILE_BUDGET = 60
# Symbols a single-threaded kernel has no business calling.
FORBIDDEN_CALLS = {
    "pthread_create", "thrd_create", "clone", "clone3", "fork", "vfork", "system", "popen",
    "execv", "execve", "execvp", "execl", "execlp", "execle", "dlopen", "dlsym", "syscall",
}
FORBIDDEN_PREFIXES = ("GOMP_", "omp_", "__kmpc_")
CONSTRUCTOR_SECTIONS = (".init_array", ".preinit_array", ".ctors", ".fini_array", ".dtors")
MAX_CPU_PER_WALL = 1.5
TAIL = 3000


class SetupError(Exception):
    """The evaluator itself is misconfigured (not the candidate's fault)."""


def tail(text, limit=TAIL):
    text = text.strip()
    return text if len(text) <= limit else "..." + text[-limit:]


def load_workloads(folder):
    files = sorted(glob.glob(os.path.join(folder, "*.json")))
    if not files:
        raise SetupError(f"no workload files (*.json) in {folder} (set ADRS_WORKLOADS to a workloads folder)")
    shapes = []
    for path in files:
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as error:
            raise SetupError(f"{path}: not readable JSON ({error})") from error
        for field in ("n", "m", "k", "seed"):
            value = data.get(field) if isinstance(data, dict) else None
            if not isinstance(value, int) or isinstance(value, bool) or value < (0 if field == "seed" else 1):
                raise SetupError(f'{path}: field "{field}" must be a non-negative integer (n, m, k at least 1)')
        shapes.append({"file": os.path.basename(path), "n": data["n"], "m": data["m"], "k": data["k"], "seed": data["seed"]})
    return shapes


def mixed_seed(run_seed, shape, salt):
    text = f"{run_seed}:{shape['seed']}:{shape['n']}x{shape['m']}x{shape['k']}:{salt}"
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


def shape_name(s):
    return f"{s['n']}x{s['m']}x{s['k']}"


def run_tool(cmd, cwd, timeout):
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError as error:
        raise SetupError(f"{cmd[0]} not found: the sandbox image needs a C compiler and binutils") from error
    except subprocess.TimeoutExpired:
        return 124, "", f"{' '.join(cmd)} timed out after {timeout} s"
    return proc.returncode, proc.stdout, proc.stderr


def compile_candidate(cc, workspace, build):
    """Returns (binary path, None, warnings) or (None, feedback, details)."""
    obj = os.path.join(build, "matmul.o")
    rc, _, err = run_tool([cc, *CFLAGS, "-c", CANDIDATE, "-o", obj], workspace, COMPILE_BUDGET)
    if rc != 0:
        return None, f"{CANDIDATE} does not compile ({cc} {' '.join(CFLAGS)}):\n{tail(err, 1500)}", err
    warnings = err
    rc, out, err = run_tool(["nm", "-P", obj], build, 30)
    if rc != 0:
        raise SetupError(f"nm failed on the candidate object: {tail(err, 300)}")
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        name, kind = parts[0], parts[1]
        if kind == "U":
            undefined.add(name)
        elif kind.isupper():  # lower-case kinds are local (static) or weak undefined
            defined.add(name)
    if "matmul" not in defined:
        return None, f"{CANDIDATE} compiles but defines no global function `matmul` (keep its signature).", ""
    extra = sorted(defined - {"matmul"})
    if extra:
        return None, (
            f"{CANDIDATE} exports symbols other than matmul: {', '.join(extra[:8])}. "
            "Declare helpers and globals `static`."
        ), ""
    calls = sorted(s for s in undefined if s in FORBIDDEN_CALLS or s.startswith(FORBIDDEN_PREFIXES))
    if calls:
        return None, (
            f"{CANDIDATE} calls {', '.join(calls)}; the kernel must run in the calling thread only "
            "(no threads, processes, OpenMP or dynamic loading)."
        ), ""
    rc, out, err = run_tool(["readelf", "-S", "-W", obj], build, 30)
    if rc != 0:
        raise SetupError(f"readelf failed on the candidate object: {tail(err, 300)}")
    found = sorted({sec for sec in CONSTRUCTOR_SECTIONS if f"{sec} " in out or f"{sec}." in out})
    if found:
        return None, f"{CANDIDATE} has static constructors or destructors ({', '.join(found)}); remove them.", ""
    bench_obj = os.path.join(build, "bench.o")
    rc, _, err = run_tool([cc, *CFLAGS, "-c", os.path.join(HERE, "bench.c"), "-o", bench_obj], build, COMPILE_BUDGET)
    if rc != 0:
        raise SetupError(f"bench.c does not compile with {cc}: {tail(err, 500)}")
    binary = os.path.join(build, "bench")
    rc, _, err = run_tool([cc, "-o", binary, bench_obj, obj, "-lm"], build, COMPILE_BUDGET)
    if rc != 0:
        return None, f"{CANDIDATE} does not link:\n{tail(err, 1500)}", err
    return binary, None, warnings


def run_bench(binary, args, items, build, budget):
    """Runs the harness on `items` [(what, shape)]; returns (result events in order, failure or None, stdout, stderr)."""
    try:
        proc = subprocess.run([binary, *args], cwd=build, capture_output=True, text=True, timeout=budget)
        out, err, rc = proc.stdout, proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as error:
        out = error.stdout.decode(errors="replace") if isinstance(error.stdout, bytes) else (error.stdout or "")
        err, rc = "", None
    # Only the harness writes this stream (the kernel's stdout goes to stderr): it must be exactly
    # start/result pairs in the order requested, possibly cut short by a crash.
    results, running = [], None
    for line in out.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            event = None
        if not isinstance(event, dict):
            return results, "wrote unexpected output on the harness's results stream", out, err
        index = len(results)
        what, shape = items[index] if index < len(items) else (None, None)
        same = shape is not None and all(event.get(f) == shape[f] for f in ("n", "m", "k"))
        if running is None and event.get("event") == "start" and event.get("what") == what and same:
            running = event
        elif running is not None and event.get("event") == what and same:
            results.append(event)
            running = None
        else:
            return results, "wrote unexpected output on the harness's results stream", out, err
    where = f" during the {running['what']} of shape {shape_name(running)}" if running else ""
    if rc is None:
        return results, f"timed out after {budget} s{where}", out, err
    if rc < 0:
        try:
            name = signal.Signals(-rc).name
        except ValueError:
            name = f"signal {-rc}"
        return results, f"crashed with {name}{where}", out, err
    if rc != 0:
        return results, f"exited with status {rc}{where}: {tail(err, 500)}", out, err
    if len(results) != len(items):
        return results, f"stopped before all shapes were run (the kernel exited{where})", out, err
    return results, None, out, err


def describe_check(e):
    shape = f"shape n={e['n']}, m={e['m']}, k={e['k']}"
    if "reason" in e:
        return f"{shape}: {e['reason']}"
    return (
        f"wrong result for {shape}: C[{e['row']}][{e['col']}] (flat index {e['first']}) = {e['got']} "
        f"but the reference is {e['want']:.9g} (tolerance {e['tol']:.3g}); "
        f"{e['wrong']} of {e['total']} elements are wrong"
    )


def make_build_dir(workspace):
    try:
        return tempfile.mkdtemp(prefix=".adrs-matmul-", dir=workspace)
    except OSError:
        return tempfile.mkdtemp(prefix="adrs-matmul-")  # a read-only workspace


def judge(result, events, crash, timed, samples):
    """Fills checks and metrics from the harness events; returns the list of problems (empty = correct)."""
    problems = []
    for e in events:
        if e["event"] == "check":
            ok = bool(e.get("ok"))
            detail = "" if ok else describe_check(e)
            result["checks"].append({"name": f"check {shape_name(e)}", "ok": ok, "detail": detail})
            if not ok:
                problems.append(detail)
    timing = next((e for e in events if e["event"] == "time"), None)
    if timing is not None and not timing.get("ok"):
        problems.append(f"during timing of shape {shape_name(timed)}: {timing.get('reason')}")
    if crash:
        problems.append(f"the harness {crash}")
    if timing is None or not timing.get("ok"):
        return problems
    wall, cpu = timing.get("wall", []), timing.get("cpu", [])
    if len(wall) != samples or len(cpu) != samples:
        return problems + ["the harness returned the wrong number of timing samples"]
    ratio = sum(cpu) / sum(wall) if sum(wall) > 0 else 1.0
    threads_ok = ratio <= MAX_CPU_PER_WALL or sum(wall) < 0.005
    result["checks"].append({"name": "single-thread", "ok": threads_ok, "detail": f"CPU time / wall time = {ratio:.2f}"})
    if not threads_ok:
        problems.append(f"the kernel used {ratio:.1f}x more CPU time than wall time; it must run on one thread")
    median = statistics.median(wall)
    result["timings"]["kernel"] = wall
    if median > 0:
        flops = 2.0 * timed["n"] * timed["m"] * timed["k"]
        result["metrics"] = {"gflops": flops / median / 1e9, "kernel_time_s": median}
    return problems


def evaluate(stage, run_seed, workspace, workloads_dir, samples):
    result = {"correct": False, "metrics": {}, "timings": {}, "feedback": "", "artifacts": {}, "checks": []}
    shapes = load_workloads(workloads_dir)
    timed = max(shapes, key=lambda s: s["n"] * s["m"] * s["k"])
    if not os.path.isfile(os.path.join(workspace, CANDIDATE)):
        result["feedback"] = f"{CANDIDATE} is missing from the workspace."
        return result
    cc = os.environ.get("CC") or "cc"
    build = make_build_dir(workspace)
    try:
        binary, failure, details = compile_candidate(cc, workspace, build)
        result["checks"].append({"name": "compile", "ok": binary is not None, "detail": (failure or "")[:500]})
        if details.strip():
            result["artifacts"]["compiler_stderr"] = tail(details)
        if binary is None:
            result["feedback"] = failure
            return result
        items = [("check", s) for s in shapes] if stage != "time" else []
        items.append(("time", timed))
        args = []
        for what, s in items:
            args += [what, str(s["n"]), str(s["m"]), str(s["k"]), str(mixed_seed(run_seed, s, what))]
            if what == "time":
                args.append(str(samples))
        events, crash, out, err = run_bench(binary, args, items, build, RUN_BUDGET[stage])
    finally:
        shutil.rmtree(build, ignore_errors=True)
    if err.strip():
        result["artifacts"]["kernel_output"] = tail(err)  # the kernel's stdout and stderr
    if crash:
        result["artifacts"]["harness_output"] = tail(out)
    problems = judge(result, events, crash, timed, samples)
    if problems:
        result["metrics"], result["timings"] = {}, {}
        passed = [c["name"][6:] for c in result["checks"] if c["name"].startswith("check ") and c["ok"]]
        result["feedback"] = "\n".join(problems) + (f"\nShapes that passed: {', '.join(passed)}." if passed else "")
        return result
    result["correct"] = True
    checked = f"correct on {len(shapes)} shapes ({', '.join(shape_name(s) for s in shapes)}); " if stage != "time" else ""
    m = result["metrics"]
    result["feedback"] = (
        f"{checked}shape {shape_name(timed)}: median {m['kernel_time_s'] * 1e3:.3f} ms over {samples} "
        f"calls = {m['gflops']:.2f} GFLOP/s (compiled with {cc} {' '.join(CFLAGS)}, one thread)"
    )
    return result


def main():
    stage = os.environ.get("ADRS_STAGE", "screen")
    if stage not in DEFAULT_SAMPLES:
        print(f"evaluate.py: ADRS_STAGE={stage!r} is not one of screen, verify, time", file=sys.stderr)
        return 2
    samples_text = os.environ.get("ADRS_SAMPLES") or str(DEFAULT_SAMPLES[stage])
    if not samples_text.isdigit() or int(samples_text) < 1:
        print(f"evaluate.py: ADRS_SAMPLES={samples_text!r} must be a positive integer", file=sys.stderr)
        return 2
    workspace = os.path.abspath(os.environ.get("ADRS_WORKSPACE") or os.getcwd())
    default_workloads = os.path.join(HERE, "..", "workloads", "verify" if stage == "verify" else "screen")
    workloads = os.environ.get("ADRS_WORKLOADS") or default_workloads
    try:
        result = evaluate(stage, os.environ.get("ADRS_SEED", "0"), workspace, workloads, int(samples_text))
    except SetupError as error:
        print(f"evaluate.py: {error}", file=sys.stderr)
        return 2
    text = json.dumps(result, indent=1)
    target = os.environ.get("ADRS_RESULT")
    if target:
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
