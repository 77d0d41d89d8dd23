"""A trusted bytecode cache of the base tree: the repository's modules compiled once, loaded by every process.

Without it every repository process (workload runs, covering tests, the differential checks' observation) compiles
the library from source: the trees have no .pyc files and the candidate's processes run with
PYTHONDONTWRITEBYTECODE=1 (they must never write bytecode that anyone else loads). Importing sympy compiles about
400 modules, 0.6 s of CPU per process.

The evaluator (this uid) compiles every tracked .py file of base_commit (tests aside) in a Python of its own
(`-I -S`: no site, no $PYTHONPATH), after checking each file's bytes against the base commit's git blob id, into
hash-checked .pyc files (PEP 552, "checked-hash"). The archive of them is kept in the evaluator cache (one entry
per base commit and interpreter) and unpacked, in every evaluation, into a `__pycache__` folder beside the sources
that this uid owns, mode 0755, files 0644 (swe_domain.share_tree leaves these folders alone). So:
  * a file the patch changed has another source hash: Python compiles it from source, in memory, never the cached
    code (a 64-bit hash: a candidate file that collided with a base file would at most run base's code);
  * the candidate cannot replace, add or remove a .pyc there, nor create another `__pycache__` beside a base file
    (one exists in every folder of the base tree that holds a .py file, and the parents are sticky);
  * every `__pycache__` the tree brought (fixture mode: the candidate's workspace) is removed before unpacking.
Stdlib only.
"""
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

ENTRY_PREFIX = "swe-pyc-"
# Test modules are left out (the archive stays within the evaluator cache's entry size for sympy: about 11 MB).
TESTISH = re.compile(r"(^|/)(tests?|testing)/|(^|/)(conftest|test_[^/]*|[^/]*_test)\.py$")
MEMBER = re.compile(r"^((?:[^/]+/)*)__pycache__/([^/]+)\.([A-Za-z0-9_-]+)\.pyc$")


def _blob_id(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def compile_tree(root, files, out):
    """(In the interpreter that will load them.) Compiles files [[path, blob id], ...] under root into a zip at out:
    checked-hash pycs at path's `__pycache__/<name>.<tag>.pyc`. A file whose bytes are not that blob, or that does
    not compile (Python 2 leftovers), is skipped. Prints how many were compiled."""
    import importlib.util
    from importlib import _bootstrap_external

    tag = sys.implementation.cache_tag
    n = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for rel, blob in files:
            try:
                with open(os.path.join(root, rel), "rb") as f:
                    data = f.read()
            except OSError:
                continue
            if _blob_id(data) != blob:
                continue
            try:
                code = compile(data, os.path.join(root, rel), "exec", dont_inherit=True)
            except (SyntaxError, ValueError):
                continue
            pyc = _bootstrap_external._code_to_hash_pyc(code, importlib.util.source_hash(data), True)
            d, name = os.path.split(rel)
            z.writestr(os.path.join(d, "__pycache__", "%s.%s.pyc" % (name[:-3], tag)), bytes(pyc))
            n += 1
    print(n)


class Bytecode:
    """The cache for one evaluation: prepare() once the tree is at base_commit, before any repository code runs."""

    def __init__(self, ctx, here):
        self.ctx, self.here = ctx, here
        self.new_entry = None  # (name, bytes) to hand back to the evaluator cache
        self.installed = 0
        self.note = ""

    def _interp(self):
        """(magic, cache tag) of the repository's interpreter, or None."""
        code = "import importlib.util,sys;print(importlib.util.MAGIC_NUMBER.hex(),sys.implementation.cache_tag)"
        try:
            p = subprocess.run([self.ctx.python, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=60,
                               cwd="/")
            magic, tag = p.stdout.split()
        except (OSError, ValueError, subprocess.TimeoutExpired):
            return None
        return (magic, tag) if p.returncode == 0 and tag != "None" else None

    def _tracked(self):
        """{path: blob id} of the tracked .py files at HEAD (the tree was just reset to base_commit)."""
        rc, out, _ = self.ctx.git("ls-tree", "-r", "-z", "HEAD")
        files = {}
        for rec in out.split("\0") if rc == 0 else []:
            meta, _, path = rec.partition("\t")
            parts = meta.split()
            if len(parts) == 3 and parts[1] == "blob" and path.endswith(".py"):
                files[path] = parts[2]
        return files

    def prepare(self):
        """Puts the base tree's bytecode beside it: from the evaluator cache, else compiled now (only when there is
        a cache to keep it in). Never fails the evaluation: without it, modules compile from source as before."""
        try:
            self._prepare()
        except Exception as e:  # noqa: BLE001 - the cache only saves time
            self.note = "bytecode cache not used: %s" % e

    def _prepare(self):
        tracked = self._tracked()
        data, tag = None, None
        cache_dir, cache_out = os.environ.get("ADRS_CACHE_DIR"), os.environ.get("ADRS_CACHE_OUT")
        interp = self._interp() if cache_dir or cache_out else None
        if interp:
            tag = interp[1]
            key = json.dumps([self.ctx.cfg.get("base_commit"), self.ctx.python, interp])
            name = ENTRY_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:24] + ".zip"
            if cache_dir and os.path.isfile(os.path.join(cache_dir, name)):
                with open(os.path.join(cache_dir, name), "rb") as f:
                    data = f.read()
            elif cache_out:
                data = self._compile(tracked)
                self.new_entry = (name, data)
        elif cache_dir or cache_out:
            self.note = "bytecode cache not used: %s does not say its cache tag" % self.ctx.python
        # The folders go in even without bytecode to put there: no other __pycache__ may serve the base tree.
        self._install(data, tracked, tag)

    def _compile(self, tracked):
        import tempfile

        files = [[p, b] for p, b in sorted(tracked.items()) if not TESTISH.search(p)]
        with tempfile.TemporaryDirectory(prefix="swe-pyc-") as tmp:
            out = os.path.join(tmp, "pyc.zip")
            # As this uid, in the repository's interpreter without site or environment: it reads and compiles,
            # never imports, the tree's files.
            p = subprocess.run([self.ctx.python, "-I", "-S", os.path.join(self.here, "swe_pyc.py"), "compile",
                                self.ctx.repo, out], input=json.dumps(files), capture_output=True, text=True,
                               cwd="/", timeout=min(1800, self.ctx.left()))
            if p.returncode != 0:
                raise RuntimeError("compiling failed: %s" % p.stderr[-300:])
            with open(out, "rb") as f:
                return f.read()

    def _install(self, data, tracked, tag):
        repo = os.path.realpath(self.ctx.repo)
        for root, dirs, _ in os.walk(repo):
            if root == repo and ".git" in dirs:
                dirs.remove(".git")
            for d in [x for x in dirs if x == "__pycache__"]:
                p = os.path.join(root, d)
                if os.path.islink(p):
                    os.unlink(p)
                else:
                    shutil.rmtree(p)
            dirs[:] = [x for x in dirs if x != "__pycache__" and not os.path.islink(os.path.join(root, x))]
        # A folder of our own beside every base module, bytecode or not: the candidate cannot create one there.
        for folder in sorted({os.path.dirname(p) for p in tracked}):
            full = os.path.join(repo, folder)
            if os.path.isdir(full) and not os.path.islink(full) and os.path.realpath(full).startswith(repo):
                os.mkdir(os.path.join(full, "__pycache__"), 0o755)
                os.chmod(os.path.join(full, "__pycache__"), 0o755)
        if not data:
            return
        n = 0
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for member in z.infolist():
                m = MEMBER.match(member.filename)
                if not m or ".." in member.filename.split("/") or m.group(3) != tag:
                    continue
                if m.group(1) + m.group(2) + ".py" not in tracked:
                    continue
                target = os.path.join(repo, member.filename)
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
                with os.fdopen(fd, "wb") as f:
                    f.write(z.read(member))
                n += 1
                self.installed = n

    def summary(self):
        """What the evaluation used (artifact "bytecode")."""
        return {"installed": self.installed, "built": self.new_entry is not None, "note": self.note}

    def cache_entries(self):
        return dict([self.new_entry]) if self.new_entry else {}


if __name__ == "__main__" and sys.argv[1:2] == ["compile"]:
    compile_tree(sys.argv[2], json.loads(sys.stdin.read()), sys.argv[3])
