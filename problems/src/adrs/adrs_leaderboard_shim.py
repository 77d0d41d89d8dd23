"""Runs an ADRS leaderboard problem's evaluator.py, unchanged, inside the adrs sandbox.

The leaderboard runs `evaluator.py --solution solution.py --out results.json` from the problem folder, with its data
under <repo>/datasets/<problem>/ (the evaluator looks there and at /datasets/<problem>/). This shim lays the same
tree out in a private temporary folder (the sandbox's copy of the evaluator is read-only, and the evaluator writes
output_program.py beside itself), runs the evaluator on the candidate's solution.py and maps results.json onto the
adrs result: every finite number is a metric, `score` is the primary one, and an `error` key or a failed run makes
the candidate incorrect.
"""

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    with open(os.path.join(HERE, "adrs_leaderboard.json")) as f:
        settings = json.load(f)
    name = settings["name"]
    workspace = os.environ.get("ADRS_WORKSPACE", os.getcwd())
    root = tempfile.mkdtemp(prefix="adrs-leaderboard-")
    problem = os.path.join(root, "problems", name)
    shutil.copytree(os.path.join(HERE, "leaderboard"), problem)
    if os.path.isdir(os.path.join(HERE, "datasets")):
        shutil.copytree(os.path.join(HERE, "datasets"), os.path.join(root, "datasets", name))
    for folder, _, _ in os.walk(root):  # the copies keep the read-only mode of the sandbox's evaluator folder
        os.chmod(folder, 0o700)
    out = os.path.join(root, "results.json")
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, os.path.join(problem, "evaluator.py"), "--solution",
         os.path.join(workspace, settings["program"]), "--out", out],
        cwd=problem, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
    )
    elapsed = time.perf_counter() - t0
    try:
        with open(out) as f:
            payload = json.load(f)
    except (OSError, ValueError):
        payload = {}
    metrics = {k: float(v) for k, v in payload.items()
               if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))}
    feedback = []
    if "error" in payload:
        feedback.append("the leaderboard evaluator reported an error: %s" % payload["error"])
    if not payload:
        feedback.append("evaluator.py wrote no results (exit status %d):\n%s" % (
            proc.returncode, "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-40:])))
    correct = bool(payload) and "error" not in payload and "score" in metrics
    result = {
        "correct": correct,
        "metrics": metrics,
        "timings": {"evaluate": [elapsed]},
        "feedback": "\n".join(feedback),
        "artifacts": {"stdout": proc.stdout[-20000:]} if proc.stdout else {},
        "checks": [{"name": "evaluator.py", "ok": proc.returncode == 0,
                    **({} if proc.returncode == 0 else {"detail": "exit status %d" % proc.returncode})}],
    }
    with open(os.environ["ADRS_RESULT"], "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
