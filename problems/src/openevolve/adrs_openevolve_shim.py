"""Runs an OpenEvolve-style evaluator.py inside the adrs sandbox and writes the adrs evaluator result.

Copied next to the user's evaluator.py when adrs converts an OpenEvolve folder; never edit the user's
files. Reads ADRS_STAGE / ADRS_RESULT / ADRS_WORKSPACE and adrs_openevolve.json (program file name,
cascade settings, feature dimensions), calls evaluate(program_path) or the evaluate_stage1/2/3 cascade, and turns
the return value (a dict, or an object with .metrics and .artifacts) into one JSON result. Scores are read as
OpenEvolve reads them: combined_score when present, otherwise the mean of the numeric metrics that are neither
booleans nor MAP-Elites feature dimensions. A Python program reaches the evaluator as a stand-in whose functions
run in the candidate's own process (evaluators/harness/adrs_program_proxy.py). `import openevolve` resolves to adrs's compatibility package
(adrs_compat/openevolve) unless the sandbox has the real one installed.
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
    # Last on the path: a real `openevolve` installed in the sandbox's Python wins over the stand-in.
    sys.path.append(os.path.join(HERE, "adrs_compat"))
    spec = importlib.util.spec_from_file_location("evaluator", os.path.join(HERE, "evaluator.py"))
    if spec is None or spec.loader is None:  # a path ending in .py always has both
        raise ImportError("cannot load " + str(os.path.join(HERE, "evaluator.py")))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def program_for_evaluator(program, workspace):
    """(path to hand the evaluator, broker or None): a stand-in under trust domains (see adrs_program_proxy).

    A Python program is imported by the evaluator only as a stand-in whose functions run in a process of the
    candidate's own; the problem opts out with `evaluator: { trust_domains: false }` (ADRS_TRUST_DOMAINS=0).
    Other programs (C, Rust, a folder) are handed over as they are: their evaluators build and run them.
    """
    if os.environ.get("ADRS_TRUST_DOMAINS") == "0" or not program.endswith(".py") or not os.path.isfile(program):
        return program, None
    harness = os.environ.get("ADRS_HARNESS")
    if harness and harness not in sys.path:
        sys.path.append(harness)
    import adrs_program_proxy

    return adrs_program_proxy.stand_in(program, workspace)


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
    """Finite numbers for the stored result; booleans are kept as 1/0 there (but never count in the fitness)."""
    out = {}
    for k, v in metrics.items():
        if isinstance(v, bool):
            out[k] = 1.0 if v else 0.0
        elif isinstance(v, (int, float)) and math.isfinite(float(v)):
            out[k] = float(v)
    return out


def _average(values):
    return sum(values) / len(values) if values else 0.0


def fitness(metrics, feature_dimensions=()):
    """OpenEvolve's fitness: combined_score, else the mean of non-boolean numbers outside the feature dimensions."""
    if "combined_score" in metrics:
        try:
            return float(metrics["combined_score"])
        except (TypeError, ValueError):
            pass

    def scores(keep):
        return [float(v) for k, v in metrics.items() if keep(k) and isinstance(v, (int, float))
                and not isinstance(v, bool) and float(v) == float(v)]

    chosen = scores(lambda k: k not in feature_dimensions)
    return _average(chosen if chosen else scores(lambda k: True))


# Keys whose meaning OpenEvolve's evaluators document as "this program failed": OpenEvolve itself returns
# {"error": 0.0} for an evaluator exception and {"error": 0.0, "timeout": True} for a timeout.
FAILURE_FLAGS = ("validity", "valid", "is_valid", "compile_success", "compiled", "success")


def failure_reason(metrics):
    """Why a result means the program failed, or None. A count named `correct` is a count, not a flag."""
    if "error" in metrics:
        return "the evaluator reported an error: " + as_text(metrics["error"])
    if metrics.get("timeout") is True:
        return "the evaluator reported a timeout"
    if metrics.get("correct") is False:
        return "the evaluator reported correct = False"
    for key in FAILURE_FLAGS:
        v = metrics.get(key)
        if v is False or (isinstance(v, (int, float)) and not isinstance(v, bool) and float(v) == 0.0):
            return "the evaluator reported %s = %s" % (key, v)
    return None


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
    program, broker = program_for_evaluator(os.path.join(workspace, settings["program"]), workspace)
    dims = tuple(settings.get("feature_dimensions") or ())
    captured = io.StringIO()
    metrics, artifacts, feedback, error = {}, {}, "", None
    stages_run = []
    t0 = time.perf_counter()
    try:
        with contextlib.redirect_stdout(captured):
            evaluator = load_evaluator()
            # OpenEvolve's default is cascade_evaluation: true (a config that says nothing runs the stages).
            cascade = settings.get("cascade", True) and hasattr(evaluator, "evaluate_stage1")
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
                    score = fitness(m, dims)
                    if i < len(thresholds) and score < thresholds[i]:
                        feedback = "stopped after stage %d: score %.4g below the cascade threshold %.4g" % (
                            i + 1, score, thresholds[i])
                        break
            else:
                m, a = split_result(evaluator.evaluate(program))
                metrics.update(m)
                artifacts.update(a)
    except Exception:
        error = traceback.format_exc(limit=8)
    elapsed = time.perf_counter() - t0
    if broker is not None:
        broker.stop()
    nums = numeric(metrics)
    nums["combined_score"] = fitness(metrics, dims) if not error else 0.0
    failed = failure_reason(metrics)
    correct = error is None and failed is None
    if failed:
        feedback = (feedback + "\n" if feedback else "") + failed
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
