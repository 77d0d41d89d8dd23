#!/usr/bin/python3
"""Evaluator of a problem imported from KernelBench (adrs problems import kernelbench): one JSON result.

Static checks on model_new.py (lines copied from the reference are exempt); then, in this trusted process, the
reference Model, the inputs and the reference outputs, while kernelbench_child.py runs the candidate's ModelNew
in the candidate's uid and only sends outputs back (adrs_kernel_conductor compares and times): KernelBench semantics (5 correctness trials with seeds derived from 42, fresh get_inputs()
per trial, the reference run first, allclose with fp32 1e-4 / fp16 and bf16 1e-2; speedup = t_ref / t_new
with both timed the same way; > 10x is flagged in the feedback) plus the runtime defences of kernels.md B.2.
Environment: see adrs_kernel_parent (ADRS_STAGE, ADRS_SEED, ADRS_RESULT, ADRS_WORKSPACE, ADRS_SAMPLES,
ADRS_DEVICE=cpu|cuda). The verify stage derives its seeds (inputs and weights) from ADRS_SEED as well.
"""

import hashlib
import importlib.util
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
TIMING = {  # (warm-up calls, timed calls per sample, default samples); KernelBench: 3 warm-up, 100 trials
    "cuda": {"screen": (3, 100, 3), "verify": (3, 100, 5), "time": (3, 100, 1)},
    "cpu": {"screen": (1, 5, 3), "verify": (1, 5, 5), "time": (1, 5, 1)},
}
EXCESSIVE_SPEEDUP = 10.0


def mixed_seed(*parts):
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:4], "little") & 0x7FFFFFFF


def load_reference():
    spec = importlib.util.spec_from_file_location("adrs_kernelbench_reference", os.path.join(HERE, "reference.py"))
    if spec is None or spec.loader is None:  # a path ending in .py always has both
        raise ImportError("cannot load reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def planner(ctx, config):
    """The plan for the conductor (adrs_kernel_parent.evaluate_candidate): all of it made in this trusted process."""

    def plan(device):
        import torch

        stage = ctx["stage"]
        ref = load_reference()
        base = int(config.get("seed", 42))
        init_seed = base if stage == "screen" else mixed_seed(base, ctx["seed"], "init")
        trial_base = base if stage == "screen" else mixed_seed(base, ctx["seed"], "trials")
        gen = torch.Generator().manual_seed(trial_base)
        count = int(config.get("correctness_trials", 5)) if stage != "time" else 0
        seeds = [int(torch.randint(0, 2**31 - 1, (1,), generator=gen)) for _ in range(count + 1)]
        torch.manual_seed(init_seed)
        init_inputs = list(ref.get_init_inputs())
        torch.manual_seed(init_seed)
        model = ref.Model(*init_inputs).to(device).eval()

        def reference(*args):
            with torch.no_grad():
                return model(*args)

        def maker(seed):
            def make():
                torch.manual_seed(seed)
                return tuple(v.to(device) if isinstance(v, torch.Tensor) else v for v in ref.get_inputs())

            return make

        warmup, trials, samples = TIMING[device.type][stage]

        def finish(result):
            m = result["metrics"]
            speedup = m["reference_time_s"] / m["kernel_time_s"] if m["kernel_time_s"] > 0 else 0.0
            m["speedup"] = speedup
            m["runtime_ms"] = m["kernel_time_s"] * 1e3
            m["ref_runtime_ms"] = m["reference_time_s"] * 1e3
            m["excessive_speedup"] = 1.0 if speedup > EXCESSIVE_SPEEDUP else 0.0
            checked = f"correct on {count} trials (seeds from {trial_base}, fresh get_inputs() each); " if count else ""
            result["feedback"] = (f"{checked}on {device}: ModelNew {m['runtime_ms']:.4f} ms, reference Model "
                                  f"{m['ref_runtime_ms']:.4f} ms (median of {trials} cold-L2 calls per sample): "
                                  f"speedup {speedup:.3f}x.")
            if speedup > EXCESSIVE_SPEEDUP:
                result["feedback"] += (f" WARNING: excessive speedup (> {EXCESSIVE_SPEEDUP:g}x): KernelBench flags this "
                                       "as a likely measurement or correctness exploit; it will be scrutinised.")

        return {
            "cases": [parent.Case(f"trial {i} (seed {s})", maker(s)) for i, s in enumerate(seeds[:count])],
            "timed": [parent.Case(f"timing inputs (seed {seeds[-1]})", maker(seeds[-1]),
                                  lambda k: maker(mixed_seed(seeds[-1], "batch", k))())],
            "reference": reference, "warmup": warmup, "trials": trials, "samples": samples,
            "time_reference": True, "determinism": "reference",
            "request": {"init_seed": init_seed, "init_inputs": init_inputs},
            "device_note": str(device) + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else " (torch CPU)"),
            "finish": finish,
        }

    return plan


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
                              config.get("precision", "fp32"), planner(ctx, config), child_timeouts(), reference_lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
