"""Reads expert-load traces (vLLM's expert-load.json format) into rebalancing windows."""

import json
import os

import numpy as np

# vLLM logs one entry per step; the ADRS evaluator sums 100 steps into one window.
DEFAULT_REBALANCE_INTERVAL = 100


class TraceError(Exception):
    """A workload file that cannot be used (the evaluator's input, not the candidate's fault)."""


def load_trace(path):
    """Returns the windows of one trace: a list of float64 arrays [layers, logical_experts].

    Entries of "load_history" are summed "rebalance_interval" at a time (the file may set it; real
    traces do not and use 100); a shorter last window is kept, as in the ADRS evaluator.
    """
    name = os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        history = data["load_history"]
        steps = np.asarray([entry["logical_expert_load"] for entry in history], dtype=np.float64)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise TraceError(f"{name}: not an expert-load trace ({error}); expected "
                         '{"load_history": [{"logical_expert_load": [[...], ...]}, ...]}') from error
    if steps.ndim != 3 or steps.shape[0] == 0:
        raise TraceError(f"{name}: logical_expert_load must be [layers][experts] in every entry, got shape {steps.shape[1:]}")
    if (steps < 0).any() or not np.isfinite(steps).all():
        raise TraceError(f"{name}: loads must be finite and non-negative")
    interval = int(data.get("rebalance_interval", DEFAULT_REBALANCE_INTERVAL))
    if interval < 1:
        raise TraceError(f"{name}: rebalance_interval must be >= 1")
    return [steps[i:i + interval].sum(axis=0) for i in range(0, steps.shape[0], interval)]


def load_workloads(folder):
    """Every *.json in folder, sorted by name: a list of (file name, windows). Raises TraceError."""
    if not folder or not os.path.isdir(folder):
        raise TraceError(f"ADRS_WORKLOADS={folder!r} is not a folder (set workloads.screen/verify in problem.yaml)")
    names = sorted(n for n in os.listdir(folder) if n.endswith(".json"))
    if not names:
        raise TraceError(f"{folder}: no *.json trace files (drop expert-load.json there or run workloads/generate.py)")
    return [(name, load_trace(os.path.join(folder, name))) for name in names]
