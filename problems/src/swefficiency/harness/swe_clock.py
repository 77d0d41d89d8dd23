"""The evaluator's clock over a workload that runs in the candidate's domain (swe_workload.py --control).

The workload process (and each repeat's forked child) runs the patched repository, so nothing it says about time
is taken as the measurement. For every timed repeat it says "ready" once setup is done, waits for our "go", runs
timeit's loop of `number` calls and says "done": the repeat's time is what *our* clock read between sending go and
receiving done. The child's own readings are a cross-check only: taken on the same clock inside our interval, an
honest pair always lies within it, whatever the load; a patched timer (time.perf_counter, timeit) shows up there
and ends the run as a failure. Mean and Std Dev are computed here over our times, on the slice of them the
official plan names (the workload's `runtimes[...]`); the workload's printed "Mean:" is never read.

The repeat ends with "worked" (our clock stops there), then we send the pick and the child hashes what the
repeat's calls produced (swe_workload.Results: return values, dropped expression values, locals at return, the
globals the workload assigns; of the many values one place in a loop produces, two of those kept, picked by a seed
the child learns only after "worked") and sends the digest with "done". compare_results checks each patched
repeat's digest against base_commit's repeats of the same timeit.repeat call, where those agree among themselves: a
patch that skips its work only while timed (timeit turns the collector off; the tests and the differential checks
do not) gives other values there and is refused. A patched repeat that sends no digest where base_commit's did is
refused too.

The hashing is outside the timed interval (it once ran inside, on both sides, and diluted real speedups: ~22 ms a
repeat on xarray-7735), but not free: hashing also evaluates whatever a result left lazy, so a patch could move its
work into a result whose pickling does it. We time the hashing too, from our pick to done, and charge every repeat
(base_commit's and the patch's alike) the part of it above the median of base_commit's hashing times for the same
timeit.repeat call (hashing_charges). Deferred work is then paid in full, less nothing; an honest patch, whose
results hash as base_commit's do, is charged only the noise above that median, as base_commit's own repeats are, so
the ratio stays unbiased. A refusal above some factor was the alternative; a charge needs no threshold to tune, and
a patch whose results are slower to hash for honest reasons (a different but equal layout) just pays that.

What this does not stop, said in the README: the timed process is the candidate's, harness code included. A patch
that rewires that code (through the process's __main__) can run the workload once before go, untimed and
unrecorded, and answer the timed calls from a memo with the right values; or send done with base_commit's digest
if it can compute that outside the interval. The clock, the statistics, the comparison and the result are ours.
"""
import ast
import statistics
import time

import swe_domain
import swe_workload

# Both processes read CLOCK_MONOTONIC (time.perf_counter on Linux): an honest child's two readings lie inside our
# interval, whatever the load; this much is float rounding.
CLOCK_SLACK = 1e-4


class ClockMismatch(RuntimeError):
    """The workload's own clock disagrees with ours: a patched timer."""


def counted_view(workload_source, times, isolation):
    """The times Mean/Std are taken over: the official plan's runtimes slice when it is a literal one."""
    if not isolation:
        return times
    try:
        plan = swe_workload.plan_official(ast.parse(workload_source))
    except SyntaxError:
        return times
    if plan is None or plan.view is None:
        return times
    sl = plan.view

    def bound(node):
        return None if node is None else int(ast.literal_eval(node))

    try:
        return times[slice(bound(sl.lower), bound(sl.upper), bound(sl.step))]
    except (ValueError, TypeError):  # a slice with names in it: all the repeats
        return times


def check_self(k, t0, t1, done):
    """The child's own clock readings must lie inside our go..done interval (same clock); else its timer was patched."""
    own = (done.get("t0"), done.get("t1"))
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in own):
        raise ClockMismatch("repeat %d reported no clock readings of its own (%r)" % (k + 1, own))
    if not (t0 - CLOCK_SLACK <= own[0] <= own[1] <= t1 + CLOCK_SLACK):
        raise ClockMismatch("the workload's own clock disagrees with the evaluator's in repeat %d: it read %.6f..%.6f, "
                            "outside the evaluator's go..done interval %.6f..%.6f on the same clock (a patched timer?)"
                            % (k + 1, own[0], own[1], t0, t1))
    return own[1] - own[0]


def timed_run(argv, cwd, env, timeout, progress=lambda text: None, results=None, seed=0, pick=0, hashing=None):
    """Runs `argv` (swe_workload.py ... --control) as the candidate and times its repeats on our clock.
    Returns (times, selfs, stderr text); raises RuntimeError (ClockMismatch) when the run fails or lies.
    `results` (a list) gets each repeat's digest of what its calls produced, as its done message carried it, and
    `hashing` (a list) the seconds that digest took on our clock (from our pick to done). `seed` (sent with every go)
    draws the reservoir of a place's values; `pick` (sent only after the repeat said "worked") picks which of the kept
    values are hashed. Base and patch must get the same of both."""
    import tempfile

    deadline = time.monotonic() + timeout
    times, selfs, shown = [], [], None
    results = [] if results is None else results
    hashing = [] if hashing is None else hashing
    with tempfile.TemporaryFile() as err:
        proc = swe_domain.Process(argv, cwd, env, err.fileno())
        failure = None
        try:
            while True:
                msg = proc.recv_json(max(1.0, deadline - time.monotonic()))
                ev = msg.get("ev") if isinstance(msg, dict) else None
                if ev == "end":
                    break
                if ev != "ready":
                    raise swe_domain.CandidateError("unexpected message %r where a repeat should start" % (msg,))
                k = len(times)
                if shown is None or time.monotonic() - shown >= 1.0 or k + 1 == msg.get("of"):
                    shown = time.monotonic()
                    progress("workload: repeat %d of %s (%s call(s) each, one process per repeat)"
                             % (k + 1, msg.get("of"), msg.get("number")))
                t0 = time.perf_counter()
                proc.send_json({"go": True, "seed": seed})
                worked = proc.recv_json(max(1.0, deadline - time.monotonic()))
                t1 = time.perf_counter()
                if not isinstance(worked, dict) or worked.get("ev") != "worked":
                    raise swe_domain.CandidateError("unexpected message %r where a repeat should end" % (worked,))
                selfs.append(check_self(k, t0, t1, worked))
                h0 = time.perf_counter()
                proc.send_json({"hash": True, "pick": pick})
                done = proc.recv_json(max(1.0, deadline - time.monotonic()))
                h1 = time.perf_counter()
                if not isinstance(done, dict) or done.get("ev") != "done":
                    raise swe_domain.CandidateError("unexpected message %r where a repeat's digest should come"
                                                    % (done,))
                times.append(t1 - t0)
                hashing.append(h1 - h0)
                results.append(done.get("results"))
        except swe_domain.CandidateError as error:
            failure = "its control channel to the evaluator broke: %s" % error
        except ClockMismatch:
            proc.kill()
            proc.close()
            raise
        if failure:
            proc.kill()
        status = proc.close()
        err.seek(0)
        text = err.read(4 << 20).decode(errors="replace")
    if failure or status != 0:
        why = failure or ("exit code %s" % status)
        raise RuntimeError("workload failed (%s): %s" % (why, text[-1500:]))
    if not times:
        raise RuntimeError("workload failed (no timed repeat ran: no timeit.repeat call?): %s" % text[-1500:])
    return times, selfs, text


def hashing_reference(results, hashing):
    """{timeit.repeat call: the median of base_commit's hashing seconds for its repeats} (see the module docstring)."""
    by_call = {}
    for r, h in zip(results, hashing):
        d = _digest_of(r)
        by_call.setdefault(d.get("call") if d else None, []).append(h)
    return {call: statistics.median(hs) for call, hs in by_call.items()}


def hashing_charges(results, hashing, reference):
    """Per repeat, the seconds of its hashing above the reference for its timeit.repeat call (all of it where base_
    commit's run has no such call): what is added to the repeat's time."""
    out = []
    for r, h in zip(results, hashing):
        d = _digest_of(r)
        ref = reference.get(d.get("call") if d else None, 0.0)
        out.append(max(0.0, h - ref))
    return out


class ResultsDiffer(RuntimeError):
    """The patched run's timed repeats produced other results than base_commit's."""


def _digest_of(r):
    """A repeat's results as its done message carried them (swe_workload.Results.finish), or None."""
    return r if isinstance(r, dict) and isinstance(r.get("calls"), str) else None


WHAT = "what the workload's calls returned and computed (and the globals it assigns)"


def compare_results(base, patched):
    """Checks each patched timed repeat's digest against base_commit's repeats of the same timeit.repeat call. It
    applies only when every one of those base repeats sent a digest and all are the same (a random or time-dependent
    result is not compared). Returns notes for the report; raises ResultsDiffer on a difference, or when a patched
    repeat sent no digest where base_commit's did."""
    by_call = {}
    for r in base:
        d = _digest_of(r)
        by_call.setdefault(d.get("call") if d else None, []).append(d)
    if not any(by_call.get(k) for k in by_call if k is not None):
        return ["not compared: base_commit's repeats sent no digest of their results (no hashing library)"]
    notes, compared = [], 0
    for k, r in enumerate(patched):
        mine = _digest_of(r)
        if mine is None:
            raise ResultsDiffer("repeat %d sent no digest of its results; base_commit's did" % (k + 1))
        theirs = by_call.get(mine.get("call"), [])
        values = {t["calls"] if t else None for t in theirs}
        if not theirs or None in values:
            note = "not compared: %s (base_commit's run sent no digest for this timeit.repeat call)" % WHAT
        elif len(values) > 1:
            note = ("not compared: %s (base_commit's own %d repeats differ among themselves: random or "
                    "time-dependent)" % (WHAT, len(theirs)))
        elif mine["calls"] != next(iter(values)):
            raise ResultsDiffer("repeat %d: %s differs (%s of its %s value(s) hashed; base_commit's %d repeat(s) all "
                                "agree with each other)" % (k + 1, WHAT, mine.get("hashed"), mine.get("values"),
                                                            len(theirs)))
        else:
            compared += 1
            continue
        if note not in notes:
            notes.append(note)
    missed = sorted({m for r in list(base) + list(patched) for m in ((_digest_of(r) or {}).get("missed") or [])
                     if isinstance(m, str)})
    if missed:
        notes.append("parts hashed by their type only (not compared): %s" % ", ".join(missed[:10]))
    return ["%d of %d timed repeat(s) agree with base_commit's" % (compared, len(patched))] + notes


def summary(view):
    mean = statistics.mean(view)
    return mean, statistics.stdev(view) if len(view) > 1 else 0.0
