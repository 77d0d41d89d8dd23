"""The parent side of a kernel evaluation: static checks, then the candidate's child process, then one JSON result.

The parent never imports the candidate. It runs the static checks (adrs_kernel_static), then hands the problem's
plan (inputs, reference, timing settings, made here) to adrs_kernel_conductor, which computes the reference
outputs in this process, drives the problem's child script (the candidate's uid) over pipes, compares the
outputs and keeps its own clock. Whatever the candidate does, the parent writes one result
(evaluators/result.ts) to ADRS_RESULT.

Environment: ADRS_STAGE, ADRS_SEED, ADRS_RESULT, ADRS_WORKSPACE, ADRS_WORKLOADS, ADRS_SAMPLES (set by the
platform); ADRS_DEVICE=cpu|cuda forces a device (default: cuda when torch sees one, else cpu);
KERNEL_STATIC_CHECKS=warn reports static findings without refusing (to exercise the runtime defences);
KERNEL_CHILD_TIMEOUT_S overrides the child's time limit.
"""

import json
import os
import shutil
import sys
import tempfile

import adrs_kernel_static as static

# adrs_candidate lives one folder up (on PYTHONPATH in a sandbox; found here when run from a checkout).
sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import adrs_candidate  # noqa: E402

STAGES = ("screen", "verify", "time")


class Case:
    """One input set: `make()` returns the argument tuple (fresh random tensors), made in the trusted process.

    A timed case may give `remake(k)`: another input set of the same shapes for the k-th timed batch, so every
    batch's inputs are new when they are sent at "go" (nothing can be prepared for them in advance).
    """

    def __init__(self, label, make, remake=None):
        self.label = label
        self.make = make
        self.remake = remake
        self.args = None
        self.ref = None


class SetupError(Exception):
    """The evaluator is misconfigured (not the candidate's fault): exit 2 with one line on stderr."""


def context():
    stage = os.environ.get("ADRS_STAGE", "screen")
    if stage not in STAGES:
        raise SetupError(f"ADRS_STAGE={stage!r} is not one of screen, verify, time")
    samples = os.environ.get("ADRS_SAMPLES") or ""
    if samples and (not samples.isdigit() or int(samples) < 1):
        raise SetupError(f"ADRS_SAMPLES={samples!r} must be a positive integer")
    device = os.environ.get("ADRS_DEVICE", "")
    if device not in ("", "cpu", "cuda"):
        raise SetupError(f"ADRS_DEVICE={device!r} must be cpu or cuda")
    return {
        "stage": stage,
        "seed": os.environ.get("ADRS_SEED", "0"),
        "samples": int(samples) if samples else None,
        "workspace": os.path.abspath(os.environ.get("ADRS_WORKSPACE") or os.getcwd()),
        "workloads": os.environ.get("ADRS_WORKLOADS", ""),
        "device": device,
        "result": os.environ.get("ADRS_RESULT", ""),
    }


def failure(check, message, passed=(), artifacts=None):
    checks = [{"name": n, "ok": True} for n in passed] + [{"name": check, "ok": False, "detail": message[:2000]}]
    return {"correct": False, "metrics": {}, "timings": {}, "feedback": f"{check}: {message}", "checks": checks,
            "artifacts": artifacts or {}}


def static_result(workspace, file, precision, allowed_lines=()):
    """None when the candidate passes the static checks (or they only warn), else a failed result."""
    path = os.path.join(workspace, file)
    if not os.path.isfile(path):
        return failure("exists", f"{file} is missing from the workspace")
    with open(path, encoding="utf-8", errors="replace") as fh:
        found = static.check(fh.read(), precision, allowed_lines)
    if not found:
        return None
    text = static.describe(found, file)
    if os.environ.get("KERNEL_STATIC_CHECKS") == "warn":
        print(f"static check (warn only): {text}", file=sys.stderr)
        return None
    return failure(f"static:{found[0]['rule']}", text + " (kernels.md B.2: this pattern is how benchmarks get gamed)",
                   ["exists"], {"static_findings": json.dumps(found[:20])})


def start_child(script, workspace, log):
    """Starts the problem's child script in the candidate's trust domain; returns the adrs_candidate process.

    The child runs through adrs_candidate: another uid, only the pipes this process owns, so it cannot read this
    process's environment, files or memory (the references live there), signal it or write the result.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADRS_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # The candidate's uid has no writable home and cannot open $TMPDIR (this process's own): Triton and
    # load_inline compile into a fresh folder under /tmp that it owns for the run.
    scratch = tempfile.mkdtemp(prefix="adrs-kernel-cache-", dir="/tmp" if os.path.isdir("/tmp") else None)
    os.chmod(scratch, 0o1777)
    _scratch.append(scratch)
    env["TRITON_CACHE_DIR"] = os.path.join(scratch, "triton")
    env["TORCH_EXTENSIONS_DIR"] = os.path.join(scratch, "torch_extensions")
    env["HOME"] = scratch
    # The child imports the kernel harness (this folder) and the evaluator's own child module (the script's folder).
    env["PYTHONPATH"] = os.pathsep.join([os.path.dirname(os.path.abspath(script)), os.path.dirname(os.path.abspath(__file__)), workspace])
    return adrs_candidate.start([sys.executable, script], cwd=workspace, env=env, stderr=log.fileno())


_scratch = []


def _read(log):
    log.seek(0)
    return log.read()


def _last_error_lines(stderr, lines=12):
    """The end of a dead child's stderr (its traceback, e.g. a ModuleNotFoundError), for the feedback."""
    return "\n".join(stderr.strip().splitlines()[-lines:])


def _text(data, limit=3000):
    text = data.decode("utf-8", "replace")
    return text if len(text) <= limit else "..." + text[-limit:]


def write(result, ctx):
    text = json.dumps(result)
    if ctx["result"]:
        with open(ctx["result"], "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    else:
        print(text)


def pick_device(requested):
    """ADRS_DEVICE if given (cuda must then exist), else cuda when torch sees a GPU, else cpu."""
    import torch

    if requested == "cuda" and not torch.cuda.is_available():
        raise SetupError("ADRS_DEVICE=cuda but torch sees no CUDA device")
    if requested:
        return torch.device(requested)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def evaluate_candidate(ctx, child_script, candidate, precision, plan, child_timeout_s, reference_lines=None):
    """The shared body of a kernel evaluator: static checks, then the conductor with the candidate's child, one result.

    `plan(device)` (the problem's, run in this trusted process) returns a dict: cases and timed (lists of
    Case), reference (the callable computing reference outputs here), warmup, trials,
    samples, time_reference, determinism, request (what the child's loader gets; the candidate's file name is
    added), and optionally finish(result) to add the problem's metrics and feedback to a correct result.
    """
    result = static_result(ctx["workspace"], candidate, precision, reference_lines or ())
    if result is None:
        log = tempfile.TemporaryFile()
        # The child starts before this process imports torch: the two imports (seconds each) overlap.
        proc = start_child(child_script, ctx["workspace"], log)
        try:
            import adrs_kernel_conductor as conductor
            import adrs_kernel_wire as wire

            try:
                device = pick_device(ctx["device"])
            except SetupError as error:
                print(f"kernel evaluator: {error}", file=sys.stderr)
                sys.exit(2)
            p = plan(device)
            timeout = float(os.environ.get("KERNEL_CHILD_TIMEOUT_S") or child_timeout_s[ctx["stage"]])
            cfg = {"device": device, "warmup": p["warmup"], "trials": p["trials"],
                   "samples": ctx["samples"] or p["samples"], "time_reference": p.get("time_reference", True),
                   "determinism": p.get("determinism", True), "timeout": timeout,
                   "request": {**p["request"], "candidate": candidate}}
            try:
                proc.send(wire.encode({"device": str(device)}))
            except adrs_candidate.CandidateError:
                pass  # it died already: the conductor reports how
            result = conductor.run(cfg, p["cases"], p["timed"], p["reference"], proc)
        finally:
            if proc.returncode is None:
                proc.kill()
                proc.close(timeout=2.0)
        for scratch in _scratch:
            shutil.rmtree(scratch, ignore_errors=True)
        stderr = _text(_read(log))
        dead = result.pop("dead", None)
        if dead == "died":
            last = _last_error_lines(stderr)
            if last:
                result["feedback"] += f"\nlast lines of its stderr:\n{last}"
        result["feedback"] = f"{candidate}: {result['feedback']}" if dead else result["feedback"]
        if stderr.strip():
            result.setdefault("artifacts", {})["stderr"] = stderr
        if result.get("correct"):
            result["checks"] = [{"name": "exists", "ok": True}, {"name": "static", "ok": True}] + result["checks"]
            result["artifacts"]["device"] = p.get("device_note", str(device))
            if p.get("finish"):
                p["finish"](result)
        elif result["checks"] and result["checks"][0]["name"] != "memory":
            result["checks"] = [{"name": "exists", "ok": True}, {"name": "static", "ok": True}] + result["checks"]
    write(result, ctx)
