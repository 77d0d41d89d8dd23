"""Differential checks of a patch beyond its tests: the workload and the changed functions, base vs patched.

Three checks, each in fresh processes of the instance's Python (PYTHONHASHSEED=0, random seeded alike):
  differential-workload  the workload runs once on each tree (adrs_observe): workload()'s return value, the globals
                         setup()/workload() assign, and what it prints (timing lines aside) must match.
  differential-calls     the calls into the functions the patch changes (adrs_changed, adrs_capture), recorded in
                         both runs at the same call numbers, must return the same results (and leave their
                         arguments alike): catches a wrong answer for one input among many, a stale cache.
  differential-replay    the base run's recorded calls replayed on the patched tree in a fresh process
                         (adrs_replay) must give the base results: an answer must follow from the inputs alone.
Comparison: adrs_diffcompare (tolerances, canonical types, -0.0, dict order, pandas); `may_differ` paths are
ignored. When a difference shows up and the base tree is at hand, the base is probed once more (a second base run:
paths that differ between two base runs are noise and are ignored; a base replay: the replay reference for calls
that depend on context), so these extra runs cost time only when something differs.

Two-tree mode (one command; the base tree must be built like the patched one):
    python3 adrs_diffcheck.py --base DIR --patched DIR --workload FILE --diff FILE --out FILE
                              [--python PY] [--config FILE]
Phased mode, for one tree switched in place (the SWE harness's /testbed):
    ... --phase base    --tree DIR --state DIR --workload FILE --diff FILE [--python PY] [--config FILE]
    ... --phase patched --tree DIR --state DIR --out FILE [--python PY]
    and only when that report says "needs_base_probe" (something differs; is it noise or a real change?):
    ... --phase probe   --tree DIR --state DIR [--python PY]          (the tree switched back to base)
    ... --phase judge   --tree DIR --state DIR --out FILE [--python PY]  (the patch applied again)
Configuration (JSON, --config FILE or $ADRS_DIFFERENTIAL): enabled, workload, calls, replay, may_differ,
max_calls, max_bytes, rtol, atol, strict, passes, timing_lines, timeout_s, noise_probe. The report (--out, and stdout):
{"ok", "checks": [{name, ok, detail}], "first_difference", "feedback", "notes", "seconds", "targets"}.
"""

import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from adrs_changed import changed_targets  # noqa: E402

DEFAULTS = {"enabled": True, "workload": True, "calls": True, "replay": True, "may_differ": [], "max_calls": 200,
            "max_bytes": 1_000_000, "rtol": 1e-6, "atol": 1e-9, "strict": True, "passes": 1, "timing_lines": "",
            "timeout_s": 900, "noise_probe": True}
CHECKS = ("differential-workload", "differential-calls", "differential-replay")


def load_config(path=None):
    cfg = dict(DEFAULTS)
    raw = None
    if path:
        with open(path) as f:
            raw = json.load(f)
    elif os.environ.get("ADRS_DIFFERENTIAL"):
        raw = json.loads(os.environ["ADRS_DIFFERENTIAL"])
    if isinstance(raw, dict):
        raw = raw.get("differential", raw)
        unknown = sorted(set(raw) - set(DEFAULTS))
        if unknown:
            raise SystemExit("differential config: unknown field %s (known: %s)" % (unknown[0], ", ".join(DEFAULTS)))
        cfg.update(raw)
    return cfg


class Runner:
    """Runs the observe/replay/compare scripts as fresh processes of the instance's Python."""

    def __init__(self, python, cfg, state):
        self.python, self.cfg, self.state = python, cfg, state
        self.seconds = {}

    def env(self, tree):
        env = dict(os.environ, PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
        env["PYTHONPATH"] = os.pathsep.join([tree] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        return env

    def run(self, label, script, args, tree):
        t0 = time.time()
        try:
            p = subprocess.run([self.python, os.path.join(HERE, script)] + args, cwd=tree, env=self.env(tree),
                               capture_output=True, text=True, errors="replace", timeout=float(self.cfg["timeout_s"]))
            rc, err = p.returncode, p.stderr
        except subprocess.TimeoutExpired:
            rc, err = 124, "timed out after %s s" % self.cfg["timeout_s"]
        self.seconds[label] = round(self.seconds.get(label, 0) + time.time() - t0, 4)
        if rc != 0:
            raise RuntimeError("%s failed (exit %d): %s" % (label, rc, err.strip()[-800:]))

    def path(self, name):
        return os.path.join(self.state, name)

    def observe(self, label, tree, workload, out, select=None):
        args = ["--tree", tree, "--workload", workload, "--out", self.path(out),
                "--max-calls", str(self.cfg["max_calls"]), "--max-bytes", str(self.cfg["max_bytes"]),
                "--passes", str(self.cfg["passes"])]
        if self.cfg["timing_lines"]:
            args += ["--timing-lines", self.cfg["timing_lines"]]
        if self.cfg["calls"] or self.cfg["replay"]:
            args += ["--targets", self.path("targets.json")]
        if select:
            args += ["--select", self.path(select)]
        self.run(label, "adrs_observe.py", args, tree)

    def replay(self, label, tree, out):
        self.run(label, "adrs_replay.py", ["--tree", tree, "--calls", self.path("calls.pkl"), "--out", self.path(out),
                                           "--max-bytes", str(self.cfg["max_bytes"])], tree)

    def compare(self, tree):
        self.run("compare", "adrs_diffcheck.py", ["--compare-worker", self.state], tree)
        with open(self.path("compared.json")) as f:
            return json.load(f)


def _restricted_load(path):
    from adrs_capture import _Restricted

    with open(path, "rb") as f:
        return _Restricted(f).load()


def prepare_calls(runner, targets):
    """After the base run: the selection for the patched run and the calls file for replay (arguments only)."""
    base = _restricted_load(runner.path("base.pkl"))
    select = {}
    for r in base["records"]:
        select.setdefault(r["key"], []).append(r["n"])
    with open(runner.path("select.json"), "w") as f:
        json.dump(select, f)
    by_key = {"%s.%s" % (t["module"], t["qualname"]): t for t in targets}
    records = [{"key": r["key"], "n": r["n"], "kind": r["kind"], "args": r["args"], "after": bool(r["after"])}
               for r in base["records"]]
    with open(runner.path("calls.pkl"), "wb") as f:
        pickle.dump({"targets": by_key, "records": records}, f, protocol=4)
    return len(records)


def write_targets(runner, diff_path, base_tree, patched_tree):
    with open(diff_path, encoding="utf-8", errors="replace") as f:
        diff = f.read()
    targets, notes = changed_targets(diff, base_tree, patched_tree)
    with open(runner.path("targets.json"), "w") as f:
        json.dump(targets, f)
    return targets, notes


def report(runner, cfg, compared, targets, notes, extra_seconds=0.0):
    checks, first = [], None
    for name in CHECKS:
        c = compared["checks"].get(name)
        if c is None:
            continue
        checks.append({"name": name, "ok": c["ok"], "detail": c["detail"][:1000]})
        if not c["ok"] and first is None:
            first = c["first"]
    ok = all(c["ok"] for c in checks)
    feedback = ("The patch changes a result the tests do not check (%s): %s. A faster patch must give the same "
                "results as base_commit for the workload's inputs, in the same form." % (
                    next(c["name"] for c in checks if not c["ok"]), first)) if not ok else ""
    secs = dict(runner.seconds)
    secs["total"] = round(sum(runner.seconds.values()) + extra_seconds, 4)
    return {"ok": ok, "checks": checks, "first_difference": first, "feedback": feedback[:2000],
            "notes": (notes + compared.get("notes", []))[:50], "seconds": secs,
            "targets": ["%s.%s" % (t["module"], t["qualname"]) for t in targets]}


def two_trees(opts, cfg):
    state = tempfile.mkdtemp(prefix="adrs-diffcheck-")
    try:
        runner = Runner(opts.get("--python") or sys.executable, cfg, state)
        with open(runner.path("config.json"), "w") as f:
            json.dump(cfg, f)
        t0 = time.time()
        base, patched = os.path.abspath(opts["--base"]), os.path.abspath(opts["--patched"])
        targets, notes = write_targets(runner, opts["--diff"], base, patched)
        runner.seconds["targets"] = round(time.time() - t0, 4)
        runner.observe("observe-base", base, opts["--workload"], "base.pkl")
        prepare_calls(runner, targets)
        runner.observe("observe-patched", patched, opts["--workload"], "patched.pkl", select="select.json")
        if cfg["replay"]:
            runner.replay("replay-patched", patched, "replay-patched.pkl")
        compared = runner.compare(base)
        # Something differs: probe the base once more (noise, context) and judge again.
        probe = False
        if compared["needs"].get("noise"):
            runner.observe("observe-base-again", base, opts["--workload"], "base2.pkl", select="select.json")
            probe = True
        if compared["needs"].get("replay_base"):
            runner.replay("replay-base", base, "replay-base.pkl")
            probe = True
        if probe:
            compared = runner.compare(base)
        return report(runner, cfg, compared, targets, notes)
    finally:
        shutil.rmtree(state, ignore_errors=True)


def phased(opts, cfg):
    """One tree switched in place between base and patch (the SWE harness). Phases, in order:

    base     on base_commit: which functions change, then observe the workload (one process).
    patched  on the patched tree: observe, replay the base calls, compare. When everything agrees, the report
             is final. When something differs, the report says `needs_base_probe`: the caller switches back to
             base_commit and runs `probe` (base observed again, base replay), then the patch and `judge`.
             So the second base run, which tells noise from a real change, costs nothing on the common path.
    probe    on base_commit, only when asked.
    judge    on the patched tree: compare again with what the probe added; the final report.
    """
    state, tree = opts["--state"], os.path.abspath(opts["--tree"])
    os.makedirs(state, exist_ok=True)
    runner = Runner(opts.get("--python") or sys.executable, cfg, state)
    phase = opts["--phase"]
    if phase == "base":
        t0 = time.time()
        shutil.copy(opts["--workload"], runner.path("workload.py"))
        with open(runner.path("config.json"), "w") as f:
            json.dump(cfg, f)
        # Which functions change is read from the base tree now (the patched tree is not there yet).
        targets, notes = write_targets(runner, opts["--diff"], tree, None)
        runner.seconds["targets"] = round(time.time() - t0, 4)
        runner.observe("observe-base", tree, runner.path("workload.py"), "base.pkl")
        n_calls = prepare_calls(runner, targets)
        with open(runner.path("phase-base.json"), "w") as f:
            json.dump({"targets": targets, "notes": notes, "seconds": runner.seconds, "calls": n_calls}, f)
        return None
    with open(runner.path("config.json")) as f:
        runner.cfg = cfg = json.load(f)
    with open(runner.path("phase-base.json")) as f:
        before = json.load(f)
    if phase == "probe":
        with open(runner.path("needs.json")) as f:
            needs = json.load(f)
        if needs.get("noise") and cfg["noise_probe"]:
            runner.observe("observe-base-again", tree, runner.path("workload.py"), "base2.pkl", select="select.json")
        if needs.get("replay_base") and before.get("calls"):
            runner.replay("replay-base", tree, "replay-base.pkl")
        before["seconds"].update(runner.seconds)
        with open(runner.path("phase-base.json"), "w") as f:
            json.dump(before, f)
        return None
    if phase == "patched":
        runner.observe("observe-patched", tree, runner.path("workload.py"), "patched.pkl", select="select.json")
        if cfg["replay"]:
            runner.replay("replay-patched", tree, "replay-patched.pkl")
    compared = runner.compare(tree)
    needs = {k: v for k, v in compared.get("needs", {}).items() if v}
    if not cfg["noise_probe"]:
        needs.pop("noise", None)
    result = report(runner, cfg, compared, before["targets"], before["notes"], sum(before["seconds"].values()))
    if phase == "patched" and needs and not result["ok"]:
        with open(runner.path("needs.json"), "w") as f:
            json.dump(needs, f)
        result["needs_base_probe"] = sorted(needs)
    return result


def main(argv):
    if len(argv) == 2 and argv[0] == "--compare-worker":
        from adrs_diffjudge import judge_state

        return judge_state(argv[1])
    opts = dict(zip(argv[::2], argv[1::2]))
    for k in ("--base", "--patched", "--tree", "--state", "--workload", "--diff", "--out", "--config"):
        if opts.get(k):
            opts[k] = os.path.abspath(opts[k])  # the scripts run with the tree as their working directory
    cfg = load_config(opts.get("--config"))
    if not cfg["enabled"] or not (cfg["workload"] or cfg["calls"] or cfg["replay"]):
        result = {"ok": True, "checks": [], "first_difference": None, "feedback": "",
                  "notes": ["differential checks disabled by the problem"], "seconds": {}, "targets": []}
    else:
        try:
            result = phased(opts, cfg) if "--phase" in opts else two_trees(opts, cfg)
        except RuntimeError as e:
            # The checks could not run (the workload fails on one tree, a timeout): a failed check, said plainly.
            result = {"ok": False, "checks": [{"name": "differential", "ok": False, "detail": str(e)[:1000]}],
                      "first_difference": None, "feedback": "The differential check could not run: %s" % str(e)[:1500],
                      "notes": [], "seconds": {}, "targets": []}
        if result is None:
            return
    text = json.dumps(result, indent=1)
    if opts.get("--out"):
        with open(opts["--out"], "w") as f:
            f.write(text)
    print(text)


if __name__ == "__main__":
    main(sys.argv[1:])
