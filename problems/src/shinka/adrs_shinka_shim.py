"""Runs a ShinkaEvolve task's evaluate.py inside the adrs sandbox and writes the adrs evaluator result.

Copied next to the task's files when adrs converts a Shinka folder; the task's files are never edited. As Shinka's
scheduler does, it runs `python evaluate.py --program_path P --results_dir D` in a child process, then reads
D/metrics.json and D/correct.json and maps them as Shinka does: the score is metrics["combined_score"] (0 when
absent), correct is correct.json's "correct" (false when absent), `public` metrics are shown (numbers become adrs
metrics), `private` metrics stay hidden from the model, `text_feedback` is feedback. `from shinka.core import
run_shinka_eval` resolves to adrs's stand-in (adrs_compat/shinka) unless the sandbox has the real package.
Under trust domains a Python program reaches evaluate.py as a stand-in whose functions run in a process of the
candidate's own (evaluators/harness/adrs_program_proxy.py): evaluate.py and run_shinka_eval never run its code.
"""

import json
import math
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def finite_numbers(d):
    out = {}
    for k, v in (d or {}).items():
        if isinstance(v, bool):
            continue
        if isinstance(v, (int, float)) and math.isfinite(float(v)):
            out[str(k)] = float(v)
    return out


def read_json(path):
    try:
        with open(path) as f:
            value = json.load(f)
        return value if isinstance(value, dict) else {}
    except (OSError, ValueError):
        return {}


def tail(text, n=40):
    return "\n".join(text.strip().splitlines()[-n:])


def main():
    with open(os.path.join(HERE, "adrs_shinka.json")) as f:
        settings = json.load(f)
    workspace = os.environ.get("ADRS_WORKSPACE", os.getcwd())
    program = os.path.join(workspace, settings["program"])
    broker = None
    if os.environ.get("ADRS_TRUST_DOMAINS") != "0" and program.endswith(".py") and os.path.isfile(program):
        # evaluate.py (and run_shinka_eval) import a stand-in whose functions run in a process of the
        # candidate's own (adrs_program_proxy); stand_in puts the codec and the broker's socket in os.environ.
        harness = os.environ.get("ADRS_HARNESS")
        if harness and harness not in sys.path:
            sys.path.append(harness)
        import adrs_program_proxy

        program, broker = adrs_program_proxy.stand_in(program, workspace)
    results = tempfile.mkdtemp(prefix="shinka-results-")
    env = dict(os.environ)
    # Last on the path: a real `shinka` installed in the sandbox's Python wins over the stand-in.
    env["PYTHONPATH"] = os.pathsep.join(p for p in [env.get("PYTHONPATH", ""), os.path.join(HERE, "adrs_compat")] if p)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, os.path.join(HERE, "evaluate.py"), "--program_path", program, "--results_dir", results],
        cwd=HERE, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
    )
    elapsed = time.perf_counter() - t0
    if broker is not None:
        broker.stop()
    metrics_json = read_json(os.path.join(results, "metrics.json"))
    correct_json = read_json(os.path.join(results, "correct.json"))
    score = metrics_json.get("combined_score", 0.0)
    score = float(score) if isinstance(score, (int, float)) and math.isfinite(float(score)) else 0.0
    metrics = {}
    metrics.update(finite_numbers({k: v for k, v in metrics_json.items() if k not in ("public", "private")}))
    metrics.update(finite_numbers(metrics_json.get("public") if isinstance(metrics_json.get("public"), dict) else {}))
    metrics["combined_score"] = score
    correct = correct_json.get("correct") is True
    feedback = []
    if correct_json.get("error"):
        feedback.append("error: %s" % correct_json["error"])
    if isinstance(metrics_json.get("text_feedback"), str) and metrics_json["text_feedback"]:
        feedback.append(metrics_json["text_feedback"])
    public_text = {k: v for k, v in (metrics_json.get("public") or {}).items() if isinstance(v, str)}
    if public_text:
        feedback.append("\n".join("%s: %s" % (k, v[:1500]) for k, v in public_text.items()))
    checks = [{"name": "evaluate.py", "ok": proc.returncode == 0,
               **({} if proc.returncode == 0 else {"detail": "exit status %d" % proc.returncode})}]
    if not metrics_json:
        correct = False
        feedback.append("evaluate.py wrote no metrics.json (exit status %d):\n%s" % (
            proc.returncode, tail(proc.stderr or proc.stdout)))
    elif not correct and not correct_json:
        feedback.append("evaluate.py wrote no correct.json (Shinka counts that as incorrect)")
    result = {
        "correct": bool(correct),
        "metrics": metrics,
        "timings": {"evaluate": [elapsed]},
        "feedback": "\n".join(feedback),
        "artifacts": {"stdout": proc.stdout[-20000:]} if proc.stdout else {},
        "checks": checks,
    }
    with open(os.environ["ADRS_RESULT"], "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
