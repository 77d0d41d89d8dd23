"""The parent side of a kernel evaluation: static checks, then the candidate's child process, then one JSON result.

The parent never imports torch or the candidate. It runs the static checks (adrs_kernel_static), starts the
problem's child script in its own session with a JSON request on stdin (including a random nonce), kills
the whole process group on timeout, and accepts only a reply that echoes the nonce. Whatever the candidate
does, the parent writes one result (evaluators/result.ts) to ADRS_RESULT.

Environment: ADRS_STAGE, ADRS_SEED, ADRS_RESULT, ADRS_WORKSPACE, ADRS_WORKLOADS, ADRS_SAMPLES (set by the
platform); ADRS_DEVICE=cpu|cuda forces a device (default: cuda when torch sees one, else cpu);
KERNEL_STATIC_CHECKS=warn reports static findings without refusing (to exercise the runtime defences);
KERNEL_CHILD_TIMEOUT_S overrides the child's time limit.
"""

import json
import os
import secrets
import shutil
import sys
import tempfile

import adrs_kernel_static as static

# adrs_candidate lives one folder up (on PYTHONPATH in a sandbox; found here when run from a checkout).
sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import adrs_candidate  # noqa: E402

STAGES = ("screen", "verify", "time")


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


def run_child(script, request, workspace, timeout):
    """Runs `script` with `request` (a dict) on stdin; returns (reply dict or None, why not, stderr tail).

    The child (the candidate's kernel with the timer and the correctness check beside it: CUDA events time work
    in the CUDA context of the process that launched it) runs in the candidate's trust domain through
    adrs_candidate: another uid, only its own pipes, so it cannot read this process's environment or files or
    write the result. What it reports about time and correctness is still self-reported (see the README).
    """
    nonce = secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADRS_") or k == "ADRS_DEVICE"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # The candidate's uid has no writable home and cannot open $TMPDIR (this process's own): Triton and
    # load_inline compile into a fresh folder under /tmp that it owns for the run.
    scratch = tempfile.mkdtemp(prefix="adrs-kernel-cache-", dir="/tmp" if os.path.isdir("/tmp") else None)
    os.chmod(scratch, 0o1777)
    env["TRITON_CACHE_DIR"] = os.path.join(scratch, "triton")
    env["TORCH_EXTENSIONS_DIR"] = os.path.join(scratch, "torch_extensions")
    env["HOME"] = scratch
    # The child imports the kernel harness (this folder) and the evaluator's own modules (the script's folder).
    env["PYTHONPATH"] = os.pathsep.join([os.path.dirname(os.path.abspath(script)), os.path.dirname(os.path.abspath(__file__)), workspace])
    log = tempfile.TemporaryFile()
    child = adrs_candidate.start([sys.executable, script], cwd=workspace, env=env, stderr=log.fileno())
    payload = json.dumps({**request, "nonce": nonce}).encode()
    try:
        out = child.communicate(payload, timeout)
    except adrs_candidate.CandidateError:
        child.kill()
        child.close(timeout=2.0)
        shutil.rmtree(scratch, ignore_errors=True)
        return None, f"did not finish within {timeout:g} s", _text(_read(log))
    status = child.close(timeout=2.0)  # and anything the candidate left running in its session is killed
    shutil.rmtree(scratch, ignore_errors=True)
    err = _read(log)
    try:
        reply = json.loads(out.decode("utf-8"))
    except ValueError:
        reply = None
    if not isinstance(reply, dict) or reply.get("nonce") != nonce:
        status = 0 if status is None else status
        how = f"signal {-status}" if status < 0 else f"exit code {status}"
        why = "wrote an unexpected reply on the evaluator's channel" if out.strip() else "died"
        return None, f"the candidate process {why} ({how}) before the evaluator could report", _text(err)
    reply.pop("nonce", None)
    return reply, None, _text(err)


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


def evaluate_candidate(ctx, child_script, candidate, precision, extra, child_timeout_s, reference_lines=None):
    """The shared body of a kernel evaluator: static checks, then the candidate in a child process, then one result.

    `extra` goes into the child's request next to stage, seed, samples, device and the candidate's file name.
    """
    result = static_result(ctx["workspace"], candidate, precision, reference_lines or ())
    if result is None:
        timeout = float(os.environ.get("KERNEL_CHILD_TIMEOUT_S") or child_timeout_s[ctx["stage"]])
        request = {"stage": ctx["stage"], "seed": ctx["seed"], "samples": ctx["samples"], "device": ctx["device"],
                   "candidate": candidate, **extra}
        reply, why, stderr = run_child(child_script, request, ctx["workspace"], timeout)
        if reply is None:
            timed_out = (why or "").startswith("did not finish")
            last = _last_error_lines(stderr)
            message = f"{candidate}: {why}" + (f"\nlast lines of its stderr:\n{last}" if last and not timed_out else "")
            # "timeout" makes the platform report the evaluation as a timeout, not as an incorrect candidate.
            result = failure("timeout" if timed_out else "runs", message, ["exists", "static"])
        else:
            result = reply
        if stderr.strip():
            result.setdefault("artifacts", {})["stderr"] = stderr
        if reply is not None and result.get("correct"):
            result["checks"] = [{"name": "exists", "ok": True}, {"name": "static", "ok": True}] + result["checks"]
    write(result, ctx)
