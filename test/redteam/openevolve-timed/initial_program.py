# The program of the red team's timed OpenEvolve folder: the sum of squares, honestly.
# EVOLVE-BLOCK-START
def solve(xs):
    return sum(x * x for x in xs)
# EVOLVE-BLOCK-END
