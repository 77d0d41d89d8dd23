# Red team (stand-in host, precomputing before the timed call): the timed evaluator's input is fixed
# (range(3000)) and the program is imported before its clock starts, so the program computes the answer at
# import, slowly, and solve() returns it at once. A KNOWN HOLE of evaluators whose inputs can be known in
# advance (upstream OpenEvolve imports the program before timing it too); closed by an evaluator that makes
# its inputs at call time, as the kernel harness does.
import time

_answer = sum(x * x for x in range(3000))
time.sleep(0.3)  # the real work, done where no clock sees it


# EVOLVE-BLOCK-START
def solve(xs):
    return _answer if len(xs) == 3000 else sum(x * x for x in xs)
# EVOLVE-BLOCK-END
