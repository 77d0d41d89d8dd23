"""Reports the evaluator's own platform faults on a channel only the trusted side can write (ADRS_INFRA_REPORT).

Python loads this at start-up from the harness folder on PYTHONPATH (every Python evaluator has it). When the
evaluator dies of an uncaught EAGAIN (it could not fork: its uid's process budget is spent) or the warden
refused to start a candidate for that reason, one line goes to the file named by ADRS_INFRA_REPORT, in the
folder only the evaluator's uid can open. The platform classifies a failure as infrastructure from that file
(and a sandbox that could not start) only, never from stderr, which a candidate can fill with the same words.
Candidates never see ADRS_* variables. Debian's own sitecustomize (shadowed by this one) still runs.
"""
import errno
import os
import sys


def _infrastructure(error):
    if isinstance(error, OSError) and error.errno == errno.EAGAIN:
        return f"the evaluator could not start a process ({type(error).__name__}: {error})"
    text = str(error)
    if isinstance(error, RuntimeError) and text.startswith("adrs warden refused to start") and "Errno 11" in text:
        return f"the evaluator could not start a process ({text[:200]})"
    return None


def _install():
    path = os.environ.get("ADRS_INFRA_REPORT")
    if not path:
        return
    previous = sys.excepthook

    def hook(kind, error, tb):
        cause = _infrastructure(error)
        if cause:
            try:
                with open(path, "a", encoding="utf-8") as fh:
                    fh.write(cause.replace("\n", " ") + "\n")
            except OSError:
                pass
        previous(kind, error, tb)

    sys.excepthook = hook


def _chain():
    """Runs the next sitecustomize on sys.path (Debian's), which this file shadows."""
    here = os.path.dirname(os.path.abspath(__file__))
    for folder in sys.path:
        candidate = os.path.join(folder or ".", "sitecustomize.py")
        if os.path.abspath(folder or ".") != here and os.path.isfile(candidate):
            try:
                with open(candidate, encoding="utf-8") as fh:
                    exec(compile(fh.read(), candidate, "exec"), {"__name__": "sitecustomize", "__file__": candidate})
            except Exception:  # noqa: BLE001 - a broken system hook must not stop the evaluator
                pass
            return


_install()
_chain()
