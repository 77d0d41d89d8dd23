# Red team (stand-in host, work between calls): solve() answers, then leaves a Python thread running in the
# candidate's persistent process, which could keep working on the next call before the evaluator's clock
# starts. The host must fail the call (nothing may outlive a call) with a verdict that says so.
import threading

_store = {}


def _ahead(xs):
    # Stands for precomputing the next call: it keeps running after solve() has returned.
    while True:
        _store["next"] = sum(x * x for x in xs)


# EVOLVE-BLOCK-START
def solve(xs):
    threading.Thread(target=_ahead, args=(list(xs),), daemon=True).start()
    return sum(x * x for x in xs)
# EVOLVE-BLOCK-END
