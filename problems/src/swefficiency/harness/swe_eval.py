"""SWE-fficiency evaluator for one instance, with the official harness's semantics, run inside the sandbox.

Stages (ADRS_STAGE):
  screen / verify  the candidate patch (the workspace's changes against base_commit, or --patch FILE) is judged
                   as the benchmark does: reset to base_commit, rebuild, time the workload (pre); apply the patch
                   file by file (git apply, then `patch --fuzz` for damaged patches such as ones lacking a final
                   newline); introspection guard on the added lines; rebuild, time the workload (post); check the
                   covering test files out from base_commit, run them, and require every PASS_TO_PASS test to
                   pass. speedup = pre/post measured here; any failure scores speedup 1.0.
  time             one timing sample per ADRS_SAMPLES: rebuild and run the workload on the workspace as it is.
Every timed repeat of the workload runs in a fresh forked process, as the official harness runs it (swe_workload.py). Writes one JSON result to
ADRS_RESULT. Configuration: instance.json next to this file. Stdlib only.

Trust domains (swe_domain.py): this process is the trusted evaluator. It runs git and patch on a copy of the
repository it owns, and nothing else; every process that imports or executes the repository (rebuilds, workload,
tests, differential jobs) runs in the candidate's domain (another uid inside an adrs sandbox), timed by this
process's clock (swe_clock.py) and read through pipes it owns. The candidate cannot reach the result file.
"""
import base64
import json
import os
import random
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import swe_clock  # noqa: E402
import swe_domain  # noqa: E402
import swe_guard  # noqa: E402
import swe_pyc  # noqa: E402
import swe_specs  # noqa: E402
import swe_workload  # noqa: E402

# Live progress ("adrs-progress: " lines on stderr) when the orchestrator listens ($ADRS_PROGRESS=1).
PROGRESS = os.environ.get("ADRS_PROGRESS") == "1"


def progress(text):
    if PROGRESS:
        sys.stderr.write("adrs-progress: %s\n" % text)
        sys.stderr.flush()


EXCLUDE = ":(exclude).adrs-*"


class Ctx:
    def __init__(self, cfg, repo, deadline):
        self.cfg = cfg
        self.repo = repo
        self.deadline = deadline
        self.differential = None
        self.patch_paths = []  # the files the patch under judgement touches (reset_to_base removes what it added)
        self.from_ws = True  # the repository was made from the workspace (fixture mode), not a real image's /testbed
        self.bytecode = None  # the base tree's bytecode cache (swe_pyc.py), once prepared
        self.rebuild_pyc = None  # where a rebuild's bytecode goes (see rebuild)
        self.python = cfg.get("python") or sys.executable
        bindir = os.path.dirname(self.python)
        env = dict(os.environ)
        env["PATH"] = bindir + os.pathsep + env.get("PATH", "/usr/bin:/bin")
        self.pythonpath = env.get("PYTHONPATH")
        env["PYTHONPATH"] = repo + (os.pathsep + self.pythonpath if self.pythonpath else "")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.setdefault("GIT_CONFIG_NOSYSTEM", "1")
        for k in [k for k in env if k.startswith("ADRS_")]:
            del env[k]
        self.env = env
        # git runs here, as the evaluator: no configuration but ours ($HOME is the candidate's workspace, and a
        # ~/.gitconfig there could name filters or an fsmonitor).
        self.git_env = dict(env, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)

    def move_to(self, repo):
        """Judges `repo` from now on (the evaluator's own copy): the repository processes import from it alone."""
        self.repo = repo
        for env in (self.env, self.git_env):
            env["PYTHONPATH"] = repo + (os.pathsep + self.pythonpath if self.pythonpath else "")

    def left(self):
        return max(5.0, self.deadline - time.time())

    def run(self, args, cwd=None, timeout=None):
        """A trusted tool (git, patch) as this evaluator: never anything of the repository's."""
        try:
            p = subprocess.run(args, cwd=cwd or self.repo, env=self.git_env, capture_output=True, text=True,
                               errors="replace", timeout=min(timeout or 1e9, self.left()))
            return p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as e:
            return 124, _text(e.stdout), _text(e.stderr) + "\n(timed out)"

    def candidate(self, command, env=None, timeout=None):
        """A shell command of the repository's (rebuild, test runner) in the candidate's domain, in the tree."""
        swe_domain.share_tree(self.repo)
        return swe_domain.run(["/bin/sh", "-c", command], self.repo, env or self.env,
                              min(timeout or 1e9, self.left()))

    def git(self, *args, cwd=None):
        # Never run anything the repository's own config could name (fsmonitor, hooks): a patch can write .git/.
        guard = ["-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null"]
        return self.run(["git", "-c", "core.quotepath=off", "-c", "advice.detachedHead=false"] + guard + list(args),
                        cwd=cwd)


def _text(b):
    if b is None:
        return ""
    return b.decode(errors="replace") if isinstance(b, bytes) else b


def tail(text, n=2000):
    return text if len(text) <= n else "..." + text[-n:]


# ---------------------------------------------------------------- patch


def workspace_patch(ctx, ws):
    """The workspace's changes (tracked and new files) against base_commit, as a git diff."""
    base = ctx.cfg["base_commit"]
    ctx.git("add", "-A", "--", ".", EXCLUDE, cwd=ws)
    rc, out, err = ctx.git("diff", "--cached", "--no-color", "--no-ext-diff", base, "--", ".", EXCLUDE, cwd=ws)
    if rc != 0:
        raise RuntimeError("git diff against base_commit failed: " + tail(err, 500))
    return out


def reset_to_base(ctx):
    """The tree at base_commit: tracked files reset, untracked ones removed, and whatever the patch under judgement
    added removed too, git-ignored or not (a plain clean keeps ignored files, which the base run would then see).
    Build output the rebuild made is kept."""
    base = ctx.cfg["base_commit"]
    rc, _, err = ctx.git("reset", "-q", "--hard", base)
    if rc != 0:
        raise RuntimeError("git reset --hard %s failed: %s" % (base, tail(err, 500)))
    # The bytecode cache's __pycache__ folders stay (swe_pyc.py): the evaluator's, never the candidate's.
    ctx.git("clean", "-fdq", "-e", ".adrs-*", "-e", "__pycache__")
    if ctx.patch_paths:
        ctx.git("clean", "-fdqx", "--", *ctx.patch_paths)


def drop_ignored(ctx, ws):
    """Removes the git-ignored files of a workspace that is the repository (before anything here built them);
    returns their paths. Nothing when the repository lives elsewhere (a real image)."""
    if not ctx.from_ws:
        return []
    rc, out, _ = ctx.git("ls-files", "--others", "--ignored", "--exclude-standard", "--", ".", EXCLUDE)
    paths = [p for p in out.splitlines() if p.strip()] if rc == 0 else []
    if paths:
        ctx.git("clean", "-fdqX", "--", ".", EXCLUDE)
    return paths


def untouched_base(ctx, ws):
    """Whether the tree at base_commit holds nothing the candidate brought: true when the repository is not the
    workspace (a real image: the candidate's changes arrive as a diff of tracked and new files), else when no
    git-ignored file is there after the reset, before the rebuild makes its own (a clean keeps ignored files; the
    workspace's were dropped at the start, so this is the second line)."""
    if not ctx.from_ws:
        return True
    rc, out, _ = ctx.git("ls-files", "--others", "--ignored", "--exclude-standard", "--", ".", EXCLUDE)
    return rc == 0 and not out.strip()


def split_patch(text):
    """[(path, chunk)] per file of a git diff; chunk keeps its header."""
    parts, cur, path = [], [], None
    for line in text.splitlines(keepends=True):
        if line.startswith("diff --git "):
            if cur and path:
                parts.append((path, "".join(cur)))
            cur, path = [line], None
            m = re.match(r"diff --git a/(.+?) b/(.+)$", line.rstrip("\n"))
            if m:
                path = m.group(2)
            continue
        if line.startswith("+++ ") and path is None:
            target = line[4:].strip()
            path = target[2:] if target.startswith("b/") else target
        cur.append(line)
    if cur and path:
        parts.append((path, "".join(cur)))
    return parts


def apply_patch(ctx, patch_text):
    """Applies per file as the harness does; returns (ok, notes)."""
    notes = []
    if not patch_text.strip():
        return True, notes
    fixed = patch_text if patch_text.endswith("\n") else patch_text + "\n"
    tmp = tempfile.mkdtemp(prefix="swe-patch-")
    full = os.path.join(tmp, "patch.diff")
    with open(full, "w") as f:
        f.write(fixed)
    tracked = set(ctx.git("ls-files")[1].splitlines())
    for attempt in (1, 2):
        ok = True
        for i, (path, chunk) in enumerate(split_patch(fixed)):
            rc, _, err = ctx.git("apply", "--whitespace=nowarn", "--include=" + path, full)
            if rc == 0:
                continue
            one = os.path.join(tmp, "chunk%d.diff" % i)
            with open(one, "w") as f:
                f.write(chunk if chunk.endswith("\n") else chunk + "\n")
            rc2, out2, err2 = ctx.run(["patch", "--batch", "--fuzz=5", "-p1", "--forward", "-i", one])
            if rc2 == 0:
                notes.append("%s: applied with patch --fuzz" % path)
                continue
            if path not in tracked and not os.path.exists(os.path.join(ctx.repo, path)):
                notes.append("%s: skipped (untracked path that does not apply)" % path)
                continue
            ok = False
            notes.append("%s: does not apply: %s" % (path, tail((err.strip() + " " + out2.strip()).strip(), 400)))
            break
        if ok:
            return True, notes
        reset_to_base(ctx)
        if attempt == 1:
            notes.append("retrying once from a clean base_commit")
    return False, notes


def patch_lines(patch_text):
    n = 0
    for line in patch_text.splitlines():
        if (line.startswith("+") and not line.startswith("+++")) or (line.startswith("-") and not line.startswith("---")):
            n += 1
    return n


# ---------------------------------------------------------------- perf


def rebuild(ctx):
    cmd = (ctx.cfg.get("rebuild_cmd") or "").strip()
    if not cmd:
        return True, ""
    # Bytecode a rebuild writes (compileall) lands in a scratch folder no process loads from: a __pycache__ beside
    # the sources is the evaluator's (swe_pyc.py), and the candidate's rebuild must not fill it.
    if not ctx.rebuild_pyc:
        ctx.rebuild_pyc = swe_domain.shared_dir("swe-rebuild-pyc-")
    rc, out, err = ctx.candidate(cmd, env=dict(ctx.env, PYTHONPYCACHEPREFIX=ctx.rebuild_pyc),
                                 timeout=ctx.cfg.get("rebuild_timeout", 3600))
    return rc == 0, tail(out + err, 1500)


def run_workload(ctx, isolation=None, jobs=None, fixed_hash=False, results=None, seed=0, pick=0, hash_ref=None,
                 charged=None):
    """(mean, std, repeats, output) of one workload run; raises RuntimeError on failure.

    The workload runs in the candidate's domain (swe_workload.py --control); every repeat is timed by this process's
    clock between its "go" and the repeat's "worked" (swe_clock.py), and Mean/Std are computed here.

    isolation: one process per timed repeat; by default as the official harness does for this instance (all but
    its four exemptions, swe_workload.ISOLATION_EXEMPT).

    jobs: a jobs file for swe_workload.py (helper scripts forked before the workload, untimed: the differential
    checks). They share the workload's hash seed and need it fixed, so with jobs the workload runs with
    PYTHONHASHSEED=0; fixed_hash asks the same of a run without jobs (pre and post must run alike).

    results: a list that gets each timed repeat's digest of what its calls produced (compared with base_commit's by
    swe_clock.compare_results), hashed by the differential checks' adrs_capture when $ADRS_DIFFERENTIAL_DIR has it;
    seed and pick: which values are kept and which of them hashed (the same for base and patch; the candidate learns
    pick only after its calls are over).

    hash_ref: {timeit.repeat call: seconds}, base_commit's hashing times (swe_clock.hashing_reference); each repeat
    is charged its hashing above them. "own" takes them from this run (base_commit's); None charges all of it (no
    base_commit run to compare with: work a patch defers into the hashing is then timed in full). charged (a dict)
    gets {"reference", "charges", "hashing"}."""
    workload = os.path.join(HERE, "workload.py")
    args = [ctx.python, os.path.join(HERE, "swe_workload.py"), workload, "--control"]
    lib = os.environ.get("ADRS_DIFFERENTIAL_DIR")
    if lib and os.path.exists(os.path.join(lib, "adrs_capture.py")):
        args += ["--digest-lib", lib]
    if isolation is None:
        isolation = swe_workload.isolated_for(ctx.cfg.get("instance_id", ""))
    if not isolation:
        args.append("--no-isolation")
    env = dict(ctx.env, PYTHONHASHSEED="0") if jobs or fixed_hash else dict(ctx.env)
    if jobs:
        args += ["--jobs", jobs]
    swe_domain.share_tree(ctx.repo)
    mine, hashing = [], []
    times, _, err = swe_clock.timed_run(args, ctx.repo, env, min(ctx.cfg.get("perf_timeout", 3600), ctx.left()),
                                        progress=progress, results=mine, seed=seed, pick=pick, hashing=hashing)
    if results is not None:
        results.extend(mine)
    ref = swe_clock.hashing_reference(mine, hashing) if hash_ref == "own" else (hash_ref or {})
    charges = swe_clock.hashing_charges(mine, hashing, ref)
    times = [t + c for t, c in zip(times, charges)]
    if charged is not None:
        charged.update(reference=ref, charges=charges, hashing=hashing)
    with open(workload, encoding="utf-8") as f:
        view = swe_clock.counted_view(f.read(), times, isolation)
    mean, std = swe_clock.summary(view)
    out = "Mean: %r\nStd Dev: %r\n(the evaluator's clock over %d repeat(s))\n%s" % (mean, std, len(view), err)
    return mean, std, list(view), out


# ---------------------------------------------------------------- tests


def reset_tests(ctx):
    base = ctx.cfg["base_commit"]
    files = [t for t in ctx.cfg.get("covering_tests", [])]
    tracked = [t for t in files if ctx.git("cat-file", "-e", "%s:%s" % (base, t))[0] == 0]
    if tracked:
        ctx.git("checkout", base, "--", *tracked)


def run_tests(ctx, seed):
    """({test id: status}, {file: output}) over the covering test files: one file per process, retried when the
    runner errors (exit code > 1), with the repository's runner and parser (swe_specs). As the harness does, only
    the runner's stdout is parsed; its stderr is kept for the feedback."""
    files = [t for t in ctx.cfg.get("covering_tests", [])
             if re.search(r"(^|/)(test[^/]*\.py|[^/]*_test\.py)$", t) and os.path.exists(os.path.join(ctx.repo, t))]
    single = set(ctx.cfg.get("single_thread_tests", []))
    parallel = [f for f in files if f not in single]
    random.Random(seed).shuffle(parallel)
    repo = ctx.cfg.get("repo", "")
    cmd = swe_specs.test_cmd(repo, ctx.cfg.get("test_cmd", ""))
    parse = swe_specs.parser_for(repo)
    stdouts, outputs = {}, {}

    total, finished = len(files), []

    def one(path, env=None):
        so = se = ""
        arg = swe_specs.directive(repo, ctx.cfg.get("version"), path)
        for _ in range(3):
            # In the candidate's domain; its stdout comes back over our pipe and is parsed here.
            rc, so, se = ctx.candidate(cmd + " " + shlex.quote(arg), env=env, timeout=ctx.cfg.get("test_timeout", 3600))
            if rc in (0, 1):
                break
        stdouts[path], outputs[path] = so, so + se
        finished.append(path)
        progress("tests: %d of %d covering file(s) done (%s)" % (len(finished), total, path))

    progress("tests: %d covering test file(s), %d in parallel" % (total, len(parallel)))
    with ThreadPoolExecutor(max_workers=max(1, int(ctx.cfg.get("test_workers", 2)))) as pool:
        list(pool.map(one, parallel))
    env = dict(ctx.env, PYTHONHASHSEED="0")
    for path in [f for f in files if f in single]:
        one(path, env)
    statuses = {}
    for path in files:
        statuses.update(parse(stdouts.get(path, "")))
    return statuses, outputs


# ---------------------------------------------------------------- differential checks


class Differential:
    """The differential checks (evaluators/differential/adrs_diffcheck.py, phased mode) on this one tree.

    start(phase) prepares a phase and returns a jobs file for run_workload (its steps are forked there, before the
    workload is timed); finish() reads their outcome (the report after "patched"). run(phase) does a phase with
    processes of its own (the probe, only when something differs). A failure of the checks themselves becomes a
    failed "differential" check in the report, never an exception out of the evaluation."""

    def __init__(self, ctx, diff_dir, diff_cfg, patch):
        if diff_dir not in sys.path:
            sys.path.insert(0, diff_dir)
        import adrs_diffcheck  # noqa: E402 - the mounted, read-only differential folder

        self.mod, self.ctx = adrs_diffcheck, ctx
        # Shared with the candidate's domain: the jobs (observe, replay, compare) write their state here.
        self.dir = swe_domain.shared_dir("swe-diff-")
        cfgf = os.path.join(self.dir, "cfg.json")
        with open(cfgf, "w") as f:
            json.dump(diff_cfg, f)
        self.patch = os.path.join(self.dir, "p.diff")
        with open(self.patch, "w") as f:
            f.write(patch)
        self.done, self.error, self.trusted_base = None, None, False
        try:
            self.cfg = adrs_diffcheck.load_config(cfgf)
        except adrs_diffcheck.ConfigError as e:  # an unknown field: said in the report
            self.cfg, self.error = dict(adrs_diffcheck.DEFAULTS), RuntimeError(str(e))
        # Base observations kept across evaluations ($ADRS_CACHE_DIR, read-only): the base run is skipped when the
        # same changed functions were observed on this base before. A new one is handed out ($ADRS_CACHE_OUT) from
        # a copy taken right after the base run, before the patch is applied and any of its code runs.
        cache = (os.environ.get("ADRS_CACHE_DIR") or None) if self.cfg.get("cache", True) else None
        self.phases = adrs_diffcheck.Phases(os.path.join(self.dir, "state"), ctx.python, self.cfg, base_cache=cache,
                                            base_key=json.dumps([ctx.cfg.get("base_commit"), ctx.python]))
        if swe_domain.separated():
            os.chmod(self.phases.state, 0o1777)

    def start(self, phase):
        self.done = os.path.join(self.dir, "%s-done.json" % phase)
        if self.error or self.mod.disabled(self.cfg):
            return None
        try:
            jobs = self.phases.start(phase, self.ctx.repo, os.path.join(HERE, "workload.py"), self.patch)
        except Exception as e:  # noqa: BLE001 - the checks failing is a failed check
            self.error = e
            return None
        if not jobs:  # nothing to fork (a kept base observation): the workload runs as without checks
            return None
        logs = os.path.join(self.dir, "logs")
        os.makedirs(logs, exist_ok=True)
        if swe_domain.separated():
            os.chmod(logs, 0o1777)
        path = os.path.join(self.dir, "%s-jobs.json" % phase)
        with open(path, "w") as f:
            json.dump({"jobs": jobs, "report": self.done, "logs": logs, "preload": self.mod.PRELOAD}, f)
        return path

    def cache_entries(self):
        """{name: bytes} to keep across evaluations (a new base observation), or {}: only when the base tree held
        nothing of the candidate's when it ran (see untouched_base)."""
        return dict([self.phases.new_base]) if self.phases.new_base and self.trusted_base else {}

    def finish(self):
        if self.mod.disabled(self.cfg):
            return {"ok": True, "checks": [], "notes": ["differential checks disabled by the problem"]}
        if self.error is None:
            try:
                done = {}
                if os.path.exists(self.done):
                    with open(self.done) as f:
                        done = json.load(f)
                return self.phases.finish(done)
            except Exception as e:  # noqa: BLE001 - the checks failing is a failed check
                self.error = e
        return self.mod.could_not_run(self.error)

    def run(self, phase):
        """A phase on its own (the probe, the judge): its jobs run as the candidate, never in this process."""
        jobs = self.start(phase)
        if jobs and self.error is None:
            swe_domain.share_tree(self.ctx.repo)
            rc, _, err = swe_domain.run([self.ctx.python, os.path.join(HERE, "swe_workload.py"), "--jobs", jobs,
                                         "--jobs-only"], self.ctx.repo, dict(self.ctx.env, PYTHONHASHSEED="0"),
                                        self.ctx.left())
            if rc != 0:
                self.error = RuntimeError("the differential jobs of %s failed (exit %s): %s" % (phase, rc, tail(err, 800)))
        return self.finish()


# ---------------------------------------------------------------- stages


class Steps:
    """Wall seconds per step of a judgement (artifact "steps"): where an evaluation's time goes."""

    def __init__(self):
        self.t, self.seconds = time.perf_counter(), {}

    def mark(self, name):
        now = time.perf_counter()
        self.seconds[name] = round(self.seconds.get(name, 0) + now - self.t, 4)
        self.t = now


def judge(ctx, ws, patch_arg, seed):
    cfg = ctx.cfg
    checks, notes, artifacts = [], [], {}
    metrics = {"speedup": 1.0, "raw_speedup": 1.0}
    timings = {}
    steps = Steps()
    if patch_arg:
        with open(patch_arg, encoding="utf-8", errors="replace") as f:
            patch = f.read()
    else:
        patch = workspace_patch(ctx, ws)
    ctx.patch_paths = [p for p, _ in split_patch(patch) if not os.path.basename(p).startswith(".adrs-")]
    metrics["patch_lines"] = patch_lines(patch)
    artifacts["patch"] = tail(patch, 20000)
    gold = float(cfg.get("gold_speedup") or 0)

    def finish(correct, feedback):
        if gold > 0:
            metrics["gold_speedup"] = gold
            metrics["sr"] = metrics["speedup"] / gold
        steps.mark("tests" if "p2p_total" in metrics else "rest")
        artifacts["steps"] = json.dumps(steps.seconds)
        return {"correct": correct, "metrics": metrics, "timings": timings, "feedback": feedback,
                "artifacts": artifacts, "checks": checks}

    # 1. The guard, on the patch applied to a clean base. Git-ignored files the workspace brought go first (fixture
    # mode: the workspace is the repository): a diff cannot carry them, and a reset keeps them, so they could
    # otherwise shape the base run.
    dropped = drop_ignored(ctx, ws)
    if dropped:
        notes.append("removed %d git-ignored file(s) the workspace brought: %s" % (len(dropped), ", ".join(dropped[:5])))
    progress("apply the patch to base_commit and run the introspection guard")
    reset_to_base(ctx)
    applied, apply_notes = apply_patch(ctx, patch)
    notes += apply_notes
    checks.append({"name": "patch-applies", "ok": applied, "detail": "; ".join(apply_notes)[:1000]})
    metrics["applied"] = 1.0 if applied else 0.0
    if not applied:
        return finish(False, "The patch does not apply to base_commit: " + "; ".join(apply_notes)[:1500])

    def read(path):
        full = os.path.join(ctx.repo, path)
        if os.path.islink(full):  # never follow a candidate's link out of the tree (its text lands in feedback)
            return None
        try:
            with open(full, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return None

    violations = [] if cfg.get("guard") is False else swe_guard.check_patch(patch, read)
    checks.append({"name": "introspection-guard", "ok": not violations,
                   "detail": "; ".join("%s:%d %s" % (p, n, r) for p, n, r, _ in violations)[:1000]})
    if violations:
        p, n, r, t = violations[0]
        compiled = [v[0] for v in violations if v[1] == 0]
        if compiled:
            return finish(False, "Refused: the patch brings compiled code (%s); only source files may change, and "
                                 "bytecode or native modules are never taken from a patch." % ", ".join(compiled[:5]))
        return finish(False, "Refused by the introspection guard: %s:%d uses %s (`%s`). Patches may not inspect the "
                             "call stack or frames, nor load ctypes/cffi." % (p, n, r, t[:200]))
    empty = not patch.strip()
    steps.mark("apply-and-guard")

    # Differential checks (evaluators/differential): what the workload observes and what the changed
    # functions return, on base_commit and with the patch, compared beyond what the tests look at. Their
    # observe/replay/compare steps are forked by the workload runs below, before those time anything.
    diff = None
    diff_dir = os.environ.get("ADRS_DIFFERENTIAL_DIR")
    diff_cfg = cfg.get("differential", {})
    if diff_dir and diff_cfg.get("enabled", True) is not False:
        diff = ctx.differential = Differential(ctx, diff_dir, diff_cfg, patch)

    # 2. Pre-edit timing on base_commit, then post-edit timing with the patch.
    if not empty:
        reset_to_base(ctx)
        # Two draws: the reservoir's seed goes with every go, the pick of the values hashed only after "worked".
        pre_results, post_results = [], []
        picks, hashed_pick = random.SystemRandom().getrandbits(62), random.SystemRandom().getrandbits(62)
        pre_charged, post_charged = {}, {}
        jobs = diff.start("base") if diff else None  # the base observation: kept from before, or a job
        if diff and not diff.phases.base_cached:
            diff.trusted_base = untouched_base(ctx, ws)
        # The base tree's bytecode, before any repository code runs (after untouched_base: its folders are new).
        if cfg.get("bytecode_cache", True) is not False:
            ctx.bytecode = swe_pyc.Bytecode(ctx, HERE)
            ctx.bytecode.prepare()
            artifacts["bytecode"] = json.dumps(ctx.bytecode.summary())
        try:
            progress("base_commit: rebuild")
            ok, log = rebuild(ctx)
            if not ok:
                raise RuntimeError("rebuild failed on base_commit: " + log)
            progress("base_commit: time the workload (pre-edit)")
            pre_mean, pre_std, pre_rep, _ = run_workload(ctx, jobs=jobs, fixed_hash=bool(diff), results=pre_results,
                                                         seed=picks, pick=hashed_pick, hash_ref="own",
                                                         charged=pre_charged)
        except RuntimeError as e:
            checks.append({"name": "workload-pre", "ok": False, "detail": str(e)[:1000]})
            return finish(False, "The workload fails on base_commit (an instance problem, not the patch): %s" % e)
        if diff:
            diff.finish()
        steps.mark("pre")
        applied, _ = apply_patch(ctx, patch)
        try:
            progress("patched: rebuild")
            ok, log = rebuild(ctx)
            if not ok:
                raise RuntimeError("rebuild failed with the patch: " + log)
            progress("patched: time the workload (post-edit)")
            post_mean, post_std, post_rep, post_out = run_workload(ctx, jobs=diff and diff.start("patched"),
                                                                   fixed_hash=bool(diff), results=post_results,
                                                                   seed=picks, pick=hashed_pick,
                                                                   hash_ref=pre_charged.get("reference"),
                                                                   charged=post_charged)
        except RuntimeError as e:
            checks.append({"name": "workload-post", "ok": False, "detail": str(e)[:1000]})
            return finish(False, "The workload fails with the patch: %s" % str(e)[:1500])
        raw = pre_mean / post_mean if post_mean > 0 else 1.0
        metrics.update(pre_mean=pre_mean, pre_std=pre_std, post_mean=post_mean, post_std=post_std, raw_speedup=raw)
        timings.update(pre=pre_rep, post=post_rep)
        artifacts["workload_output"] = tail(post_out, 2000)
        # The timed repeats' hashing, outside the timed interval, and what of it was charged (swe_clock.py).
        charge = {w: sum(c["charges"]) / len(c["charges"]) if c.get("charges") else 0.0
                  for w, c in (("pre", pre_charged), ("post", post_charged))}
        hashed = {w: statistics.median(c["hashing"]) if c.get("hashing") else 0.0
                  for w, c in (("pre", pre_charged), ("post", post_charged))}
        metrics.update(pre_hash_charge=charge["pre"], post_hash_charge=charge["post"], pre_hashing=hashed["pre"],
                       post_hashing=hashed["post"])
        checks.append({"name": "workload", "ok": True,
                       "detail": "pre %.6g s, post %.6g s; hashing the results (untimed) %.3g / %.3g ms a repeat, "
                                 "charged above base_commit's median %.3g / %.3g ms"
                                 % (pre_mean, post_mean, hashed["pre"] * 1e3, hashed["post"] * 1e3,
                                    charge["pre"] * 1e3, charge["post"] * 1e3)})
        steps.mark("post")
        if diff:
            rep = diff.finish()
            if rep.get("needs_base_probe"):
                progress("differential checks: something differs; observing base_commit once more")
                # Something differs: observe base_commit once more (noise, or a real change?), then judge again.
                reset_to_base(ctx)
                rebuild(ctx)
                diff.run("probe")
                apply_patch(ctx, patch)
                rebuild(ctx)
                rep = diff.run("judge")
            checks.extend(rep.get("checks", []))
            artifacts["differential"] = json.dumps(rep)  # in full: the differences reach adrs swefficiency eval --json
            steps.mark("differential")
            if not rep.get("ok"):
                return finish(False, rep.get("feedback") or "The patch changes what the workload observes.")
            # The timed repeats' own results against base_commit's: the checks above and the tests run the patch
            # outside the timed loop, where a patch can tell it is not timed (the collector is on there, say).
            try:
                detail = "; ".join(swe_clock.compare_results(pre_results, post_results))
                checks.append({"name": "timed-results", "ok": True, "detail": detail[:1000]})
            except swe_clock.ResultsDiffer as e:
                checks.append({"name": "timed-results", "ok": False, "detail": str(e)[:1000]})
                return finish(False, "The timed repeats' results differ from base_commit's: %s (a patch that behaves "
                                     "differently while timed?)" % str(e)[:1000])

    # 3. Correctness: covering tests reset to base_commit, PASS_TO_PASS must all pass.
    progress("tests: reset the covering tests to base_commit")
    reset_tests(ctx)
    statuses, outputs = run_tests(ctx, seed)
    p2p = cfg.get("PASS_TO_PASS", [])
    failed = [t for t in p2p if not swe_specs.passed(statuses.get(t))]
    metrics.update(p2p_total=float(len(p2p)), p2p_passed=float(len(p2p) - len(failed)),
                   correctness_pct=(len(p2p) - len(failed)) / len(p2p) if p2p else 1.0)
    checks.append({"name": "pass-to-pass", "ok": not failed,
                   "detail": ("%d of %d failed: %s" % (len(failed), len(p2p), ", ".join(failed[:10])))[:1000]
                   if failed else "%d passed" % len(p2p)})
    if failed:
        artifacts["test_output"] = tail("\n".join(outputs.values()), 4000)
        return finish(False, "%d of %d PASS_TO_PASS tests fail with the patch (the speedup counts as 1.0): %s"
                      % (len(failed), len(p2p), ", ".join(failed[:10])))
    metrics["speedup"] = metrics["raw_speedup"]
    if empty:
        return finish(True, "The patch is empty: speedup 1.0.")
    msg = "Workload mean %.6g s -> %.6g s (speedup %.3fx); all %d PASS_TO_PASS tests pass." % (
        metrics["pre_mean"], metrics["post_mean"], metrics["speedup"], len(p2p))
    if gold > 0:
        msg += " The expert patch reached %.3fx (ratio %.3f)." % (gold, metrics["speedup"] / gold)
    if notes:
        msg += " Notes: " + "; ".join(notes)[:500]
    return finish(True, msg)


def time_samples(ctx, samples):
    ok, log = rebuild(ctx)
    if not ok:
        return {"correct": False, "metrics": {}, "timings": {}, "feedback": "rebuild failed: " + log}
    means = []
    for k in range(max(1, samples)):
        progress("time: sample %d of %d" % (k + 1, max(1, samples)))
        mean, _, _, _ = run_workload(ctx)
        means.append(mean)
    return {"correct": True, "metrics": {"workload_mean": sum(means) / len(means)}, "timings": {"workload": means}}


def main(argv):
    patch_arg = None
    if len(argv) >= 2 and argv[0] == "--patch":
        patch_arg = argv[1]
    with open(os.path.join(HERE, "instance.json")) as f:
        cfg = json.load(f)
    ws = os.environ.get("ADRS_WORKSPACE") or os.getcwd()
    repo = cfg.get("repo_dir") or ws
    result_path = os.environ.get("ADRS_RESULT") or os.path.join(ws, ".adrs-result.json")
    stage = os.environ.get("ADRS_STAGE", "screen")
    seed = int(os.environ.get("ADRS_SEED", "0") or 0)
    samples = int(os.environ.get("ADRS_SAMPLES", "1") or 1)
    budget = float(cfg.get("budget_s", 7200))
    os.umask(0o022)  # what this evaluator writes for the candidate's processes (the tree, the jobs) is readable
    ctx = Ctx(cfg, repo, time.time() + budget)
    ctx.from_ws = repo == ws
    if swe_domain.separated():
        # The evaluator cannot write the candidate's workspace (another uid), and must not trust its .git: it
        # judges a copy it owns (swe_domain.copy_repo), checked object by object.
        try:
            own_ws = trusted_copy(ctx, ws)
            ctx.move_to(own_ws if repo == ws else trusted_copy(ctx, repo))
        except (OSError, RuntimeError) as e:
            result = {"correct": False, "metrics": {"speedup": 1.0},
                      "feedback": "evaluation failed: the repository cannot be judged: %s" % str(e)[:1500]}
            write_result(result_path, result)
            return
        # The workspace's changes are read from the copy (git add -A needs an index this uid may write).
        ws, repo = own_ws, ctx.repo
    if repo != ws and not patch_arg:
        # A real image: the repository lives elsewhere (/testbed); the workspace carries the candidate's changes.
        patch_arg = os.path.join(tempfile.mkdtemp(prefix="swe-ws-"), "candidate.diff")
        with open(patch_arg, "w") as f:
            f.write(workspace_patch(ctx, ws))
    try:
        if stage == "time" and repo != ws:
            reset_to_base(ctx)
            with open(patch_arg, encoding="utf-8", errors="replace") as f:
                if not apply_patch(ctx, f.read())[0]:
                    raise RuntimeError("the candidate's changes do not apply to " + repo)
        result = time_samples(ctx, samples) if stage == "time" else judge(ctx, ws, patch_arg, seed)
    except RuntimeError as e:
        result = {"correct": False, "metrics": {"speedup": 1.0}, "feedback": "evaluation failed: %s" % str(e)[:1500]}
    write_result(result_path, result)
    write_cache_out(ctx)


def trusted_copy(ctx, src):
    """A copy of a repository that this evaluator owns, its objects checked by git fsck (swe_domain.copy_repo)."""
    dest = swe_domain.copy_repo(src, skip=lambda name: name.startswith(".adrs-"))
    rc, _, err = ctx.git("fsck", "--no-dangling", "--no-progress", cwd=dest)
    if rc != 0:
        raise RuntimeError("git fsck of %s failed (damaged or forged objects): %s" % (src, tail(err, 500)))
    return dest


def write_result(path, result):
    """The result, as a new file (with trust domains, in a folder only this uid can open)."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(result, f)


def write_cache_out(ctx):
    """Entries for the evaluator cache ($ADRS_CACHE_OUT: {"entries": {name: base64}}), kept by the orchestrator.
    Written last and always, as a new file: whatever a candidate process left at that path is replaced."""
    out = os.environ.get("ADRS_CACHE_OUT")
    if not out:
        return
    entries = ctx.differential.cache_entries() if ctx.differential else {}
    entries.update(ctx.bytecode.cache_entries() if ctx.bytecode else {})
    try:
        os.unlink(out)
    except FileNotFoundError:
        pass
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"entries": {k: base64.b64encode(v).decode() for k, v in entries.items()}}, f)


if __name__ == "__main__":
    main(sys.argv[1:])
