"""Differential checks of a patch beyond its tests: the workload and the changed functions, base vs patched.

Three checks, each in fresh processes of the instance's Python (PYTHONHASHSEED=0, random seeded alike):
  differential-workload  the workload runs once on each tree (adrs_observe): workload()'s return value, the globals
                         setup()/workload() assign, the script's functions' locals at return, and what it prints
                         (timing lines aside) must match.
  differential-calls     every call into the functions the patch changes (adrs_changed; adrs_capture swaps their
                         code objects, so dispatch tables see it too), hashed in both runs and matched by its
                         arguments: each outcome with the patch must be one the base gave for the same arguments
                         (and leave them alike): catches a wrong answer for one input among many, a stale cache.
                         Full values are kept only for calls that differ, to show them and apply tolerances.
  differential-replay    the base run's recorded calls replayed on the patched tree in a fresh process
                         (adrs_replay) must give the base results: an answer must follow from the inputs alone.
Comparison: adrs_diffcompare (tolerances, canonical types, -0.0, dict order, pandas); `may_differ` paths are
ignored. When a difference shows up and the base tree is at hand, the base is probed once more (a second base run:
paths that differ between two base runs are noise and are ignored; a base replay: the replay reference for calls
that depend on context), so these extra runs cost time only when something differs.

Two-tree mode (one command; the base tree must be built like the patched one):
    python3 adrs_diffcheck.py --base DIR --patched DIR --workload FILE --diff FILE --out FILE
                              [--python PY] [--config FILE] [--seed N]
    (--seed: PYTHONHASHSEED and the random seeds of every run; the verdict must not depend on it)
Phased mode, for one tree switched in place (the SWE harness's /testbed):
    ... --phase base    --tree DIR --state DIR --workload FILE --diff FILE [--python PY] [--config FILE]
    ... --phase patched --tree DIR --state DIR --out FILE [--python PY]
    and only when that report says "needs_base_probe" (something differs; is it noise or a real change?):
    ... --phase probe   --tree DIR --state DIR [--python PY]          (the tree switched back to base)
    ... --phase judge   --tree DIR --state DIR --out FILE [--python PY]  (the patch applied again)
Configuration (JSON, --config FILE or $ADRS_DIFFERENTIAL): enabled, workload, calls, replay, may_differ,
max_calls, max_bytes, rtol, atol, strict, passes, timing_lines, timeout_s, noise_probe. The report (--out, and stdout):
{"ok", "checks": [{name, ok, detail}], "first_difference", "differences": {check: {count, shown: [the first 50 in
full]}}, "feedback" (short, for the model: the first difference), "notes", "seconds", "targets"}.
"""

import hashlib
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
            "timeout_s": 900, "noise_probe": True, "cache": True}
CHECKS = ("differential-workload", "differential-calls", "differential-replay")
# What the observe, replay and compare steps import: a caller that forks them can import these once, first.
PRELOAD = {"path": HERE, "modules": ["adrs_diffcompare", "adrs_capture", "adrs_diffjudge"]}


class ConfigError(ValueError):
    """A bad differential configuration or phase; the caller reports it (main() exits with its message)."""


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
            raise ConfigError("differential config: unknown field %s (known: %s)" % (unknown[0], ", ".join(DEFAULTS)))
        cfg.update(raw)
    return cfg


class Runner:
    """Runs the observe/replay/compare scripts as fresh processes of the instance's Python."""

    def __init__(self, python, cfg, state, seed=0):
        self.python, self.cfg, self.state, self.seed = python, cfg, state, int(seed)
        self.seconds = {}
        self.jobs: list | None = None  # a list: run() defers its jobs there instead of starting processes
        self.group: str | None = None  # deferred jobs of one group may run side by side
        self.overlap = 0.0  # seconds that side-by-side jobs saved (the total counts wall time)

    def env(self, tree):
        env = dict(os.environ, PYTHONHASHSEED=str(self.seed), PYTHONDONTWRITEBYTECODE="1")
        env["PYTHONPATH"] = os.pathsep.join([tree] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        return env

    def run(self, label, script, args, tree):
        if self.jobs is not None:
            # Deferred: the caller runs the job itself (the SWE harness forks it from its workload process).
            self.jobs.append({"label": label, "script": os.path.join(HERE, script), "argv": args, "cwd": tree,
                              "timeout_s": float(self.cfg["timeout_s"]), "group": self.group})
            return
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

    def collect(self, done):
        """Folds in the outcome of deferred jobs ({label: {rc, seconds, log}}, written by whoever ran them)."""
        batches = {}
        for res in done.values():
            batches.setdefault(res.get("batch"), []).append(float(res.get("seconds", 0)))
        # Jobs that ran side by side: their wall time is the longest of them, not the sum.
        self.overlap += sum(sum(b) - max(b) for b in batches.values() if len(b) > 1)
        for job in self.jobs or []:
            res = done.get(job["label"])
            if res is None:
                raise RuntimeError("%s did not run" % job["label"])
            self.seconds[job["label"]] = round(self.seconds.get(job["label"], 0) + float(res.get("seconds", 0)), 4)
            if res.get("rc") != 0:
                why = "timed out after %s s" % job["timeout_s"] if res.get("rc") == -14 else "exit %s" % res.get("rc")
                raise RuntimeError("%s failed (%s): %s" % (job["label"], why, str(res.get("log", "")).strip()[-800:]))
        self.jobs = None

    def path(self, name):
        return os.path.join(self.state, name)

    def observe(self, label, tree, workload, out, expect=None, want=None, replay_out=None):
        """replay_out: also replay the base's recorded calls on this tree (forked by the observing process)."""
        args = ["--tree", tree, "--workload", workload, "--out", self.path(out),
                "--max-calls", str(self.cfg["max_calls"]), "--max-bytes", str(self.cfg["max_bytes"]),
                "--passes", str(self.cfg["passes"]), "--seed", str(self.seed)]
        if self.cfg["timing_lines"]:
            args += ["--timing-lines", self.cfg["timing_lines"]]
        if self.cfg["calls"] or self.cfg["replay"]:
            args += ["--targets", self.path("targets.json")]
        if expect:
            args += ["--expect", self.path(expect)]
        if want:
            args += ["--want", self.path(want)]
        if replay_out:
            args += ["--replay-calls", self.path("calls.pkl"), "--replay-out", self.path(replay_out)]
        self.run(label, "adrs_observe.py", args, tree)

    def replay(self, label, tree, out):
        self.run(label, "adrs_replay.py", ["--tree", tree, "--calls", self.path("calls.pkl"), "--out", self.path(out),
                                           "--max-bytes", str(self.cfg["max_bytes"])], tree)

    def compare(self, tree):
        self.run("compare", "adrs_diffjudge.py", [self.state], tree)

    def compared(self):
        with open(self.path("compared.json")) as f:
            return json.load(f)


def _restricted_load(path):
    from adrs_capture import _Restricted

    with open(path, "rb") as f:
        return _Restricted(f).load()


def prepare_calls(runner, targets, base=None):
    """After the base run: its call table for the patched run (which keeps in full the calls whose outcome the base
    never gave for their arguments) and the calls file for replay (arguments only).
    base: the base observation when already loaded (else read from base.pkl)."""
    if base is None:
        base = _restricted_load(runner.path("base.pkl"))
    with open(runner.path("expect.json"), "w") as f:
        json.dump((base.get("calls") or {}).get("table", {}), f)
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
    checks, first, differences = [], None, {}
    for name in CHECKS:
        c = compared["checks"].get(name)
        if c is None:
            continue
        checks.append({"name": name, "ok": c["ok"], "detail": c["detail"][:1000]})
        if not c["ok"]:
            differences[name] = {"count": c.get("count", 1), "shown": [d[:2000] for d in c.get("all") or [c["first"]]]}
            if first is None:
                first = c["first"]
    ok = all(c["ok"] for c in checks)
    feedback = ("The patch changes a result the tests do not check (%s): %s. A faster patch must give the same "
                "results as base_commit for the workload's inputs, in the same form." % (
                    next(c["name"] for c in checks if not c["ok"]), first)) if not ok else ""
    secs = dict(runner.seconds)
    secs["total"] = round(sum(runner.seconds.values()) - runner.overlap + extra_seconds, 4)
    return {"ok": ok, "checks": checks, "first_difference": first, "differences": differences, "feedback": feedback[:2000],
            "notes": (notes + compared.get("notes", []))[:50], "seconds": secs,
            "targets": ["%s.%s" % (t["module"], t["qualname"]) for t in targets]}


def two_trees(opts, cfg):
    state = tempfile.mkdtemp(prefix="adrs-diffcheck-")
    try:
        runner = Runner(opts.get("--python") or sys.executable, cfg, state, opts.get("--seed") or 0)
        with open(runner.path("config.json"), "w") as f:
            json.dump(cfg, f)
        t0 = time.time()
        base, patched = os.path.abspath(opts["--base"]), os.path.abspath(opts["--patched"])
        targets, notes = write_targets(runner, opts["--diff"], base, patched)
        runner.seconds["targets"] = round(time.time() - t0, 4)
        runner.observe("observe-base", base, opts["--workload"], "base.pkl")
        prepare_calls(runner, targets)
        runner.observe("observe-patched", patched, opts["--workload"], "patched.pkl", expect="expect.json",
                       replay_out="replay-patched.pkl" if cfg["replay"] else None)
        runner.compare(base)
        compared = runner.compared()
        # Something differs: probe the base once more (noise, context) and judge again.
        probe = False
        if compared["needs"].get("noise"):
            runner.observe("observe-base-again", base, opts["--workload"], "base2.pkl", want="want.json")
            probe = True
        if compared["needs"].get("replay_base"):
            runner.replay("replay-base", base, "replay-base.pkl")
            probe = True
        if probe:
            runner.compare(base)
            compared = runner.compared()
        return report(runner, cfg, compared, targets, notes)
    finally:
        shutil.rmtree(state, ignore_errors=True)


class Phases:
    """One tree switched in place between base and patch (the SWE harness). Phases, in order:

    base     on base_commit: which functions change, then observe the workload.
    patched  on the patched tree: observe, replay the base calls, compare. When everything agrees, the report
             is final. When something differs, the report says `needs_base_probe`: the caller switches back to
             base_commit and runs `probe` (base observed again, base replay), then the patch and `judge`.
             So the second base run, which tells noise from a real change, costs nothing on the common path.
    probe    on base_commit, only when asked.
    judge    on the patched tree: compare again with what the probe added; the final report.

    run(phase, tree, ...) does a phase with its processes started here. The SWE harness instead calls
    start(phase, ...), which returns the phase's jobs (observe, replay, compare: scripts with their arguments) for
    its workload process to fork before it times anything, and finish(phase, done) with their outcome: the checks
    then cost no interpreter start of their own. State between phases lives in the state folder.
    """

    def __init__(self, state, python=None, config=None, base_cache=None, base_key=""):
        """base_cache: a folder of base observations kept across evaluations (read-only here), looked up by a key
        over base_key (what else makes the base what it is: base_commit, the interpreter), the changed functions,
        the workload and the settings that shape an observation. A hit skips the base run; a miss leaves the new
        observation in self.new_base (name, bytes) for the caller to keep, taken before any patched code ran."""
        os.makedirs(state, exist_ok=True)
        self.state = state
        self.runner = Runner(python or sys.executable, config or DEFAULTS, state)
        self.phase = None
        self.base_cache, self.base_key = base_cache, base_key
        self.base_name, self.new_base, self.base_cached = None, None, False
        self.kept_base = None  # the kept base observation, loaded once when it is used

    def start(self, phase, tree, workload=None, diff=None, defer=True):
        """Everything of `phase` before its processes; those are run here, or returned as jobs when `defer`."""
        runner, tree = self.runner, os.path.abspath(tree)
        runner.seconds, runner.overlap, runner.jobs, self.phase = {}, 0.0, [] if defer else None, phase
        if phase == "base":
            if workload is None or diff is None:
                raise ConfigError("adrs_diffcheck: --phase base needs --workload and --diff")
            t0 = time.time()
            shutil.copy(workload, runner.path("workload.py"))
            with open(runner.path("config.json"), "w") as f:
                json.dump(runner.cfg, f)
            # Which functions change is read from the base tree now (the patched tree is not there yet).
            targets, notes = write_targets(runner, diff, tree, None)
            if self.base_cache is not None:
                self.base_name = "differential-base-%s.pkl" % self._base_key(targets)
                self.base_cached = self._reuse_base(os.path.join(self.base_cache, self.base_name), notes)
            with open(runner.path("phase-base.json"), "w") as f:
                json.dump({"targets": targets, "notes": notes, "seconds": {}, "calls": 0}, f)
            runner.seconds["targets"] = round(time.time() - t0, 4)
            if not self.base_cached:
                runner.observe("observe-base", tree, runner.path("workload.py"), "base.pkl")
            return runner.jobs
        with open(runner.path("config.json")) as f:
            runner.cfg = cfg = json.load(f)
        with open(runner.path("phase-base.json")) as f:
            before = json.load(f)
        if phase == "probe":
            with open(runner.path("needs.json")) as f:
                needs = json.load(f)
            if needs.get("noise") and cfg["noise_probe"]:
                runner.observe("observe-base-again", tree, runner.path("workload.py"), "base2.pkl", want="want.json")
            if needs.get("replay_base") and before.get("calls"):
                runner.replay("replay-base", tree, "replay-base.pkl")
        elif phase in ("patched", "judge"):
            if phase == "patched":  # the replay runs side by side, forked by the observing process
                runner.observe("observe-patched", tree, runner.path("workload.py"), "patched.pkl",
                               expect="expect.json", replay_out="replay-patched.pkl" if cfg["replay"] else None)
            runner.compare(tree)
        else:
            raise ConfigError("adrs_diffcheck: unknown --phase %s (base, patched, probe, judge)" % phase)
        return runner.jobs

    def finish(self, done=None):
        """After the phase's processes (`done`: the outcome of deferred jobs): the report, or None for base/probe."""
        runner, phase = self.runner, self.phase
        if runner.jobs is not None:
            runner.collect(done or {})
        with open(runner.path("phase-base.json")) as f:
            before = json.load(f)
        if phase in ("base", "probe"):
            if phase == "base":
                before["calls"] = prepare_calls(runner, before["targets"], self.kept_base)
                before["base_cached"] = self.base_cached
                if self.base_name and not self.base_cached:
                    with open(runner.path("base.pkl"), "rb") as f:
                        self.new_base = (self.base_name, f.read())
            before["seconds"].update(runner.seconds)
            with open(runner.path("phase-base.json"), "w") as f:
                json.dump(before, f)
            return None
        cfg = runner.cfg
        compared = runner.compared()
        needs = {k: v for k, v in compared.get("needs", {}).items() if v}
        if not cfg["noise_probe"]:
            needs.pop("noise", None)
        result = report(runner, cfg, compared, before["targets"], before["notes"], sum(before["seconds"].values()))
        result["seconds"] = dict(before["seconds"], **result["seconds"])  # the base phase's steps too
        result["base_cached"] = bool(before.get("base_cached"))
        if phase == "patched" and needs and not result["ok"]:
            with open(runner.path("needs.json"), "w") as f:
                json.dump(needs, f)
            result["needs_base_probe"] = sorted(needs)
        return result

    def run(self, phase, tree, workload=None, diff=None):
        self.start(phase, tree, workload, diff, defer=False)
        return self.finish()

    def _reuse_base(self, cached, notes):
        """Whether a kept base observation is there and loads (then it is the base.pkl of this check)."""
        if not os.path.isfile(cached):
            return False
        shutil.copyfile(cached, self.runner.path("base.pkl"))
        try:
            kept = _restricted_load(self.runner.path("base.pkl"))
            if isinstance(kept, dict) and isinstance(kept.get("records"), list):
                self.kept_base = kept
                return True
        except Exception:  # noqa: BLE001 - a damaged entry: observe the base as if none were kept
            pass
        os.unlink(self.runner.path("base.pkl"))
        notes.append("a kept base observation (%s) did not load; the base was observed again" % os.path.basename(cached))
        return False

    def _base_key(self, targets):
        h = hashlib.sha256()
        shape = {k: self.runner.cfg[k] for k in ("calls", "replay", "max_calls", "max_bytes", "passes", "timing_lines")}
        h.update(json.dumps([self.base_key, targets, shape], sort_keys=True).encode())
        with open(self.runner.path("workload.py"), "rb") as f:
            h.update(f.read())
        for name in ("adrs_observe.py", "adrs_capture.py", "adrs_diffcompare.py"):  # what writes an observation
            with open(os.path.join(HERE, name), "rb") as f:
                h.update(f.read())
        return h.hexdigest()[:32]


def could_not_run(error):
    """The report when the checks could not run (the workload fails on one tree, a timeout): a failed check."""
    return {"ok": False, "checks": [{"name": "differential", "ok": False, "detail": str(error)[:1000]}],
            "first_difference": None, "feedback": "The differential check could not run: %s" % str(error)[:1500],
            "notes": [], "seconds": {}, "targets": []}


def disabled(cfg):
    return not cfg["enabled"] or not (cfg["workload"] or cfg["calls"] or cfg["replay"])


def main(argv):
    opts = dict(zip(argv[::2], argv[1::2]))
    for k in ("--base", "--patched", "--tree", "--state", "--workload", "--diff", "--out", "--config"):
        if opts.get(k):
            opts[k] = os.path.abspath(opts[k])  # the scripts run with the tree as their working directory
    phase = opts.get("--phase")
    # Later phases read the configuration the base phase stored.
    cfg = load_config(opts.get("--config")) if phase in (None, "base") else dict(DEFAULTS)
    if disabled(cfg):
        result = {"ok": True, "checks": [], "first_difference": None, "feedback": "",
                  "notes": ["differential checks disabled by the problem"], "seconds": {}, "targets": []}
    else:
        try:
            if phase:
                result = Phases(opts["--state"], opts.get("--python"), cfg).run(
                    phase, opts["--tree"], opts.get("--workload"), opts.get("--diff"))
            else:
                result = two_trees(opts, cfg)
        except RuntimeError as e:
            result = could_not_run(e)
        if result is None:
            return
    text = json.dumps(result, indent=1)
    if opts.get("--out"):
        with open(opts["--out"], "w") as f:
            f.write(text)
    print(text)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except ConfigError as e:
        sys.exit(str(e))
