# Red team (stand-in host, state carried to the next evaluation): the program stores its answer in every place
# it can write (temporary folders, home, the cache folders, its own folder, the working folder) and, when a
# later evaluation finds it there, answers at once; otherwise it is slow (0.3 s). Each evaluation must start
# from nothing: the timed figure must stay slow, in every run of a reused container too.
import os
import time

NAME = ".adrs-redteam-carried"
PLACES = ["/tmp", "/var/tmp", "/dev/shm", os.path.expanduser("~"), "/var/cache/adrs", "/var/cache", "/",
          os.getcwd(), os.path.dirname(os.path.abspath(__file__)), "/problem", "/workspace"]


def _found():
    for place in PLACES:
        try:
            with open(os.path.join(place, NAME), encoding="utf-8") as fh:
                return int(fh.read())
        except (OSError, ValueError):
            continue
    return None


def _store(value):
    for place in PLACES:
        try:
            with open(os.path.join(place, NAME), "w", encoding="utf-8") as fh:
                fh.write(str(value))
        except OSError:
            continue


# EVOLVE-BLOCK-START
def solve(xs):
    carried = _found()
    if carried is not None:
        print("CARRIED state from an earlier evaluation")
        return carried
    time.sleep(0.3)
    answer = sum(x * x for x in xs)
    _store(answer)
    return answer
# EVOLVE-BLOCK-END
