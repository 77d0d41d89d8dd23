"""Child process of the moe-grouped-gemm evaluator: random routed inputs, the torch reference, then the candidate.

Reads the request (stage, seed, samples, device, workloads) as JSON on stdin; replies with the evaluator
result through adrs_kernel_driver.serve. adrs_kernel_guard is imported first, before the candidate exists.
"""

import hashlib
import importlib.util
import math
import os
import sys

import adrs_kernel_guard as guard  # noqa: F401 - binds clocks and comparisons before any candidate code
import adrs_kernel_driver as driver
import adrs_kernel_timing as timing
import torch
from adrs_kernel_guard import Refused

DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}
CPU_CAPS = {"tokens": 384, "k": 96, "n": 80, "experts": 16}
TRIALS_PER_WORKLOAD = {"screen": 2, "verify": 3, "time": 0}
TIMING = {  # (warm-up calls, timed calls per sample, default samples) per stage; CPU uses fewer calls
    "cuda": {"screen": (3, 30, 3), "verify": (5, 100, 5), "time": (5, 100, 1)},
    "cpu": {"screen": (1, 3, 3), "verify": (1, 5, 5), "time": (1, 5, 1)},
}


def mixed_seed(*parts):
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:7], "little")


def shape(w, device):
    """The workload as run on this device: CPU shrinks it (its "cpu" entry, else caps) and uses fp32."""
    s = dict(w)
    if device.type == "cpu":
        if "cpu" in w:
            s.update(w["cpu"])
        else:
            for key, cap in CPU_CAPS.items():
                if key in s and key != "experts":
                    s[key] = min(s[key], cap)
        s["dtype"] = "fp32"
        if "counts" in s and len(s["counts"]) != s["experts"]:
            del s["counts"]
    return s


def routed_counts(s, gen):
    experts = s["experts"]
    if "counts" in s:
        return torch.tensor(s["counts"], dtype=torch.int64)
    ranks = torch.randperm(experts, generator=gen).double()
    probs = 1.0 / (ranks + 1.0) ** float(s.get("skew", 1.0))
    zero = torch.randperm(experts, generator=gen)[: int(s.get("zero_experts", 0))]
    probs[zero] = 0.0
    picks = torch.multinomial(probs, s["tokens"], replacement=True, generator=gen)
    return torch.bincount(picks, minlength=experts)


def maker(s, seed, device):
    def make():
        gen = torch.Generator().manual_seed(seed)
        counts = routed_counts(s, gen)
        offsets = torch.zeros(s["experts"] + 1, dtype=torch.int64)
        offsets[1:] = torch.cumsum(counts, 0)
        dev_gen = torch.Generator(device=device).manual_seed(seed)
        dtype = DTYPES[s["dtype"]]
        tokens = int(offsets[-1])
        x = torch.randn(tokens, s["k"], generator=dev_gen, device=device).to(dtype)
        w = (torch.randn(s["experts"], s["k"], s["n"], generator=dev_gen, device=device) / math.sqrt(s["k"])).to(dtype)
        return x, w, offsets.to(device)

    return make


def reference(x, w, expert_offsets):
    out = torch.empty((x.shape[0], w.shape[2]), dtype=x.dtype, device=x.device)
    bounds = expert_offsets.tolist()
    for e in range(w.shape[0]):
        if bounds[e + 1] > bounds[e]:
            out[bounds[e]:bounds[e + 1]] = torch.matmul(x[bounds[e]:bounds[e + 1]], w[e])
    return out


def label(s, trial=None):
    where = f"{s['file']} (E={s['experts']}, tokens={s.get('tokens', sum(s.get('counts', [])))}, K={s['k']}, N={s['n']}, {s['dtype']}"
    return where + (f", trial {trial})" if trial is not None else ")")


def load_candidate(workspace, file):
    def load():
        spec = importlib.util.spec_from_file_location("grouped_gemm", os.path.join(workspace, file))
        if spec is None or spec.loader is None:  # a path ending in .py always has both
            raise ImportError("cannot load " + str(os.path.join(workspace, file)))
        module = importlib.util.module_from_spec(spec)
        sys.modules["grouped_gemm"] = module
        spec.loader.exec_module(module)
        fn = getattr(module, "grouped_gemm", None)
        if not callable(fn):
            raise Refused("api", f"{file} defines no function grouped_gemm(x, w, expert_offsets)")
        return fn

    return load


def handle(request):
    device = driver.pick_device(request["device"])
    stage, seed = request["stage"], request["seed"]
    warmup, trials, default_samples = TIMING[device.type][stage]
    cases, timed = [], []
    for w in request["workloads"]:
        s = shape(w, device)
        for t in range(TRIALS_PER_WORKLOAD[stage]):
            cases.append(driver.Case(label(s, t), maker(s, mixed_seed(seed, s["seed"], s["file"], "check", t), device)))
        if s.get("time"):
            timed.append(driver.Case(label(s), maker(s, mixed_seed(seed, s["seed"], s["file"], "time"), device)))
    if not timed:
        timed = cases[-1:]
    cfg = {"device": device, "warmup": warmup, "trials": trials, "samples": request["samples"] or default_samples,
           "time_reference": True, "determinism": True}
    result = driver.run(cfg, cases, timed, reference, load_candidate(os.getcwd(), request["candidate"]),
                        [sys.modules[__name__], driver, timing])
    result["artifacts"]["device"] = f"{device} ({torch.cuda.get_device_name(device) if device.type == 'cuda' else 'torch CPU fallback, fp32, shrunk shapes'})"
    if result["correct"]:
        m = result["metrics"]
        flops = sum(2.0 * c.args[0].shape[0] * c.args[0].shape[1] * c.args[1].shape[2] for c in timed)
        m["tflops"] = flops / m["kernel_time_s"] / 1e12 if m["kernel_time_s"] > 0 else 0.0
        m["speedup_vs_torch"] = m["reference_time_s"] / m["kernel_time_s"] if m["kernel_time_s"] > 0 else 0.0
        names = ", ".join(c.label for c in timed)
        result["feedback"] = (
            f"correct on {len(cases)} random input sets ({len(request['workloads'])} shapes: "
            f"{', '.join(w['file'] for w in request['workloads'])}; fresh routing and values each). "
            f"Timed on {device}: {names}: median total {m['kernel_time_s'] * 1e3:.3f} ms = {m['tflops']:.2f} TFLOP/s, "
            f"{m['speedup_vs_torch']:.2f}x the per-expert torch.matmul loop ({m['reference_time_s'] * 1e3:.3f} ms)."
        )
        if m["speedup_vs_torch"] > 10:
            result["feedback"] += " WARNING: more than 10x faster than the reference (KernelBench's excessive-speedup flag)."
    return result


if __name__ == "__main__":
    driver.serve(handle)
