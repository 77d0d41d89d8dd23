"""Inputs and the reference of moe-grouped-gemm, used by the trusted parent (evaluate.py) only: shapes, routing, values.

Workload shapes as run on a device (CPU shrinks them and uses fp32), routed token counts, input makers with
seeds derived from ADRS_SEED, and the per-expert torch.matmul reference.
"""

import hashlib
import math

import torch

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
