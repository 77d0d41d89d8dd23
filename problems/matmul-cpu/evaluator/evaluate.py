#!/usr/bin/python3
"""Evaluator for matmul-cpu (trusted side): compiles matmul.c with kernel_server.c, runs that as the candidate, checks and times it.

The kernel runs in the candidate's trust domain (adrs_candidate): it only computes C from inputs sent at "go"; this process
checks every output against its own float64 reference and times each call on its own clock.

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
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np

import adrs_candidate

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
TOL_FACTOR = 2.0 * float(np.finfo(np.float32).eps)
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
    rc, _, err = run_tool([cc, *CFLAGS, "-c", os.path.join(workspace, CANDIDATE), "-o", obj], build, COMPILE_BUDGET)
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
    bench_obj = os.path.join(build, "kernel_server.o")
    server = os.path.join(HERE, "kernel_server.c")
    rc, _, err = run_tool([cc, *CFLAGS, "-c", server, "-o", bench_obj], build, COMPILE_BUDGET)
    if rc != 0:
        raise SetupError(f"kernel_server.c does not compile with {cc}: {tail(err, 500)}")
    binary = os.path.join(build, "kernel_server")
    rc, _, err = run_tool([cc, "-o", binary, bench_obj, obj, "-lm"], build, COMPILE_BUDGET)
    if rc != 0:
        return None, f"{CANDIDATE} does not link:\n{tail(err, 1500)}", err
    return binary, None, warnings


def random_inputs(shape, seed):
    """A (n x k) and B (k x m) with values uniform in [-1, 1), exactly representable as float32."""
    rng = np.random.default_rng(seed)
    n, m, k = shape["n"], shape["m"], shape["k"]

    def draw(rows, cols):
        return (rng.integers(0, 1 << 24, size=(rows, cols)) * 2.0 ** -23 - 1.0).astype(np.float32)

    return draw(n, k), draw(k, m)


def compare(shape, A, B, C):
    """None when C is right within tolerance, else the check event describing the first wrong element."""
    a64, b64 = A.astype(np.float64), B.astype(np.float64)
    ref = a64 @ b64
    tol = TOL_FACTOR * shape["k"] * (np.abs(a64) @ np.abs(b64))
    with np.errstate(invalid="ignore"):
        bad = ~(np.abs(C.astype(np.float64) - ref) <= tol)
    if not bad.any():
        return None
    flat = int(np.flatnonzero(bad)[0])
    row, col = divmod(flat, shape["m"])
    return {**shape, "row": row, "col": col, "first": flat, "got": float(C.flat[flat]), "want": float(ref.flat[flat]),
            "tol": float(tol.flat[flat]), "wrong": int(bad.sum()), "total": int(C.size)}


class Kernel:
    """The candidate's kernel server, started in the candidate's trust domain (adrs_candidate)."""

    def __init__(self, binary, workspace, log_fd):
        self.child = adrs_candidate.start([binary], cwd=workspace, stderr=log_fd)

    def call(self, shape, A, B, timeout):
        """Sends inputs, then "go"; returns (C, seconds from go to the last byte of C) on the evaluator's clock."""
        n, m, k = shape["n"], shape["m"], shape["k"]
        self.child.send(b"MMUL" + struct.pack("<3i", n, m, k) + A.tobytes() + B.tobytes())
        started = time.perf_counter()
        self.child.send(b"g")
        raw = self.child.recv(n * m * 4, timeout)
        elapsed = time.perf_counter() - started
        return np.frombuffer(raw, dtype=np.float32).reshape(n, m), elapsed

    def failure(self, error, where):
        status = self.child.close(timeout=2.0)
        if status is not None and status < 0:
            try:
                name = signal.Signals(-status).name
            except ValueError:
                name = f"signal {-status}"
            return f"the kernel crashed with {name}{where}"
        if status not in (None, 0):
            return f"the kernel exited with status {status}{where}"
        return f"{error}{where}"


def run_items(binary, workspace, build, items, samples, budget, result):
    """Checks every ("check", shape) and times ("time", shape); returns the list of problems (empty = correct)."""
    problems, passed, wall = [], [], []
    deadline = time.monotonic() + budget
    log_path = os.path.join(build, "kernel.log")
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    kernel = Kernel(binary, workspace, log_fd)
    os.close(log_fd)
    try:
        for what, shape in items:
            where = f" during the {what} of shape {shape_name(shape)}"
            calls = 1 if what == "check" else samples + 1  # timing: one warm-up call
            for call in range(calls):
                A, B = random_inputs(shape, mixed_seed(result["_seed"], shape, f"{what}:{call}"))
                left = deadline - time.monotonic()
                try:
                    if left <= 0:
                        raise adrs_candidate.CandidateError(f"timed out after {budget} s")
                    C, elapsed = kernel.call(shape, A, B, left)
                except adrs_candidate.CandidateError as error:
                    problems.append(kernel.failure(error, where))
                    return problems, passed, wall
                wrong = compare(shape, A, B, C)
                if what == "check":
                    result["checks"].append({"name": f"check {shape_name(shape)}", "ok": wrong is None,
                                             "detail": "" if wrong is None else describe_check(wrong)})
                    if wrong is None:
                        passed.append(shape_name(shape))
                    else:
                        problems.append(describe_check(wrong))
                elif wrong is not None:
                    problems.append(f"during timing of shape {shape_name(shape)}: {describe_check(wrong)}")
                    return problems, passed, wall
                elif call > 0:
                    wall.append(elapsed)
        return problems, passed, wall
    finally:
        kernel.child.close(timeout=2.0)
        with open(log_path, encoding="utf-8", errors="replace") as fh:
            output = fh.read(1 << 20)
        if output.strip():
            result["artifacts"]["kernel_output"] = tail(output)


def describe_check(e):
    shape = f"shape n={e['n']}, m={e['m']}, k={e['k']}"
    return (
        f"wrong result for {shape}: C[{e['row']}][{e['col']}] (flat index {e['first']}) = {e['got']} "
        f"but the reference is {e['want']:.9g} (tolerance {e['tol']:.3g}); "
        f"{e['wrong']} of {e['total']} elements are wrong"
    )


def make_build_dir():
    """The evaluator's own scratch: under $TMPDIR, which in a sandbox only the evaluator's uid can open."""
    return tempfile.mkdtemp(prefix="adrs-matmul-")


def handoff(binary):
    """A copy of the kernel server that the candidate's uid may execute (and nothing else of the build)."""
    folder = tempfile.mkdtemp(prefix="adrs-matmul-run-", dir="/tmp" if os.path.isdir("/tmp") else None)
    os.chmod(folder, 0o755)
    target = os.path.join(folder, "kernel_server")
    shutil.copyfile(binary, target)
    os.chmod(target, 0o755)
    return folder, target


def evaluate(stage, run_seed, workspace, workloads_dir, samples):
    result = {"correct": False, "metrics": {}, "timings": {}, "feedback": "", "artifacts": {}, "checks": []}
    shapes = load_workloads(workloads_dir)
    timed = max(shapes, key=lambda s: s["n"] * s["m"] * s["k"])
    if not os.path.isfile(os.path.join(workspace, CANDIDATE)):
        result["feedback"] = f"{CANDIDATE} is missing from the workspace."
        return result
    cc = os.environ.get("CC") or "cc"
    build = make_build_dir()
    run_dir = None
    result["_seed"] = run_seed
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
        run_dir, runnable = handoff(binary)
        problems, passed, wall = run_items(runnable, workspace, build, items, samples, RUN_BUDGET[stage], result)
    finally:
        shutil.rmtree(build, ignore_errors=True)
        if run_dir:
            shutil.rmtree(run_dir, ignore_errors=True)
    result["checks"].append({"name": "trust domains", "ok": True,
                             "detail": "the kernel ran as another uid" if adrs_candidate.separated()
                             else "not separated (run outside an adrs sandbox)"})
    if problems:
        result["metrics"], result["timings"] = {}, {}
        result["feedback"] = "\n".join(problems) + (f"\nShapes that passed: {', '.join(passed)}." if passed else "")
        return result
    median = statistics.median(wall)
    result["timings"]["kernel"] = wall
    flops = 2.0 * timed["n"] * timed["m"] * timed["k"]
    result["metrics"] = {"gflops": flops / median / 1e9 if median > 0 else 0.0, "kernel_time_s": median}
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
    result.pop("_seed", None)
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
