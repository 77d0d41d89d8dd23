#!/usr/bin/env python3
"""Seeded generator of synthetic MoE expert-load traces in the format of vLLM's expert-load.json.

Output: {"load_history": [{"logical_expert_load": [[load per expert] per layer]}, ...], "rebalance_interval": K}
Each entry is one step; the evaluator sums K consecutive entries into one window (the real file has no
"rebalance_interval" key and uses 100). By default every entry is already a whole window (K = 1), which
keeps the files small (README.md says why the shipped files keep it). --real-convention omits the key, as the
real file does, so the ADRS leaderboard evaluator (which always sums 100 entries) reads the file unchanged; use it
with --steps-per-window 100.

The model, per layer:
  - skewed popularity: Zipf over a random expert order (p ~ 1/rank^s) or log-normal (logits ~ N(0, sigma)),
    plus a per-group bias, since experts of one group tend to be hot together;
  - slow drift: logits follow a mean-reverting random walk from window to window;
  - bursts: now and then a few experts get several times their usual traffic for one window;
  - token counts: multinomial draws of tokens_per_window * top_k routed tokens (so some cold experts get 0).

Example: python3 generate.py --seed 7 --skew zipf --layers 16 --experts 256 --windows 10 --out screen/zipf-7.json
"""

import argparse
import json

import numpy as np


def popularity_logits(rng, skew, experts, groups, strength):
    """Base log-popularity of every expert of one layer."""
    if skew == "zipf":
        ranks = rng.permutation(experts) + 1
        logits = -strength * np.log(ranks)
    else:
        logits = rng.normal(0.0, strength, size=experts)
    group_bias = rng.normal(0.0, 0.3, size=groups)
    return logits + np.repeat(group_bias, experts // groups)


def cap_share(probs, cap):
    """A token visits an expert at most once, so no expert gets more than 1/top_k of the routed tokens."""
    for _ in range(20):
        over = probs > cap
        if not over.any():
            break
        probs = np.where(over, cap, probs)
        free = ~over
        spare = 1.0 - probs.sum(axis=1, keepdims=True)
        probs = np.where(free, probs * (1.0 + spare / np.where(free, probs, 0).sum(axis=1, keepdims=True)), probs)
    return probs


def generate(args):
    rng = np.random.default_rng(args.seed)
    layers, experts, groups = args.layers, args.experts, args.groups
    if experts % groups:
        raise SystemExit(f"--experts ({experts}) must be a multiple of --groups ({groups})")
    low, high = (0.4, 0.8) if args.skew == "zipf" else (0.5, 1.0)
    strength = rng.uniform(low, high, size=layers)
    base = np.stack([popularity_logits(rng, args.skew, experts, groups, s) for s in strength])
    logits = base.copy()
    tokens = args.tokens_per_window * args.top_k
    steps = args.steps_per_window
    history = []
    for _ in range(args.windows):
        logits = base + args.revert * (logits - base) + rng.normal(0.0, args.drift, size=base.shape)
        window = logits.copy()
        bursting = rng.random(layers) < args.burst_prob
        for layer in np.flatnonzero(bursting):
            hot = rng.choice(experts, size=rng.integers(1, 4), replace=False)
            window[layer, hot] += np.log(rng.uniform(3.0, 8.0, size=hot.size))
        probs = np.exp(window - window.max(axis=1, keepdims=True))
        probs = cap_share(probs / probs.sum(axis=1, keepdims=True), 1.0 / args.top_k)
        for _ in range(steps):
            load = np.stack([rng.multinomial(tokens // steps, p) for p in probs])
            history.append({"logical_expert_load": load.tolist()})
    if args.real_convention:
        return {"load_history": history}
    return {"load_history": history, "rebalance_interval": steps}


def main():
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", required=True, help="output .json file")
    parser.add_argument("--skew", choices=["zipf", "lognormal"], default="zipf")
    parser.add_argument("--layers", type=int, default=16, help="MoE layers (DeepSeek-V3: 58)")
    parser.add_argument("--experts", type=int, default=256, help="logical experts per layer")
    parser.add_argument("--groups", type=int, default=8, help="expert groups (for the group bias)")
    parser.add_argument("--windows", type=int, default=10, help="rebalancing windows")
    parser.add_argument("--steps-per-window", type=int, default=1, help="entries per window (real traces: 100)")
    parser.add_argument("--tokens-per-window", type=int, default=25600, help="tokens routed per layer per window")
    parser.add_argument("--top-k", type=int, default=8, help="experts per token")
    parser.add_argument("--drift", type=float, default=0.08, help="std of the per-window logit random walk")
    parser.add_argument("--revert", type=float, default=0.9, help="mean reversion of the drift (1 = none)")
    parser.add_argument("--burst-prob", type=float, default=0.1, help="chance that a layer bursts in a window")
    parser.add_argument("--real-convention", action="store_true",
                        help="omit the rebalance_interval key, as the real expert-load.json (needs --steps-per-window 100)")
    args = parser.parse_args()
    if args.real_convention and args.steps_per_window != 100:
        parser.error("--real-convention: readers of the real format sum 100 entries per window; "
                     "add --steps-per-window 100")
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(generate(args), f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
