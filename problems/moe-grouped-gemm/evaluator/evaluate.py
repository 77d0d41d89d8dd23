#!/usr/bin/python3
"""Evaluator for moe-grouped-gemm: static checks, then grouped_gemm.py in a child process (moe_child.py), one JSON result.

Contract (evaluators/result.ts): ADRS_STAGE screen|verify|time, ADRS_SEED, ADRS_RESULT, ADRS_WORKSPACE (holds
grouped_gemm.py), ADRS_WORKLOADS (folder of *.json shapes; default: ../workloads/<stage>), ADRS_SAMPLES (timing
samples). ADRS_DEVICE=cpu|cuda picks the device (default: cuda when torch sees one); on CPU every shape is
shrunk (its "cpu" entry, else capped) and computed in fp32. A workload file is
{"experts", "tokens" | "counts", "k", "n", "dtype": fp16|bf16|fp32, "skew", "zero_experts", "seed", "time", "cpu"}.
Failures of the candidate are data (correct: false plus feedback); a broken setup exits 2.
"""

import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The shared kernel harness (evaluators/harness/kernel): the platform mounts evaluators/harness read-only
# and names it in ADRS_HARNESS; run from a checkout, it is found next to the problems folder.
KERNEL_HARNESS = os.path.join(
    os.environ.get("ADRS_HARNESS") or os.path.join(HERE, "..", "..", "..", "evaluators", "harness"), "kernel")
sys.path.insert(0, HERE)
sys.path.insert(0, KERNEL_HARNESS)
sys.dont_write_bytecode = True

import adrs_kernel_parent as parent  # noqa: E402

CANDIDATE = "grouped_gemm.py"
CHILD_TIMEOUT_S = {"screen": 100, "verify": 270, "time": 100}
INT_FIELDS = ("experts", "k", "n", "seed")


def load_workloads(folder):
    files = sorted(glob.glob(os.path.join(folder, "*.json")))
    if not files:
        raise parent.SetupError(f"no workload files (*.json) in {folder!r} (set ADRS_WORKLOADS to a workloads folder)")
    loads = []
    for path in files:
        try:
            with open(path, encoding="utf-8") as fh:
                w = json.load(fh)
        except (OSError, ValueError) as error:
            raise parent.SetupError(f"{path}: not readable JSON ({error})") from error
        if not isinstance(w, dict):
            raise parent.SetupError(f"{path}: must be a JSON object")
        for field in INT_FIELDS:
            if not isinstance(w.get(field), int) or w[field] < (0 if field == "seed" else 1):
                raise parent.SetupError(f'{path}: field "{field}" must be a positive integer')
        counts = w.get("counts")
        if counts is not None and (not isinstance(counts, list) or len(counts) != w["experts"]
                                   or not all(isinstance(c, int) and c >= 0 for c in counts)):
            raise parent.SetupError(f'{path}: field "counts" must list one non-negative integer per expert')
        if counts is None and (not isinstance(w.get("tokens"), int) or w["tokens"] < 1):
            raise parent.SetupError(f'{path}: give "tokens" (a positive integer) or "counts"')
        if w.get("dtype", "bf16") not in ("fp16", "bf16", "fp32"):
            raise parent.SetupError(f'{path}: field "dtype" must be fp16, bf16 or fp32')
        w["file"] = os.path.basename(path)
        loads.append(w)
    return loads


def main():
    try:
        ctx = parent.context()
        folder = ctx["workloads"] or os.path.join(HERE, "..", "workloads", "verify" if ctx["stage"] == "verify" else "screen")
        workloads = load_workloads(folder)
    except parent.SetupError as error:
        print(f"moe-grouped-gemm evaluator: {error}", file=sys.stderr)
        return 2
    parent.evaluate_candidate(ctx, os.path.join(HERE, "moe_child.py"), CANDIDATE, "half", {"workloads": workloads},
                              CHILD_TIMEOUT_S)
    return 0


if __name__ == "__main__":
    sys.exit(main())
