#!/usr/bin/python3
"""Evaluator for moe-grouped-gemm: static checks, inputs and references here, grouped_gemm.py in a child (moe_child.py).

The child (the candidate's uid) only gets inputs and sends outputs back; this process compares them with the
references it computed and keeps its own clock (adrs_kernel_conductor). One JSON result.

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


def remaker(mi, s, seed, device):
    """Fresh inputs of the same shape for the k-th timed batch (the routing may differ; the sizes do not)."""
    return lambda k: mi.maker(s, mi.mixed_seed(seed, s["seed"], s["file"], "time", k), device)()


def planner(ctx, workloads):
    """The plan for the conductor, made in this trusted process (see adrs_kernel_parent.evaluate_candidate)."""

    def plan(device):
        import moe_inputs as mi
        import torch

        stage, seed = ctx["stage"], ctx["seed"]
        warmup, trials, samples = mi.TIMING[device.type][stage]
        cases, timed = [], []
        for w in workloads:
            s = mi.shape(w, device)
            for t in range(mi.TRIALS_PER_WORKLOAD[stage]):
                cases.append(parent.Case(mi.label(s, t), mi.maker(s, mi.mixed_seed(seed, s["seed"], s["file"], "check", t), device)))
            if s.get("time"):
                timed.append(parent.Case(mi.label(s), mi.maker(s, mi.mixed_seed(seed, s["seed"], s["file"], "time"), device),
                                         remaker(mi, s, seed, device)))
        if not timed:
            timed = cases[-1:]

        def finish(result):
            m = result["metrics"]
            flops = sum(2.0 * c.args[0].shape[0] * c.args[0].shape[1] * c.args[1].shape[2] for c in timed)
            m["tflops"] = flops / m["kernel_time_s"] / 1e12 if m["kernel_time_s"] > 0 else 0.0
            m["speedup_vs_torch"] = m["reference_time_s"] / m["kernel_time_s"] if m["kernel_time_s"] > 0 else 0.0
            names = ", ".join(c.label for c in timed)
            result["feedback"] = (
                f"correct on {len(cases)} random input sets ({len(workloads)} shapes: "
                f"{', '.join(w['file'] for w in workloads)}; fresh routing and values each). "
                f"Timed on {device}: {names}: median total {m['kernel_time_s'] * 1e3:.3f} ms = {m['tflops']:.2f} TFLOP/s, "
                f"{m['speedup_vs_torch']:.2f}x the per-expert torch.matmul loop ({m['reference_time_s'] * 1e3:.3f} ms)."
            )
            if m["speedup_vs_torch"] > 10:
                result["feedback"] += " WARNING: more than 10x faster than the reference (KernelBench's excessive-speedup flag)."

        note = torch.cuda.get_device_name(device) if device.type == "cuda" else "torch CPU fallback, fp32, shrunk shapes"
        return {"cases": cases, "timed": timed, "reference": mi.reference, "warmup": warmup, "trials": trials,
                "samples": samples, "time_reference": True, "determinism": True, "request": {},
                "device_note": f"{device} ({note})", "finish": finish}

    return plan


def main():
    try:
        ctx = parent.context()
        folder = ctx["workloads"] or os.path.join(HERE, "..", "workloads", "verify" if ctx["stage"] == "verify" else "screen")
        workloads = load_workloads(folder)
    except parent.SetupError as error:
        print(f"moe-grouped-gemm evaluator: {error}", file=sys.stderr)
        return 2
    parent.evaluate_candidate(ctx, os.path.join(HERE, "moe_child.py"), CANDIDATE, "half", planner(ctx, workloads),
                              CHILD_TIMEOUT_S)
    return 0


if __name__ == "__main__":
    sys.exit(main())
