"""The trusted side of a kernel evaluation: inputs, references, correctness and the clock stay in this process.

Order (kernels.md B.2), all in the parent (the evaluator's uid; the candidate never runs here):
1. every input set is generated and every reference output computed here, from the problem's own reference;
   the candidate's process never holds a reference output, and cannot read this process's memory or files;
2. the reference is timed here, with this process's clock;
3. the child (adrs_kernel_driver, the candidate's uid, through adrs_candidate) imports the candidate; each
   input set is sent at "call", the output comes back as raw bytes and is compared HERE: dtype, shape, values
   within the dtype's tolerance, with fresh random inputs per trial (an answer right only for the first call,
   or memoised, fails on the next input set);
4. determinism: the first and last input sets are sent again; the outputs must equal the first ones;
5. timing: each batch of `trials` calls is timed by this process from "go" (the request, carrying the batch's
   own fresh input sets, is sent) to "done" (the child's reply, sent after a device-wide synchronize). Every
   call of a batch gets an input set of its own (`sets_per_batch`: as many sets as calls while they fit in
   SET_BUDGET_BYTES, else at least 2 in rotation), and the last output of every set is compared with its
   reference here: a kernel that computes once per batch and hands the cached answer to the next calls, or
   behaves differently once timed, fails. A null batch (the same loop around no call, inputs of the same size)
   measures the round trip. The child's own figure (CUDA events or its perf_counter) is accepted only when
   consistent with that clock (`judge`): above this process's wall time it is a lie and the run is refused;
   when the median call times the calls is far below the wall time less the null round trip, the batch is
   taken again, and if it stays inconsistent this process's own figure (wall less null, per call) is used.
"""

import signal
import time

import adrs_candidate
import adrs_kernel_guard as guard
import adrs_kernel_timing as timing
import adrs_kernel_wire as wire
from adrs_kernel_guard import Refused

# What the child may name as its own failure; anything else it names is reported as "runs".
CHILD_CHECKS = {"import", "api", "runs", "plain-tensor", "device", "fresh-output", "inputs-unchanged",
                "no-patching", "no-threads", "timed-stream"}
NULL_BATCHES = 3
RETRIES = 2
# The median call times the calls must account for this share of the parent's wall time less the null round
# trip (see `judge`; the honest kernels' figures behind it are in README.md, "Kernel problems").
BAND = 0.5
# What the distinct input sets of one timed batch (and their reference outputs) may take, per device type.
SET_BUDGET_BYTES = {"cuda": 512 << 20, "cpu": 64 << 20}
_perf = time.perf_counter


class Dead(Exception):
    """The child stopped answering: it exited, timed out or wrote something that is not a message."""


class _Alarm(Exception):
    pass


def _ring(_signum, _frame):
    raise _Alarm()


class Child:
    """The candidate's process, driven over its pipes with a deadline for the whole session."""

    def __init__(self, proc, deadline, timeout):
        self.proc = proc
        self.deadline = deadline
        self.timeout = timeout

    def _left(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Dead(f"did not finish within {self.timeout:g} s")
        return left

    def send(self, header, tensors=()):
        """Writes one message; a child that stops reading its pipe cannot hold this process past the deadline."""
        data = wire.encode(header, tensors)
        previous = signal.signal(signal.SIGALRM, _ring)
        signal.setitimer(signal.ITIMER_REAL, self._left())
        try:
            self.proc.send(data)
        except _Alarm:
            raise Dead(f"did not finish within {self.timeout:g} s") from None
        except adrs_candidate.CandidateError as error:
            raise Dead(str(error)) from None
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def recv(self, max_tensor_bytes=0):
        try:
            header, tensors = wire.read_message(lambda n: self.proc.recv(n, self._left()), max_tensor_bytes)
        except adrs_candidate.CandidateError as error:
            text = str(error)
            raise Dead(f"did not finish within {self.timeout:g} s" if "no answer within" in text else text) from None
        except wire.WireError as error:
            raise Dead(f"wrote an unexpected reply on the evaluator's channel ({error})") from None
        if header.get("ok") is False:
            check = header.get("check") if header.get("check") in CHILD_CHECKS else "runs"
            raise Refused(check, str(header.get("message", ""))[:4000])
        if header.get("ok") is not True:
            raise Dead("wrote an unexpected reply on the evaluator's channel")
        return header, tensors

    def ask(self, header, tensors=(), max_tensor_bytes=0):
        self.send(header, tensors)
        return self.recv(max_tensor_bytes)


def _fail(result, check, message, passed):
    result["checks"] = [{"name": n, "ok": True} for n in passed] + [{"name": check, "ok": False, "detail": message[:2000]}]
    result["correct"] = False
    result["feedback"] = f"{check}: {message}"
    result["metrics"], result["timings"] = {}, {}
    return result


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
        if not isinstance(case.ref, guard._Tensor):
            raise RuntimeError(f"the problem's reference returned a {type(case.ref).__name__}, not a tensor")


def _compare(out, case, check):
    """Raises Refused unless the output that came back matches the case's reference."""
    ref = case.ref.detach().cpu()
    guard.check_like(out, ref)
    ok, diff, tol = guard.compare(out, ref)
    if not ok:
        raise Refused(check, f"wrong result on {case.label}{' after timing' if check != 'correct' else ''}: max "
                      f"|out - ref| = {diff:.3g} (allclose with atol = rtol = {tol:g} for {ref.dtype})")
    return diff


def _send_call(child, case, poison):
    values, tensors = wire.pack_args(case.args)
    nbytes = case.ref.numel() * case.ref.element_size()
    _, outs = child.ask({"op": "call", "label": case.label, "args": values, "poison": poison,
                         "poison_bytes": 2 * nbytes}, tensors, max_tensor_bytes=nbytes)
    if len(outs) != 1:
        raise Refused("runs", f"the kernel on {case.label} sent back {len(outs)} tensors, expected 1")
    return outs[0]


def judge(times, wall, overhead):
    """'ok', 'lie' or 'low' for a child's per-call times of one batch against this process's wall time for it.

    The child's calls happen between this process's "go" and "done", so their sum cannot exceed the wall time
    (2% + 0.1 ms of slack for CUDA events against the host clock). The figure that counts is the median call,
    so it is the median times the number of calls that must account for the wall time less the null round trip:
    below BAND of it (less 0.1 ms for the clocks' granularity) the report is not plausible: a fake time, work
    that escaped its timer, or work moved into a few calls (one call computing the whole batch, the others
    returning its answers, has a tiny median). Noise only ever makes the parent's wall time longer, so an
    honest kernel lands here only when this process was descheduled; it is then timed again, then by this
    process's clock, never failed.
    """
    if sum(times) > wall * 1.02 + 1e-4 or any(t < 0 for t in times):
        return "lie"
    if timing.median(times) * len(times) < BAND * max(wall - overhead, 0.0) - 1e-4:
        return "low"
    return "ok"


def _batch(child, trials, max_bytes, sets, null=False):
    """(child's times, child's host times, this process's wall seconds, outputs) for one batch.

    The batch's input sets travel in the "go" message itself and the clock starts before it is sent: whatever
    the child does with them (a memoised answer prepared as they arrive included) happens inside this window.
    `outputs` is the last output of each set. A null batch carries inputs of the same size, so its wall time
    holds the same transfer.
    """
    values, tensors = wire.pack_sets(sets)
    t0 = _perf()
    child.send({"op": "time", "null": null, "trials": trials, "sets": values}, tensors)
    done, _ = child.recv()
    wall = _perf() - t0
    _, outs = child.recv(max_bytes)
    times, host = done.get("times"), done.get("host")
    if (not isinstance(times, list) or len(times) != trials or not all(isinstance(t, (int, float)) for t in times)
            or not isinstance(host, list) or len(host) != trials or not all(isinstance(t, (int, float)) for t in host)):
        raise Refused("timing-consistent", "the kernel's process sent malformed timings")
    return [float(t) for t in times], [float(t) for t in host], wall, outs


def _nbytes(value):
    return value.numel() * value.element_size() if isinstance(value, guard._Tensor) else 0


def sets_per_batch(case, trials, device):
    """How many distinct input sets one timed batch of `trials` calls rotates through.

    One per call (every call's output depends on inputs no other call had) while the sets and their reference
    outputs fit in SET_BUDGET_BYTES; a large problem rotates through fewer (at least 2). A case without
    `remake` has one input set per batch.
    """
    if not case.remake or trials < 2:
        return 1
    per_set = sum(_nbytes(a) for a in case.args) + _nbytes(case.ref)
    return min(trials, max(2, SET_BUDGET_BYTES[device.type] // max(per_set, 1)))


class _Fresh:
    """A timed batch's own input sets (new values at every "go") and their references, made here."""

    def __init__(self, case, sets, reference):
        self.label = case.label
        self.sets = sets
        self.refs = [case.ref if args is case.args else reference(*guard.clone_args(args)) for args in sets]


class _Set:
    """One input set of a batch, as _compare wants it."""

    def __init__(self, label, ref):
        self.label = label
        self.ref = ref


class Clock:
    """Tallies where each accepted per-call figure came from, and the child's figure against this process's."""

    def __init__(self):
        self.child = 0
        self.parent = 0
        self.retried = 0
        self.batches = []


def _timed_case(child, index, case, cfg, overhead, clock, reference, batch, count):
    """Per-call seconds for one timed case in one sample (child's median if consistent, else this process's)."""
    trials = cfg["trials"]
    nbytes = case.ref.numel() * case.ref.element_size()
    child.ask({"op": "warm", "id": index, "calls": cfg["warmup"]})
    for attempt in range(RETRIES + 1):
        # The same batch numbers for every candidate of a seed (retries included): comparable input sets.
        first = (batch * (RETRIES + 1) + attempt) * count
        sets = [case.remake(first + j) for j in range(count)] if case.remake else [case.args]
        fresh = _Fresh(case, sets, reference)
        guard.synchronize(cfg["device"])
        times, host, wall, outs = _batch(child, trials, nbytes, fresh.sets)
        if len(outs) != count:
            raise Refused("correct-when-timed", f"the kernel sent back {len(outs)} outputs for {case.label} after "
                          f"timing, expected the last one of each of the batch's {count} input sets")
        for j, (out, ref) in enumerate(zip(outs, fresh.refs)):
            _compare(out, _Set(f"{case.label}, input set {j + 1} of {count} in a timed batch", ref),
                     "correct-when-timed")
        clock.batches.append((timing.median(times) * trials, sum(times), max(wall - overhead, 0.0)))
        verdict = judge(times, wall, overhead)
        if verdict == "lie":
            raise Refused("timing-consistent", f"the kernel's process reported {sum(times) * 1e3:.3f} ms for {trials} "
                          f"calls on {case.label}, but the evaluator's own clock saw the whole batch take "
                          f"{wall * 1e3:.3f} ms: a self-reported time above the wall time is forged")
        if verdict == "ok":
            clock.child += 1
            return timing.median(times), timing.median(host), wall / trials
        if attempt < RETRIES:
            clock.retried += 1
    clock.parent += 1
    own = max(wall - overhead, 0.0) / trials
    return own, own, wall / trials


def _null_overhead(child, trials, case, count):
    """The least wall time of `trials` empty timed loops (flush, synchronize, no call) with inputs of the batch's size."""
    walls = []
    for _ in range(NULL_BATCHES):
        _, _, wall, _ = _batch(child, trials, 0, [case.args] * count, null=True)
        walls.append(wall)
    return min(walls)


def run(cfg, cases, timed, reference, proc):
    """cfg: device, warmup, trials, samples, time_reference, determinism (True | "reference"), timeout, request.

    `proc` is the adrs_candidate process running the problem's child script (adrs_kernel_driver.serve), already
    told its device.
    Returns the result dict; on a dead child, result["dead"] is "timeout" or "died" (the caller removes it).
    """
    device = cfg["device"]
    result = {"correct": False, "metrics": {}, "timings": {}, "feedback": "", "artifacts": {}, "checks": []}
    passed = []
    try:
        try:
            _prepare(cases + timed, reference, device)
        except MemoryError as error:
            return _fail(result, "memory", _memory_message(error), passed)
        except RuntimeError as error:
            if not _out_of_memory(error):
                raise
            return _fail(result, "memory", _memory_message(error), passed)
        child = Child(proc, time.monotonic() + cfg["timeout"], cfg["timeout"])
        try:
            child.recv()  # the child is up and has bound its guard; it waits while the reference is timed
            ref_samples = _time_reference(cfg, timed, reference)
            _converse(child, cfg, cases, timed, reference, result, passed, ref_samples)
        except Refused as refused:
            _fail(result, refused.check, str(refused), passed)
        except Dead as dead:
            proc.kill()
            status = proc.close(timeout=2.0)
            why = str(dead)
            if why.startswith("did not finish"):
                _fail(result, "timeout", why, passed)
                result["dead"] = "timeout"
            else:
                status = 0 if status is None else status
                how = f"signal {-status}" if status < 0 else f"exit code {status}"
                what = "wrote an unexpected reply" if why.startswith("wrote") else "died"
                _fail(result, "runs", f"the candidate process {what} ({how}) before the evaluator could report", passed)
                result["dead"] = "died"
    finally:
        if proc.returncode is None:
            proc.close(timeout=2.0)  # and anything the candidate left running in its session is killed
    return result


def _time_reference(cfg, timed, reference):
    """The reference's samples, timed in this process as the child times the kernel (cold L2, median of calls)."""
    if not cfg.get("time_reference") or not timed:
        return []
    device = cfg["device"]
    flusher = timing.Flusher(device)
    samples = []
    for _ in range(cfg["samples"]):
        total = 0.0
        for case in timed:
            measured, _, _ = timing.time_calls(reference, [case.args], device, cfg["warmup"], cfg["trials"], flusher)
            total += timing.median(measured)
        samples.append(total)
    return samples


def _converse(child, cfg, cases, timed, reference, result, passed, ref_samples):
    child.send({"op": "load", **cfg["request"]})
    child.recv()
    passed.append("import")
    first = {}
    worst = 0.0
    for index, case in enumerate(cases):
        out = _send_call(child, case, float("nan"))
        worst = max(worst, _compare(out, case, "correct"))
        first[index] = out
    if cases:
        passed += ["plain-tensor", "fresh-output", "inputs-unchanged", "correct"]
        result["metrics"]["max_abs_diff"] = worst
    if cfg.get("determinism", True) and cases:
        for index in sorted({0, len(cases) - 1}):
            case = cases[index]
            again = _send_call(child, case, -12345.0)
            same = guard._equal(again, first[index])
            if not same and cfg.get("determinism") == "reference":
                # The candidate may vary run to run as much as the reference itself does (KernelBench's level3 LSTM
                # draws a fresh random initial state per call: 1e-8 apart), never more, and always within tolerance.
                jitter = guard.compare(reference(*guard.clone_args(case.args)), case.ref)[1]
                ok, diff, _ = guard.compare(again, first[index])
                same = ok and jitter > 0 and diff <= 10 * jitter
            if not same:
                _, diff, _ = guard.compare(again, first[index])
                raise Refused("deterministic", f"two runs on the same inputs ({case.label}) differ (max |diff| = "
                              f"{diff:.3g}); results must not depend on uninitialised memory or timing")
        passed.append("deterministic")
    child.ask({"op": "check"})
    if not timed:
        passed += ["no-patching", "no-threads"]
        result["correct"] = True
        result["checks"] = [{"name": n, "ok": True} for n in dict.fromkeys(passed)]
        return
    for index, case in enumerate(timed):
        values, tensors = wire.pack_args(case.args)
        child.ask({"op": "put", "id": index, "args": values}, tensors)
    counts = [sets_per_batch(case, cfg["trials"], cfg["device"]) for case in timed]
    overheads = [_null_overhead(child, cfg["trials"], case, count) for case, count in zip(timed, counts)]
    clock = Clock()
    samples, host, walls = [], [], []
    for sample in range(cfg["samples"]):
        total = total_host = total_wall = 0.0
        for index, case in enumerate(timed):
            batch = sample * len(timed) + index
            m, h, w = _timed_case(child, index, case, cfg, overheads[index], clock, reference, batch, counts[index])
            total, total_host, total_wall = total + m, total_host + h, total_wall + w
        samples.append(total)
        host.append(total_host)
        walls.append(total_wall)
    child.ask({"op": "check"})
    passed += ["correct-when-timed", "no-patching", "no-threads", "timing-consistent"]
    result["timings"]["kernel"] = samples
    result["timings"]["kernel_host"] = host
    result["timings"]["kernel_parent_wall"] = walls
    result["metrics"]["kernel_time_s"] = timing.median(samples)
    result["artifacts"]["timing_source"] = (
        f"{clock.child} batch(es) timed by the kernel's process and confirmed by the evaluator's clock, {clock.parent} "
        f"timed by the evaluator's own clock (the kernel's figure was not plausible), {clock.retried} retried; null "
        f"round trip {', '.join(f'{o * 1e3:.3f}' for o in overheads)} ms per {cfg['trials']} calls; "
        f"{', '.join(map(str, counts))} distinct input set(s) per batch of {cfg['trials']} calls")
    # Every batch taken, in ms: the child's median call x calls / the child's sum / this process's wall less the
    # null round trip (the measures behind BAND).
    result["artifacts"]["timing_batches"] = " ".join(f"{m * 1e3:.3f}/{t * 1e3:.3f}/{w * 1e3:.3f}"
                                                     for m, t, w in clock.batches)
    if ref_samples:
        result["timings"]["reference"] = ref_samples
        result["metrics"]["reference_time_s"] = timing.median(ref_samples)
    result["correct"] = True
    result["checks"] = [{"name": n, "ok": True} for n in dict.fromkeys(passed)]
