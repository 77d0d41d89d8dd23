"""adrs evaluator for moe-eplb: validity, simulated GPU/expert balancedness and algorithm time of rebalance_experts.

Environment (evaluators/result.ts): ADRS_STAGE screen|verify|time, ADRS_SEED, ADRS_RESULT (JSON result path),
ADRS_WORKSPACE (holds eplb.py; also the cwd), ADRS_WORKLOADS (folder of *.json traces), ADRS_SAMPLES (time stage).
The candidate runs in a child process (eplb_child.py) in its own trust domain (another uid, adrs_candidate); this
process checks its outputs and times each call on its own clock; whatever the child does, this process writes one result.
A workload folder that cannot be read is the evaluator's problem, not the candidate's: exit 2 with one line on stderr.
"""

import io
import json
import os
import struct
import sys
import tempfile
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
# In a sandbox the harness is on PYTHONPATH; run by hand from a checkout, it is two folders up.
sys.path.append(os.environ.get("ADRS_HARNESS") or os.path.join(HERE, "..", "..", "..", "evaluators", "harness"))

import numpy as np  # noqa: E402

import adrs_candidate  # noqa: E402  (evaluators/harness, on PYTHONPATH)

from eplb_check import CHECK_NAMES, Invalid, check_placement  # noqa: E402
from eplb_score import balancedness, leaderboard_score  # noqa: E402
from eplb_trace import TraceError, load_workloads  # noqa: E402

# The ADRS leaderboard's constants (UCB-ADRS/ADRS-Leaderboard problems/eplb): 9 physical slots per GPU.
NUM_REPLICAS = 288
NUM_GROUPS = 8
NUM_NODES = 4
NUM_GPUS = 32
# Seconds the candidate's child process may run, per stage (below problem.yaml's timeouts); EPLB_CHILD_TIMEOUT_S overrides.
CHILD_TIMEOUT_S = {"screen": 100, "verify": 250, "time": 50}
# Seconds the child may take to start and import eplb.py (not timed, not part of the budget above).
IMPORT_TIMEOUT_S = 60


def config():
    return {"num_replicas": NUM_REPLICAS, "num_groups": NUM_GROUPS, "num_nodes": NUM_NODES, "num_gpus": NUM_GPUS}


def input_kind():
    """EPLB_INPUT (problem.yaml evaluator.env): torch tensors as the ADRS API passes them (the default where torch is
    installed: "auto"), or numpy arrays ("numpy")."""
    kind = os.environ.get("EPLB_INPUT", "auto").strip().lower()
    if kind not in ("auto", "torch", "numpy"):
        raise SystemExit(f"EPLB_INPUT={kind}: use auto, torch or numpy (problem.yaml evaluator.env)")
    return "numpy" if kind == "numpy" else "torch"


def run_child(workspace, weights, warmup, return_outputs, timeout):
    """Runs the candidate on weights, one call per "go"; returns (reply, outputs, stderr tail).

    The child runs as the candidate (adrs_candidate); each call's input is sent before "go", and the time is
    this process's clock from "go" to the last byte of the answer: nothing the candidate reports is believed.
    reply = {"times": [...], "error": None | {"check", "message", "call"}}; outputs maps "phy2log_k"... .
    """
    meta = {"calls": len(weights), "return_outputs": return_outputs, "torch": input_kind() == "torch",
            "args": [NUM_REPLICAS, NUM_GROUPS, NUM_NODES, NUM_GPUS]}
    log = tempfile.TemporaryFile()
    child = adrs_candidate.start([sys.executable, "-I", os.path.join(HERE, "eplb_child.py")], cwd=workspace,
                                 env={"PYTHONDONTWRITEBYTECODE": "1"}, stderr=log.fileno())
    reply, outputs = {"times": [], "error": None}, {}
    deadline = None
    call = None

    def left():
        assert deadline is not None  # set before the first call is sent
        return max(0.001, deadline - time.monotonic())

    try:
        child.send(frame(json.dumps(meta).encode()))
        # Starting Python and importing numpy and eplb.py is not the candidate's time: it has a budget of its own.
        ready = json.loads(read_frame(child, max(timeout, IMPORT_TIMEOUT_S)))
        if ready.get("error"):
            reply["error"] = ready["error"]
            return reply, outputs, tail_of(log)
        deadline = time.monotonic() + timeout
        for i, weight in enumerate(weights):
            call = i - warmup
            buffer = io.BytesIO()
            np.savez(buffer, weight=weight)
            child.send(frame(buffer.getvalue()))
            started = time.perf_counter()
            child.send(b"g")
            answer = read_frame(child, left())
            elapsed = time.perf_counter() - started
            data = np.load(io.BytesIO(answer))
            error = json.loads(str(data["meta"]))["error"]
            if error:
                reply["error"] = {**error, "call": call}
                break
            if i < warmup:
                continue
            reply["times"].append(elapsed)
            for name in ("phy2log", "log2phy", "logcnt"):
                if name in data.files:
                    outputs[f"{name}_{call}"] = data[name]
    except adrs_candidate.CandidateError as error:
        status = child.close(timeout=2.0)
        if deadline is not None and time.monotonic() >= deadline:
            message = f"rebalance_experts did not finish within {timeout:g} s"
        elif status not in (None, 0):
            how = f"signal {-status}" if status < 0 else f"exit code {status}"
            message = f"the candidate process died ({how}) before returning results"
        else:
            message = str(error)
        reply["error"] = {"check": "runs", "message": message}
    except (ValueError, KeyError, OSError) as error:
        reply["error"] = {"check": "runs", "message": f"the candidate process sent an unreadable answer: {error}"}
    finally:
        child.close(timeout=2.0)
    return reply, outputs, tail_of(log)


def frame(body):
    return struct.pack("<Q", len(body)) + body


def read_frame(child, timeout, limit=256 << 20):
    (length,) = struct.unpack("<Q", child.recv(8, timeout))
    if length > limit:
        raise adrs_candidate.CandidateError(f"the candidate announced a {length}-byte answer")
    return child.recv(length, timeout)


def tail_of(log):
    log.seek(0, os.SEEK_END)
    size = log.tell()
    log.seek(max(0, size - 2000))
    return log.read().decode("utf-8", "replace")


def failure(check, message, passed=(), stderr_tail=""):
    checks = [{"name": name, "ok": True} for name in passed] + [{"name": check, "ok": False, "detail": message[:2000]}]
    result = {"correct": False, "metrics": {"score": 0.0, "gpu_balancedness": 0.0, "expert_balancedness": 0.0},
              "feedback": f"{check}: {message}", "checks": checks, "artifacts": {"config": json.dumps(config())}}
    if stderr_tail:
        result["artifacts"]["stderr"] = stderr_tail
    return result


def child_failure(reply, tail, names):
    error = reply["error"]
    call = error.get("call")
    where = ""
    if call is not None:
        where = " (warm-up call)" if call < 0 else f" (call {call}: {names[call]})"
    return failure(error["check"], error["message"] + where, stderr_tail=tail)


def evaluate_placements(workspace, stage, timeout):
    traces = load_workloads(os.environ.get("ADRS_WORKLOADS", ""))
    inputs, scored_on, names = [], [], []
    for name, windows in traces:
        for i in range(len(windows) - 1):
            inputs.append(windows[i])
            scored_on.append(windows[i + 1])
            names.append(f"{name} window {i} -> {i + 1}")
    if not inputs:
        raise TraceError("every trace has a single window; a placement is scored on the next window, so give at least two")
    warm = traces[0][1][-1]  # the last window is never a placement input, so it cannot be memoised
    reply, outputs, tail = run_child(workspace, [warm] + inputs, 1, True, timeout)
    if reply.get("error"):
        return child_failure(reply, tail, names)
    times = reply["times"]
    gpu, expert = [], []
    for k, load in enumerate(scored_on):
        try:
            phy2log, logcnt = check_placement(outputs[f"phy2log_{k}"], outputs[f"log2phy_{k}"], outputs[f"logcnt_{k}"],
                                              load, NUM_REPLICAS)
        except Invalid as bad:
            passed = CHECK_NAMES[:CHECK_NAMES.index(bad.check)]
            return failure(bad.check, f"{bad} ({names[k]})", ["import", "runs"] + passed, tail)
        g, e = balancedness(phy2log, logcnt, load, NUM_GPUS)
        gpu.append(g)
        expert.append(e)
    mean_time = float(np.mean(times))
    gpu_bal, expert_bal = float(np.mean(gpu)), float(np.mean(expert))
    score = leaderboard_score(gpu_bal, mean_time)
    worst = int(np.argmin(gpu))
    per_file = {}
    for name, g in zip(names, gpu):
        per_file.setdefault(name.split(" window ")[0], []).append(g)
    feedback = (f"valid on {len(inputs)} window pairs ({stage} set, {len(traces)} trace files). "
                f"GPU balancedness {gpu_bal:.4f} (worst {gpu[worst]:.4f} on {names[worst]}), expert balancedness "
                f"{expert_bal:.4f}, mean rebalance_experts time {mean_time * 1e3:.2f} ms. "
                f"Score {score:.3f} = 90*{gpu_bal:.4f} + 5*min(0.002/t, 2) - (t > 10 ms ? min(20 t, 20) : 0).")
    return {
        "correct": True,
        "metrics": {"score": score, "gpu_balancedness": gpu_bal, "expert_balancedness": expert_bal,
                    "algorithm_time_s": mean_time},
        "timings": {"algorithm": times},
        "feedback": feedback,
        "checks": [{"name": n, "ok": True} for n in ["import", "runs"] + CHECK_NAMES],
        "artifacts": {"config": json.dumps(config()),
                      "per_file_gpu_balancedness": json.dumps({f: float(np.mean(v)) for f, v in per_file.items()})},
    }


def evaluate_time(workspace, seed, samples, timeout):
    traces = load_workloads(os.environ.get("ADRS_WORKLOADS", ""))
    pool = [w for _, windows in traces for w in windows]
    rng = np.random.default_rng(seed)
    start = int(rng.integers(len(pool)))
    # Each call gets its own window, scaled by a random factor: the work is the same, the bytes are not.
    weights = [pool[(start + i) % len(pool)] * rng.uniform(0.5, 2.0) for i in range(samples + 1)]
    reply, _, tail = run_child(workspace, weights, 1, False, timeout)
    if reply.get("error"):
        return child_failure(reply, tail, [f"timing call {i}" for i in range(samples)])
    times = reply["times"]
    return {"correct": True, "metrics": {"algorithm_time_s": float(np.mean(times))}, "timings": {"algorithm": times},
            "feedback": f"{samples} timed call(s), mean {np.mean(times) * 1e3:.3f} ms",
            "checks": [{"name": "import", "ok": True}, {"name": "runs", "ok": True}],
            "artifacts": {"config": json.dumps(config())}}


def main():
    result_path = os.environ.get("ADRS_RESULT")
    if not result_path:
        print("moe-eplb evaluator: ADRS_RESULT is not set (the platform sets it to the result JSON path)", file=sys.stderr)
        return 2
    stage = os.environ.get("ADRS_STAGE", "screen")
    if stage not in ("screen", "verify", "time"):
        print(f"moe-eplb evaluator: ADRS_STAGE={stage!r}, expected screen, verify or time", file=sys.stderr)
        return 2
    workspace = os.environ.get("ADRS_WORKSPACE") or os.getcwd()
    seed = int(os.environ.get("ADRS_SEED") or 0)
    samples = max(1, int(os.environ.get("ADRS_SAMPLES") or 1))
    timeout = float(os.environ.get("EPLB_CHILD_TIMEOUT_S") or CHILD_TIMEOUT_S[stage])
    try:
        if stage == "time":
            result = evaluate_time(workspace, seed, samples, timeout)
        else:
            result = evaluate_placements(workspace, stage, timeout)
    except TraceError as error:
        print(f"moe-eplb evaluator: workloads: {error}", file=sys.stderr)
        return 2
    with open(result_path, "w", encoding="utf-8") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
