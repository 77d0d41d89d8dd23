"""Child process of a KernelBench evaluation: reference Model first, then the candidate's ModelNew.

Reads the request (stage, seed, samples, device, config) on stdin and replies through
adrs_kernel_driver.serve. Weights: both models are built right after torch.manual_seed(init seed) (42 in
screening, as KernelBench; derived from ADRS_SEED in verification), so a ModelNew that creates the same
parameters in the same order gets the same weights. Inputs: one torch.manual_seed(trial seed) +
get_inputs() per trial, created on CPU and moved to the device, as KernelBench does.
"""

import hashlib
import importlib.util
import os
import sys

import adrs_kernel_guard as guard  # noqa: F401 - binds clocks and comparisons before any candidate code
import adrs_kernel_driver as driver
import adrs_kernel_timing as timing
import torch
from adrs_kernel_guard import Refused

HERE = os.path.dirname(os.path.abspath(__file__))
TIMING = {  # (warm-up calls, timed calls per sample, default samples); KernelBench: 3 warm-up, 100 trials
    "cuda": {"screen": (3, 100, 3), "verify": (3, 100, 5), "time": (3, 100, 1)},
    "cpu": {"screen": (1, 5, 3), "verify": (1, 5, 5), "time": (1, 5, 1)},
}
EXCESSIVE_SPEEDUP = 10.0


def mixed_seed(*parts):
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:4], "little") & 0x7FFFFFFF


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # a path ending in .py always has both
        raise ImportError("cannot load " + str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def to_device(values, device):
    return tuple(v.to(device) if isinstance(v, torch.Tensor) else v for v in values)


def no_grad(model):
    def call(*args):
        with torch.no_grad():
            return model(*args)

    return call


def handle(request):
    device = driver.pick_device(request["device"])
    stage, config = request["stage"], request["config"]
    ref = load_module(os.path.join(HERE, "reference.py"), "adrs_kernelbench_reference")
    base = int(config.get("seed", 42))
    init_seed = base if stage == "screen" else mixed_seed(base, request["seed"], "init")
    trial_base = base if stage == "screen" else mixed_seed(base, request["seed"], "trials")
    gen = torch.Generator().manual_seed(trial_base)
    count = int(config.get("correctness_trials", 5)) if stage != "time" else 0
    seeds = [int(torch.randint(0, 2**31 - 1, (1,), generator=gen)) for _ in range(count + 1)]

    torch.manual_seed(init_seed)
    init_inputs = ref.get_init_inputs()
    torch.manual_seed(init_seed)
    model = ref.Model(*init_inputs).to(device).eval()

    def maker(seed):
        def make():
            torch.manual_seed(seed)
            return to_device(ref.get_inputs(), device)

        return make

    cases = [driver.Case(f"trial {i} (seed {s})", maker(s)) for i, s in enumerate(seeds[:count])]
    timed = [driver.Case(f"timing inputs (seed {seeds[-1]})", maker(seeds[-1]))]

    def load():
        module = load_module(os.path.join(os.getcwd(), request["candidate"]), "model_new")
        cls = getattr(module, "ModelNew", None)
        if not isinstance(cls, type):
            raise Refused("api", f"{request['candidate']} defines no class ModelNew (same __init__/forward as Model)")
        torch.manual_seed(init_seed)
        args = ref.get_init_inputs()
        torch.manual_seed(init_seed)
        return no_grad(cls(*args).to(device).eval())

    warmup, trials, default_samples = TIMING[device.type][stage]
    cfg = {"device": device, "warmup": warmup, "trials": trials, "samples": request["samples"] or default_samples,
           "time_reference": True, "determinism": "reference"}
    result = driver.run(cfg, cases, timed, no_grad(model), load, [sys.modules[__name__], driver, timing])
    result["artifacts"]["device"] = str(device) + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else " (torch CPU)")
    if result["correct"]:
        m = result["metrics"]
        speedup = m["reference_time_s"] / m["kernel_time_s"] if m["kernel_time_s"] > 0 else 0.0
        m["speedup"] = speedup
        m["runtime_ms"] = m["kernel_time_s"] * 1e3
        m["ref_runtime_ms"] = m["reference_time_s"] * 1e3
        m["excessive_speedup"] = 1.0 if speedup > EXCESSIVE_SPEEDUP else 0.0
        checked = f"correct on {count} trials (seeds from {trial_base}, fresh get_inputs() each); " if count else ""
        result["feedback"] = (f"{checked}on {device}: ModelNew {m['runtime_ms']:.4f} ms, reference Model "
                              f"{m['ref_runtime_ms']:.4f} ms (median of {trials} cold-L2 calls per sample): speedup {speedup:.3f}x.")
        if speedup > EXCESSIVE_SPEEDUP:
            result["feedback"] += (f" WARNING: excessive speedup (> {EXCESSIVE_SPEEDUP:g}x): KernelBench flags this as a "
                                   "likely measurement or correctness exploit; it will be scrutinised.")
    return result


if __name__ == "__main__":
    driver.serve(handle)
