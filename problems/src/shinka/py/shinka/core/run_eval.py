"""run_shinka_eval as ShinkaEvolve documents it (our own implementation).

Loads the program, calls its experiment function num_runs times (kwargs from get_experiment_kwargs(i), default
{"seed": i + 1}), validates each result, aggregates the metrics, adds execution_time_mean/std (and the validation
counts when a validate_fn is given), marks a NaN or infinite combined_score incorrect, moves `extra_data` to
extra.pkl, and writes metrics.json and correct.json ({"correct", "error"}) into results_dir.
Runs are always sequential here (run_workers only changes speed in Shinka); early stopping is not applied: every
requested run is made, which is what Shinka does when the stop rule does not fire.
"""

import importlib.util
import json
import math
import os
import pickle
import time

_DEFAULT_ON_ERROR = {
    "combined_score": 0.0,
    "execution_time_mean": 0.0,
    "execution_time_std": 0.0,
    "num_successful_runs": 0,
    "num_valid_runs": 0,
    "num_invalid_runs": 0,
    "all_validation_errors": [],
}


def _load(program_path):
    spec = importlib.util.spec_from_file_location("program", program_path)
    if spec is None or spec.loader is None:
        raise ImportError("Could not load program: %s" % program_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _mean_std(xs):
    if not xs:
        return 0.0, 0.0
    mean = sum(xs) / len(xs)
    return float(mean), float(math.sqrt(sum((x - mean) ** 2 for x in xs) / len(xs)))


def _write(results_dir, metrics, correct, error):
    os.makedirs(results_dir, exist_ok=True)
    with open(os.path.join(results_dir, "correct.json"), "w") as f:
        json.dump({"correct": correct, "error": error}, f, indent=4)
    with open(os.path.join(results_dir, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=4, default=str)


def run_shinka_eval(program_path, results_dir, experiment_fn_name, num_runs, get_experiment_kwargs=None,
                    aggregate_metrics_fn=None, validate_fn=None, plotting_fn=None, default_metrics_on_error=None,
                    early_stop_method=None, early_stop_threshold=None, early_stop_score_fn=None,
                    early_stop_kwargs=None, run_workers=1, max_workers_cap=None, verbose=None):
    on_error = dict(default_metrics_on_error or _DEFAULT_ON_ERROR)
    correct, first_error = True, None
    errors, valid, invalid = [], 0, 0
    results, times = [], []
    try:
        fn = getattr(_load(program_path), experiment_fn_name, None)
        if fn is None:
            raise AttributeError("Experiment function '%s' not found in %s" % (experiment_fn_name, program_path))
        for i in range(num_runs):
            kwargs = get_experiment_kwargs(i) if get_experiment_kwargs else {"seed": i + 1}
            t0 = time.perf_counter()
            result = fn(**kwargs)
            times.append(time.perf_counter() - t0)
            results.append(result)
            if validate_fn:
                ok, message = validate_fn(result)
                if ok:
                    valid += 1
                else:
                    invalid += 1
                    correct = False
                    if message:
                        first_error = first_error or "Validation failed: %s" % message
                        if message not in errors:
                            errors.append(message)
        if aggregate_metrics_fn:
            metrics = aggregate_metrics_fn(results)
        else:
            metrics = {"num_successful_runs": len(results),
                       "first_run_result_type": str(type(results[0])) if results else "N/A",
                       "raw_results_preview": str(results[:2]) if results else "N/A"}
        metrics["execution_time_mean"], metrics["execution_time_std"] = _mean_std(times)
        if validate_fn:
            metrics["num_valid_runs"] = valid
            metrics["num_invalid_runs"] = invalid
            metrics["all_validation_errors"] = errors
        score = metrics.get("combined_score")
        if isinstance(score, (int, float)) and not math.isfinite(float(score)):
            correct = False
            first_error = first_error or "combined_score is %s" % ("NaN" if score != score else "inf (%s)" % score)
    except Exception as e:  # the program failed: Shinka's default metrics, incorrect
        print("Evaluation error: %s" % e)
        metrics = {k: on_error.get(k, v) for k, v in _DEFAULT_ON_ERROR.items()}
        if validate_fn:
            metrics.setdefault("num_valid_runs", 0)
            metrics.setdefault("num_invalid_runs", len(results))
            metrics.setdefault("all_validation_errors", [str(e)])
        first_error, correct = str(e), False
    if "extra_data" in metrics:
        os.makedirs(results_dir, exist_ok=True)
        with open(os.path.join(results_dir, "extra.pkl"), "wb") as f:
            pickle.dump(metrics.pop("extra_data"), f)
    _write(results_dir, metrics, correct, first_error)
    return metrics, correct, first_error
