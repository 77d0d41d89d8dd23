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
CHILD_TIMEOUT_S = {"screen": 150, "verify": 270, "time": 100}


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
    result = parent.static_result(ctx["workspace"], CANDIDATE, config.get("precision", "fp32"), reference_lines)
    if result is None:
        timeout = float(os.environ.get("KERNEL_CHILD_TIMEOUT_S") or CHILD_TIMEOUT_S[ctx["stage"]])
        request = {"stage": ctx["stage"], "seed": ctx["seed"], "samples": ctx["samples"], "device": ctx["device"],
                   "config": config, "candidate": CANDIDATE}
        reply, why, stderr = parent.run_child(os.path.join(HERE, "kernelbench_child.py"), request, ctx["workspace"], timeout)
        result = reply if reply is not None else parent.failure("runs", f"{CANDIDATE}: {why}", ["exists", "static"])
        if stderr.strip():
            result.setdefault("artifacts", {})["stderr"] = stderr
        if reply is not None and result.get("correct"):
            result["checks"] = [{"name": "exists", "ok": True}, {"name": "static", "ok": True}] + result["checks"]
    parent.write(result, ctx)
    return 0


if __name__ == "__main__":
    sys.exit(main())
