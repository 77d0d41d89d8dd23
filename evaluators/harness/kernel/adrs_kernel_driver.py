"""The child-side flow of a kernel evaluation: reference first, then the candidate under every runtime defence.

Order matters (kernels.md B.2):
1. every input is generated and every reference output computed BEFORE the candidate is imported, so a
   candidate that patches torch at import cannot change the reference, and reference outputs stay alive
   (a freshly allocated output can never alias them);
2. the reference is timed (for the speedup), the identity snapshot and thread counts are taken;
3. the candidate is imported and called on clones of pristine inputs, one fresh random input set per
   trial; allocator memory is poisoned with NaN before each call (reads of unwritten memory show);
4. determinism: the first and last trials run again after poisoning with another value; bit-for-bit equal;
5. timing (adrs_kernel_timing), then the last timed output is compared with the reference too, so a kernel
   that behaves differently once it is being timed is caught; inputs, patches and threads are re-checked.

`run` returns the evaluator result dict (evaluators/result.ts) with feedback for the model.
"""

import json
import os
import sys
import traceback

import adrs_kernel_guard as guard
import adrs_kernel_timing as timing
from adrs_kernel_guard import Refused


class Case:
    """One input set: `make()` returns the argument tuple on the device (fresh random tensors)."""

    def __init__(self, label, make):
        self.label = label
        self.make = make
        self.args = None
        self.ref = None


def _tail(limit=1500):
    return traceback.format_exc()[-limit:]


def _fail(result, check, message, passed):
    result["checks"] = [{"name": n, "ok": True} for n in passed] + [{"name": check, "ok": False, "detail": message[:2000]}]
    result["correct"] = False
    result["feedback"] = f"{check}: {message}"
    result["metrics"], result["timings"] = {}, {}
    return result


def _call(fn, args, device, what):
    try:
        out = fn(*args)
        guard.synchronize(device)
        return out
    except Refused:
        raise
    except Exception as error:  # noqa: BLE001 - a failing candidate is data
        raise Refused("runs", f"{what} raised {error!r}\n{_tail()}") from None


def _out_of_memory(error):
    text = str(error).lower()
    return "can't allocate memory" in text or "out of memory" in text or "cannot allocate memory" in text


def _memory_message(error):
    """The problem's own inputs or reference outputs do not fit: a problem setting to change, not a candidate fault."""
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return ("the problem's inputs or the reference's outputs do not fit in the memory limit before any candidate code "
            f"ran ({first[:300]}): raise resources.memory_mb in problem.yaml, or make the sizes in the problem file "
            "smaller (KernelBench sizes are chosen for GPUs)")


def _prepare(cases, reference, device):
    for case in cases:
        case.args = case.make()
        case.ref = reference(*guard.clone_args(case.args))
        guard.synchronize(device)


def _time(fn, cases, device, cfg, flusher):
    """One sample per `cfg.samples`: the sum over timed cases of the median of `trials` calls."""
    samples, host = [], []
    for _ in range(cfg["samples"]):
        total, total_host = 0.0, 0.0
        for case in cases:
            m, h = timing.time_calls(fn, case.args, device, cfg["warmup"], cfg["trials"], flusher)
            total += timing.median(m)
            total_host += timing.median(h)
        samples.append(total)
        host.append(total_host)
    return samples, host


def _reference_jitter(reference, case):
    """Largest difference between the reference's output on case and a second run of it on the same inputs."""
    again = reference(*guard.clone_args(case.args))
    return guard.compare(again, case.ref)[1]


def run(cfg, cases, timed, reference, load_candidate, extra_modules=()):
    """cfg: device, warmup, trials, samples, time_reference (bool), determinism (bool), trial_note (str)."""
    device = cfg["device"]
    result = {"correct": False, "metrics": {}, "timings": {}, "feedback": "", "artifacts": {}, "checks": []}
    passed = []
    try:
        _prepare(cases + timed, reference, device)
    except MemoryError as error:
        return _fail(result, "memory", _memory_message(error), passed)
    except RuntimeError as error:
        if not _out_of_memory(error):
            raise
        return _fail(result, "memory", _memory_message(error), passed)
    flusher = timing.Flusher(device)
    ref_samples = []
    if cfg.get("time_reference") and timed:
        ref_samples, _ = _time(reference, timed, device, cfg, flusher)
    snapshot = guard.Snapshot(extra_modules)
    threads_before = guard.thread_counts()
    try:
        fn = load_candidate()
    except Refused as refused:
        return _fail(result, refused.check, str(refused), passed)
    except BaseException as error:  # noqa: BLE001 - even SystemExit from the candidate is data
        return _fail(result, "import", f"importing the candidate failed: {error!r}\n{_tail()}", passed)
    passed.append("import")
    try:
        snapshot.require_unchanged("after importing the candidate")
        kept = []
        worst = 0.0
        for case in cases:
            example = case.ref
            guard.poison(device, 2 * example.numel() * example.element_size(), float("nan"))
            args = guard.clone_args(case.args)
            out = _call(fn, args, device, f"the kernel on {case.label}")
            guard.check_output(out, case.ref, device, guard.tensors_in(args), kept)
            guard.check_inputs_unchanged(args, case.args)
            ok, diff, tol = guard.compare(out, case.ref)
            if not ok:
                raise Refused("correct", f"wrong result on {case.label}: max |out - ref| = {diff:.3g} "
                              f"(allclose with atol = rtol = {tol:g} for {case.ref.dtype})")
            worst = max(worst, diff)
            kept.append(out)
        if cases:
            passed += ["plain-tensor", "fresh-output", "inputs-unchanged", "correct"]
            result["metrics"]["max_abs_diff"] = worst
        if cfg.get("determinism", True) and cases:
            for index in sorted({0, len(cases) - 1}):
                case = cases[index]
                guard.poison(device, 2 * case.ref.numel() * case.ref.element_size(), -12345.0)
                args = guard.clone_args(case.args)
                again = _call(fn, args, device, f"the kernel on {case.label} (second run)")
                guard.check_output(again, case.ref, device, guard.tensors_in(args), kept)
                # "reference": the candidate may vary run to run as much as the reference itself does (KernelBench's
                # level3 LSTM draws a fresh random initial state per call: 1e-8 apart), never more, and always within
                # the tolerance; a bit-exact reference (most problems) still demands bit-exact results.
                if cfg.get("determinism") == "reference":
                    jitter = _reference_jitter(reference, case)
                    ok, diff, _ = guard.compare(again, kept[index])
                    same = guard._equal(again, kept[index]) or (ok and jitter > 0 and diff <= 10 * jitter)
                else:
                    same = guard._equal(again, kept[index])
                if not same:
                    _, diff, _ = guard.compare(again, kept[index])
                    raise Refused("deterministic", f"two runs on the same inputs ({case.label}) differ (max |diff| = "
                                  f"{diff:.3g}); results must not depend on uninitialised memory or timing")
            passed.append("deterministic")
        snapshot.require_unchanged("after the correctness trials")
        message = guard.thread_report(threads_before, guard.thread_counts())
        if message:
            raise Refused("no-threads", message)
        if timed:
            samples, host = _time(fn, timed, device, cfg, flusher)
            for case in timed:
                args = guard.clone_args(case.args)
                out = _call(fn, args, device, f"the kernel on {case.label} (after timing)")
                guard.check_output(out, case.ref, device, guard.tensors_in(args), [])
                guard.check_inputs_unchanged(args, case.args)
                ok, diff, tol = guard.compare(out, case.ref)
                if not ok:
                    raise Refused("correct-when-timed", f"wrong result on {case.label} after timing: max |out - ref| "
                                  f"= {diff:.3g} (tolerance {tol:g})")
            snapshot.require_unchanged("after timing")
            message = guard.thread_report(threads_before, guard.thread_counts())
            if message:
                raise Refused("no-threads", message)
            if device.type == "cuda":
                escaped = timing.escaped_stream(samples, host)
                if escaped:
                    raise Refused("timed-stream", escaped)
            passed += ["correct-when-timed", "no-patching", "no-threads"]
            result["timings"]["kernel"] = samples
            result["timings"]["kernel_host"] = host
            result["metrics"]["kernel_time_s"] = timing.median(samples)
            if ref_samples:
                result["timings"]["reference"] = ref_samples
                result["metrics"]["reference_time_s"] = timing.median(ref_samples)
        else:
            passed += ["no-patching", "no-threads"]
    except Refused as refused:
        return _fail(result, refused.check, str(refused), passed)
    result["correct"] = True
    result["checks"] = [{"name": n, "ok": True} for n in dict.fromkeys(passed)]
    return result


def pick_device(requested):
    """ADRS_DEVICE if given (cuda must then exist), else cuda when torch sees a GPU, else cpu."""
    import torch

    if requested == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("ADRS_DEVICE=cuda but torch sees no CUDA device")
    if requested:
        return torch.device(requested)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def serve(handler):
    """Child main: reads the JSON request on stdin, calls handler(request), replies on a private copy of stdout.

    The candidate's own prints land on stderr (fd 1 is pointed there); the reply echoes the parent's nonce.
    """
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.dont_write_bytecode = True
    request = json.loads(sys.stdin.read())
    nonce = request.pop("nonce")
    try:
        reply = handler(request)
    except Refused as refused:
        reply = _fail({"artifacts": {}}, refused.check, str(refused), [])
    reply["nonce"] = nonce
    channel.write(json.dumps(reply).encode())
    channel.flush()
