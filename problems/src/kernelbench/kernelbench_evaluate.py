#!/usr/bin/python3
"""Evaluator of a problem imported from KernelBench (adrs problems import kernelbench): one JSON result.

Static checks on model_new.py (lines copied from the reference are exempt), then kernelbench_child.py in a
child process: KernelBench semantics (5 correctness trials with seeds derived from 42, fresh get_inputs()
per trial, the reference run first, allclose with fp32 1e-4 / fp16 and bf16 1e-2; speedup = t_ref / t_new
with both timed the same way; > 10x is flagged in the feedback) plus the runtime defences of kernels.md B.2.
Environment: see adrs_kernel_parent (ADRS_STAGE, ADRS_SEED, ADRS_RESULT, ADRS_WORKSPACE, ADRS_SAMPLES,
ADRS_DEVICE=cpu|cuda). The verify stage derives its seeds (inputs and weights) from ADRS_SEED as well.
"""

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

CANDIDATE = "model_new.py"
# Used only when the platform does not say the stage's limit (ADRS_TIMEOUT_S, from problem.yaml timeouts).
CHILD_TIMEOUT_S = {"screen": 150, "verify": 270, "time": 100}


def child_timeouts():
    """The child gets the stage's problem.yaml limit less a margin to report in (10%, at least 5 s, at most 30 s)."""
    limit = os.environ.get("ADRS_TIMEOUT_S")
    try:
        seconds = float(limit) if limit else 0.0
    except ValueError:
        seconds = 0.0
    if seconds <= 0:
        return CHILD_TIMEOUT_S
    child = max(1.0, seconds - min(30.0, max(5.0, seconds * 0.1)))
    return {stage: child for stage in CHILD_TIMEOUT_S}


def main():
    try:
        ctx = parent.context()
        with open(os.path.join(HERE, "kernelbench.json"), encoding="utf-8") as fh:
            config = json.load(fh)
        with open(os.path.join(HERE, "reference.py"), encoding="utf-8") as fh:
            reference_lines = fh.read().split("\n")
    except (parent.SetupError, OSError, ValueError) as error:
        print(f"kernelbench evaluator: {error}", file=sys.stderr)
        return 2
    parent.evaluate_candidate(ctx, os.path.join(HERE, "kernelbench_child.py"), CANDIDATE,
                              config.get("precision", "fp32"), {"config": config}, child_timeouts(), reference_lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
