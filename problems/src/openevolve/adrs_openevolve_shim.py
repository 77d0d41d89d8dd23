"""Runs an OpenEvolve-style evaluator.py inside the adrs sandbox and writes the adrs evaluator result.

Copied next to the user's evaluator.py when adrs converts an OpenEvolve folder; never edit the user's
files. Reads ADRS_STAGE / ADRS_RESULT / ADRS_WORKSPACE and adrs_openevolve.json (program file name,
cascade settings), calls evaluate(program_path) or the evaluate_stage1/2/3 cascade, and turns the
return value (a dict, or an object with .metrics and .artifacts) into one JSON result:
combined_score is the primary score when present, otherwise the mean of the numeric metrics.
"""

import importlib.util
import io
import json
import math
import os
import sys
import time
import traceback
import contextlib

HERE = os.path.dirname(os.path.abspath(__file__))


def load_settings():
    with open(os.path.join(HERE, "adrs_openevolve.json")) as f:
        return json.load(f)


def load_evaluator():
    sys.path.insert(0, HERE)
    spec = importlib.util.spec_from_file_location("evaluator", os.path.join(HERE, "evaluator.py"))
    if spec is None or spec.loader is None:  # a path ending in .py always has both
        raise ImportError("cannot load " + str(os.path.join(HERE, "evaluator.py")))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def split_result(value):
    """(metrics dict, artifacts dict) from a dict or an EvaluationResult-like object."""
    if value is None:
        return {}, {}
    if isinstance(value, dict):
        return value, {}
    metrics = getattr(value, "metrics", None)
    artifacts = getattr(value, "artifacts", None)
    if isinstance(metrics, dict):
        return metrics, artifacts if isinstance(artifacts, dict) else {}
    raise TypeError("evaluate() returned %r; expected a dict or an object with .metrics" % type(value).__name__)


def numeric(metrics):
    out = {}
    for k, v in metrics.items():
        if isinstance(v, bool):
            out[k] = 1.0 if v else 0.0
        elif isinstance(v, (int, float)) and math.isfinite(float(v)):
            out[k] = float(v)
    return out


def primary(metrics):
    nums = numeric(metrics)
    if "combined_score" in nums:
        return nums["combined_score"]
    # As OpenEvolve: the mean of the numeric metrics.
    values = [v for k, v in nums.items() if k != "error"]
    return sum(values) / len(values) if values else 0.0


def as_text(v):
    if isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    try:
        return json.dumps(v, default=str)
    except Exception:
        return repr(v)


def main():
    settings = load_settings()
    result_path = os.environ["ADRS_RESULT"]
    workspace = os.environ.get("ADRS_WORKSPACE", os.getcwd())
    program = os.path.join(workspace, settings["program"])
    captured = io.StringIO()
    metrics, artifacts, feedback, error = {}, {}, "", None
    stages_run = []
    t0 = time.perf_counter()
    try:
        with contextlib.redirect_stdout(captured):
            evaluator = load_evaluator()
            cascade = settings.get("cascade", False) and hasattr(evaluator, "evaluate_stage1")
            if cascade:
                thresholds = settings.get("thresholds") or []
                for i, name in enumerate(["evaluate_stage1", "evaluate_stage2", "evaluate_stage3"]):
                    fn = getattr(evaluator, name, None)
                    if fn is None:
                        break
                    m, a = split_result(fn(program))
                    metrics.update(m)
                    artifacts.update(a)
                    stages_run.append(i + 1)
                    if i < len(thresholds) and primary(m) < thresholds[i]:
                        feedback = "stopped after stage %d: score %.4g below the cascade threshold %.4g" % (
                            i + 1, primary(m), thresholds[i])
                        break
            else:
                m, a = split_result(evaluator.evaluate(program))
                metrics.update(m)
                artifacts.update(a)
    except Exception:
        error = traceback.format_exc(limit=8)
    elapsed = time.perf_counter() - t0
    nums = numeric(metrics)
    nums["combined_score"] = primary(metrics) if not error else 0.0
    failed_flag = any(str(metrics.get(k, "")).lower() in ("0", "false", "0.0") for k in ("validity", "correct", "valid"))
    correct = error is None and "error" not in metrics and not failed_flag
    if "error" in metrics:
        feedback = (feedback + "\n" if feedback else "") + "evaluator reported an error: " + as_text(metrics["error"])
    if error:
        feedback = "the evaluator raised:\n" + error
    printed = captured.getvalue()
    text_artifacts = {str(k): as_text(v)[:20000] for k, v in artifacts.items()}
    if printed:
        text_artifacts.setdefault("stdout", printed[-20000:])
    if text_artifacts and not error:
        notes = "\n".join("%s: %s" % (k, v[:1500]) for k, v in text_artifacts.items())
        feedback = (feedback + "\n" if feedback else "") + "artifacts:\n" + notes
    result = {
        "correct": bool(correct),
        "metrics": nums,
        "timings": {"evaluate": [elapsed]},
        "feedback": feedback,
        "artifacts": text_artifacts,
        "checks": [{"name": "stage%d" % s, "ok": True} for s in stages_run]
        + ([{"name": "evaluate", "ok": False, "detail": error.strip().splitlines()[-1]}] if error else []),
    }
    with open(result_path, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
