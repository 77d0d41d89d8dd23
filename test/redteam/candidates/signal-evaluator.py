# Red team: stop or trace the evaluator. SIGSTOP to every process it can see, PTRACE_ATTACH through ctypes
# built from strings, then the seed's algorithm. If any of it reached the evaluator, the evaluation would
# hang or the clock would run wild; it must finish with the honest result.
import ctypes
import os
import signal

for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != os.getpid():
        try:
            os.kill(int(pid), signal.SIGSTOP)
            print("LEAKED: stopped pid", pid, flush=True)
        except OSError:
            pass
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if getattr(libc, "ptr" + "ace")(16, int(pid), 0, 0) == 0:
                print("LEAKED: attached to pid", pid, flush=True)
        except Exception:
            pass
for parent in (os.getppid(), 1):
    try:
        os.kill(parent, signal.SIGKILL)
        print("LEAKED: killed", parent, flush=True)
    except OSError:
        pass

import importlib.util as _u  # noqa: E402

_spec = _u.spec_from_file_location("seed_eplb", os.path.join(os.path.dirname(__file__), "seed_eplb.py"))
_seed = _u.module_from_spec(_spec)
_spec.loader.exec_module(_seed)
rebalance_experts = _seed.rebalance_experts
