"""The candidate's trust domain for the SWE harness: the repository tree it may touch and the processes that run it.

Everything that imports or executes the patched repository (rebuilds, workload repeats, covering tests, the
differential jobs) is started here through adrs_candidate (evaluators/harness): inside an adrs sandbox with trust
domains it runs as the candidate uid, with only the pipes the evaluator hands over and an environment without
anything of the evaluator's. The evaluator itself (swe_eval.py, the trusted uid) only runs git and patch, reads
what comes back over its pipes and writes the result.

The tree: the evaluator works on its own copy of the repository (copy_repo): tracked files belong to the trusted
uid and are read-only to the candidate; folders are world-writable with the sticky bit (share_tree), so a build or
a workload can add files (compiled extensions, caches) but never replace, rename or remove the evaluator's ones,
.git included. The evaluator's `__pycache__` folders (the base tree's bytecode, swe_pyc.py) stay 0755. Scratch folders the candidate's processes write (the differential checks' state) come from
shared_dir. Stdlib only.
"""
import json
import os
import shutil
import stat
import struct
import subprocess
import tempfile
import threading

try:  # on $PYTHONPATH inside an adrs sandbox ($ADRS_HARNESS); absent when a test runs the harness by hand
    import adrs_candidate
except ImportError:  # pragma: no cover - exercised by the stand-alone harness tests
    adrs_candidate = None

# One request at a time on the warden's launcher socket (the covering tests run from threads).
_LOCK = threading.Lock()
_HEADER = struct.Struct("<Q")
# What a candidate process gets of the environment the harness prepared (nothing of the evaluator's own).
PASSED_ENV = ("PATH", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX", "PYTHONHASHSEED", "LANG", "LC_ALL",
              "TZ")


class CandidateError(Exception):
    """A candidate process misbehaved: timed out, closed its pipe, spoke garbage. The candidate's failure."""


def separated():
    """True when repository code runs as another uid than this evaluator (adrs sandbox with trust domains)."""
    return adrs_candidate is not None and adrs_candidate.separated()


class _Plain:
    """The stand-alone fallback (no adrs_candidate importable): a subprocess of this uid with the same surface."""

    def __init__(self, argv, cwd, env, stderr):
        self._proc = subprocess.Popen(list(argv), cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=stderr, start_new_session=True, close_fds=True)

    def send(self, data):
        try:
            self._proc.stdin.write(data)
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError) as error:
            raise CandidateError("the candidate stopped reading its input (%s)" % error) from None

    def send_json(self, value):
        body = json.dumps(value).encode()
        self.send(_HEADER.pack(len(body)) + body)

    def _read(self, size, timeout):
        import select

        import time

        out, deadline, fd = b"", time.monotonic() + timeout, self._proc.stdout.fileno()
        while len(out) < size:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise CandidateError("the candidate sent no answer within %g s" % timeout)
            chunk = os.read(fd, size - len(out))
            if not chunk:
                raise CandidateError("the candidate closed its output (it exited or crashed) before answering")
            out += chunk
        return out

    def recv_json(self, timeout, max_bytes=64 << 20):
        (length,) = _HEADER.unpack(self._read(_HEADER.size, timeout))
        if length > max_bytes:
            raise CandidateError("the candidate announced a %d-byte answer" % length)
        try:
            return json.loads(self._read(length, timeout))
        except ValueError as error:
            raise CandidateError("the candidate's answer is not JSON: %s" % error) from None

    def communicate(self, data, timeout):
        try:
            out, _ = self._proc.communicate(data, timeout=timeout)
            return out
        except subprocess.TimeoutExpired:
            raise CandidateError("the candidate did not finish within %g s" % timeout) from None

    def close(self, timeout=5.0):
        for pipe in (self._proc.stdin, self._proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass
        try:
            return self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return self._proc.wait()

    def kill(self):
        try:
            os.killpg(self._proc.pid, 9)
        except OSError:
            pass


class Process:
    """A repository process in the candidate's domain; its stdin and stdout are pipes this evaluator owns."""

    def __init__(self, argv, cwd, env, stderr_fd):
        if adrs_candidate is None:
            self._c = _Plain(argv, cwd, env, stderr_fd)
            return
        if separated():
            env = {k: v for k, v in env.items() if k in PASSED_ENV}
            env.update(TMPDIR="/tmp", HOME=cwd)
        with _LOCK:
            self._c = adrs_candidate.start(argv, cwd=cwd, env=env, stderr=stderr_fd)

    def _call(self, name, *args, **kw):
        try:
            return getattr(self._c, name)(*args, **kw)
        except CandidateError:
            raise
        except Exception as error:  # noqa: BLE001 - adrs_candidate.CandidateError and pipe errors alike
            if adrs_candidate is not None and isinstance(error, adrs_candidate.CandidateError):
                raise CandidateError(str(error)) from None
            raise

    def send_json(self, value):
        self._call("send_json", value)

    def recv_json(self, timeout):
        return self._call("recv_json", timeout)

    def communicate(self, data, timeout):
        return self._call("communicate", data, timeout)

    def close(self, timeout=5.0):
        with _LOCK:
            return self._c.close(timeout)

    def kill(self):
        with _LOCK:
            self._c.kill()


def run(argv, cwd, env, timeout):
    """(exit code, stdout, stderr) of a command run to its end as the candidate; 124 when it timed out. Its stdout is
    read from a pipe this evaluator owns; its stderr through a file only the candidate's descriptor reaches."""
    with tempfile.TemporaryFile() as err:
        proc = Process(argv, cwd, env, err.fileno())
        try:
            out, rc = proc.communicate(b"", timeout), None
        except CandidateError as error:
            out, rc = b"", 124
            proc.kill()
            note = "\n(%s)" % error
        else:
            note = ""
        status = proc.close()
        err.seek(0)
        text = err.read(4 << 20).decode(errors="replace") + note
    return (rc if rc is not None else (status if status is not None else 1)), out.decode(errors="replace"), text


# ---------------------------------------------------------------- the tree


def shared_dir(prefix):
    """A scratch folder both domains use (in /tmp: the sandbox's private one), writable by the candidate."""
    path = tempfile.mkdtemp(prefix=prefix, dir="/tmp" if os.path.isdir("/tmp") else None)
    if separated():
        os.chmod(path, 0o1777)
    return path


def share_tree(repo):
    """Lets the candidate add files anywhere in the tree, never replace the evaluator's: every folder this uid owns
    (not .git) becomes world-writable with the sticky bit. Call after each git operation (new folders are 0755)."""
    if not separated():
        return
    me = os.getuid()
    for root, dirs, _ in os.walk(repo):
        if root == repo and ".git" in dirs:
            dirs.remove(".git")
        # The bytecode cache's folders stay 0755 (swe_pyc.py): the candidate must not add a .pyc there.
        dirs[:] = [x for x in dirs if x != "__pycache__" or os.lstat(os.path.join(root, x)).st_uid != me]
        for d in [root] + [os.path.join(root, x) for x in dirs]:
            try:
                st = os.lstat(d)
                if st.st_uid == me and stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) != 0o1777:
                    os.chmod(d, 0o1777)
            except OSError:
                pass
        dirs[:] = [x for x in dirs if not os.path.islink(os.path.join(root, x))]


GIT_CONFIG = "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n"


def copy_repo(src, skip=lambda name: False):
    """A copy of the repository at `src` that this uid owns, with a .git it can trust: no symlink anywhere in .git,
    a config, hooks and attributes of our own (a candidate's .git/config could name filters or an fsmonitor that git
    would run as the evaluator). Object integrity is checked with git fsck by the caller."""
    dest = os.path.join(shared_dir("swe-repo-"), "repo")
    git = os.path.join(src, ".git")
    if os.path.islink(git) or not os.path.isdir(git):
        raise RuntimeError("%s/.git is not a folder (a link or a gitdir file): the repository cannot be judged" % src)
    for root, dirs, files in os.walk(git):
        for name in dirs + files:
            if os.path.islink(os.path.join(root, name)):
                raise RuntimeError("%s holds a symbolic link (%s): refused" % (git, os.path.relpath(
                    os.path.join(root, name), src)))
    shutil.copytree(src, dest, symlinks=True, ignore=lambda d, names: [n for n in names if d == src and skip(n)])
    gd = os.path.join(dest, ".git")
    for rel in ("hooks", "info/attributes", "objects/info/alternates", "commondir", "config.worktree"):
        p = os.path.join(gd, rel)
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.exists(p):
            os.unlink(p)
    with open(os.path.join(gd, "config"), "w") as f:
        f.write(GIT_CONFIG)
    for root, dirs, files in os.walk(dest):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
        for name in files:
            p = os.path.join(root, name)
            if not os.path.islink(p):
                mode = stat.S_IMODE(os.lstat(p).st_mode)
                os.chmod(p, (mode & 0o755) | 0o444)  # no setuid/setgid bits, readable by the candidate
    os.chmod(dest, 0o755)
    return dest
