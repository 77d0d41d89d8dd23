"""Helpers for problem evaluators (Python): the stage and seed the platform set, a tamper-resistant
timer, and writing the one JSON result. Pair with adrs_compare.compare for outputs.

    import adrs_eval
    from adrs_compare import compare

    ctx = adrs_eval.context()            # stage, seed, samples, sample_index, workspace, workloads
    fn = adrs_eval.load_function("solve.py", "solve")
    seconds, out = adrs_eval.time_call(fn, xs)
    adrs_eval.write_result(correct=True, metrics={"time_s": seconds}, timings={"solve": [seconds]})

The timer is bound when this module is imported, before any candidate code runs, so a candidate that
replaces time.perf_counter later does not change what is measured.
"""

import importlib.util
import json
import os
import sys
from time import perf_counter as _clock  # bound before candidate code is imported

__all__ = ["context", "load_function", "time_call", "write_result", "Context"]


class Context:
    def __init__(self, env):
        self.stage = env.get("ADRS_STAGE", "screen")
        self.seed = int(env.get("ADRS_SEED", "0"))
        self.samples = max(1, int(env.get("ADRS_SAMPLES", "1")))
        self.sample_index = int(env.get("ADRS_SAMPLE_INDEX", "0"))
        self.workspace = env.get("ADRS_WORKSPACE", os.getcwd())
        self.workloads = env.get("ADRS_WORKLOADS", "")
        self.problem = env.get("ADRS_PROBLEM_DIR", "")
        self.result_path = env.get("ADRS_RESULT", "")


def context():
    """The stage, seed and paths the platform set for this process."""
    return Context(os.environ)


def load_function(rel_path, name, workspace=None):
    """Imports `name` from the candidate's file `rel_path` (relative to the workspace)."""
    root = workspace or context().workspace
    path = os.path.join(root, rel_path)
    module_name = "candidate_" + os.path.splitext(os.path.basename(rel_path))[0]
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return getattr(module, name)


def time_call(fn, *args, **kwargs):
    """(seconds, result) of one call, measured with the clock bound at import."""
    start = _clock()
    out = fn(*args, **kwargs)
    return _clock() - start, out


def write_result(correct, metrics=None, timings=None, feedback="", artifacts=None, checks=None):
    """Writes the one result JSON the platform reads (to $ADRS_RESULT)."""
    path = context().result_path
    if not path:
        raise RuntimeError("ADRS_RESULT is not set: run this evaluator through adrs")
    result = {
        "correct": bool(correct),
        "metrics": {k: float(v) for k, v in (metrics or {}).items()},
        "timings": {k: [float(x) for x in v] for k, v in (timings or {}).items()},
        "feedback": feedback,
        "artifacts": dict(artifacts or {}),
        "checks": list(checks or []),
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(result, f)
