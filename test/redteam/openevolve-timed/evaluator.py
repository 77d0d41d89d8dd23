"""A timed OpenEvolve evaluator written the way users write them (adrs red-team fixture).

It imports program_path into its own process and times solve() with a clock it captured before the import but
looks up as a module global on every call: the shape that a candidate beat in issue 16 by setting
`sys.modules["__main__"]._clock`. Under adrs it imports a stand-in, so the program's code runs elsewhere.
"""
import importlib.util
import time

_clock = time.perf_counter


def evaluate(program_path):
    spec = importlib.util.spec_from_file_location("program", program_path)
    program = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(program)
    xs = list(range(3000))
    t0 = _clock()
    got = program.solve(xs)
    elapsed = _clock() - t0
    ok = got == sum(x * x for x in xs)
    return {
        "correct": ok,
        "time_s": elapsed,
        "combined_score": min(1000.0, 0.01 / max(elapsed, 1e-9)) if ok else 0.0,
    }
