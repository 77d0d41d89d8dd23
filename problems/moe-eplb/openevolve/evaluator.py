"""OpenEvolve-format twin of problems/moe-eplb: `evaluate(program_path) -> dict`, as an OpenEvolve evaluator.

It scores a program exactly as the native moe-eplb evaluator does (the same modules, linked from
../evaluator): validity, GPU and expert balancedness with the placement from window i scored on window i+1,
mean algorithm time, and the ADRS leaderboard score as combined_score. `adrs eval problems/moe-eplb/openevolve`
runs it unchanged inside the sandbox through adrs's OpenEvolve shim; OpenEvolve itself can run it too.
"""

import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import eplb_evaluate  # noqa: E402  (the native evaluator's functions)

STAND_IN_LINE = b"# -*- coding: adrs_proxy -*-\n"


def evaluate(program_path):
    os.environ["ADRS_WORKLOADS"] = os.path.join(HERE, "workloads")
    # The candidate's child (another uid in an adrs sandbox) must read this folder; $TMPDIR is the evaluator's own.
    workspace = tempfile.mkdtemp(prefix="eplb-oe-", dir="/tmp" if os.path.isdir("/tmp") else None)
    os.chmod(workspace, 0o755)
    try:
        # Under adrs, program_path is a stand-in (its first line names the adrs_proxy codec, then the program's text
        # unchanged): this evaluator runs the program in a child of the candidate's own, so it takes the text.
        with open(program_path, "rb") as src, open(os.path.join(workspace, "eplb.py"), "wb") as dst:
            data = src.read()
            dst.write(data[len(STAND_IN_LINE):] if data.startswith(STAND_IN_LINE) else data)
        os.chmod(os.path.join(workspace, "eplb.py"), 0o644)
        result = eplb_evaluate.evaluate_placements(workspace, "screen", eplb_evaluate.CHILD_TIMEOUT_S["screen"])
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    metrics = dict(result["metrics"])
    metrics["combined_score"] = metrics.pop("score")
    if not result["correct"]:
        metrics["validity"] = 0.0
        metrics["error"] = result["feedback"]
    return metrics
