"""Per-repository test commands and log parsers, with the semantics of the SWE-fficiency harness.

Facts from swefficiency/swefficiency (harness/constants.py: the test command per repository and version;
harness/log_parsers.py: MAP_REPO_TO_PARSER; harness/test_spec.py: the per-file test directive), as of fa356b7.
The code is ours. A parser maps a runner's output to {test name: status}, the name spelled as the dataset's
PASS_TO_PASS spells it (pytest node ids; bare `test_x` names for sympy's own runner); a test passes when its
status contains "PASS". Statuses are the harness's: PASSED, FAILED, SKIPPED, ERROR, XFAIL (an XPASS line is not
one of them, so it is not read: a PASS_TO_PASS test reported as XPASS counts as failed there, and here).
Stdlib only.
"""
import re

STATUSES = ("PASSED", "FAILED", "SKIPPED", "ERROR", "XFAIL")

PYTEST = "pytest --no-header -rA --tb=no -p no:cacheprovider --continue-on-collection-errors"
PYTEST_VERBOSE = "pytest -v -rA --tb=long -p no:cacheprovider --continue-on-collection-errors"

# The dataset's nine repositories. The official table is per version, but within each of these repositories every
# version has the same command (the per-version difference is scipy's directive, below).
TEST_CMDS = {
    "astropy/astropy": "pytest -rA -vv -o console_output_style=classic --tb=no",
    "dask/dask": 'pytest -n0 -rA -W "ignore::DeprecationWarning"  --continue-on-collection-errors --color=no',
    "matplotlib/matplotlib": PYTEST,
    "numpy/numpy": PYTEST,
    "pandas-dev/pandas": PYTEST_VERBOSE + ' -m "not slow and not network and not db and not single_cpu"',
    "pydata/xarray": PYTEST,
    "scikit-learn/scikit-learn": PYTEST,
    "scipy/scipy": PYTEST,
    "sympy/sympy": "PYTHONWARNINGS='ignore::UserWarning,ignore::SyntaxWarning' bin/test --no-subprocess --verbose",
}

# scipy 0.16-0.19 take a test file as a module name (the harness rewrites the path with sed).
MODULE_DIRECTIVE = {("scipy/scipy", v) for v in ("0.16", "0.17", "0.18", "0.19")}

ANSI = re.compile(r"\x1B(?:[@-Z\\-_]|\[[0-?]*[ -/]*[@-~])")


def test_cmd(repo, override=""):
    """The command a test file is appended to: the instance's own when it has one, else its repository's."""
    if override and override.strip():
        return override.strip()
    return TEST_CMDS.get((repo or "").lower(), PYTEST)


def directive(repo, version, path):
    """The argument naming one covering test file for the runner."""
    if ((repo or "").lower(), str(version or "")) in MODULE_DIRECTIVE:
        return re.sub(r"\.py$", "", path).replace("/", ".")
    return path


def drop_trailing(rest):
    """A pytest summary line's name without what follows it (a ' - reason'), keeping a parametrisation's brackets
    whole even when they hold spaces."""
    if "[" not in rest:
        return rest.split()[0] if rest.split() else ""
    prefix, tail = rest.split("[", 1)
    depth, out = 1, ["["]
    for ch in tail:
        out.append(ch)
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                break
    return prefix + "".join(out)


def _status_line(line):
    for s in STATUSES:
        if line.startswith(s):
            return s
    return None


def parse_pytest(log):
    """`-rA` summary lines: `STATUS name[ - reason]` (dask, xarray; the base of numpy and scipy)."""
    out = {}
    for line in log.splitlines():
        status = _status_line(line)
        if not status:
            continue
        if status == "FAILED":
            line = line.replace(" - ", " ")
        parts = line.split(maxsplit=1)
        if len(parts) > 1:
            out[drop_trailing(parts[1])] = parts[0]
    return out


def parse_pytest_v2(log):
    """Colour codes stripped; `-rA` summary lines, and also `name STATUS` lines of verbose runs (astropy with
    `-vv -o console_output_style=classic`, scikit-learn, pandas)."""
    out = {}
    for raw in log.splitlines():
        line = ANSI.sub("", raw)
        status = _status_line(line)
        if status:
            if status == "FAILED":
                line = line.replace(" - ", " ")
            parts = line.split(maxsplit=1)
            if len(parts) > 1:
                out[drop_trailing(parts[1])] = parts[0]
            continue
        for s in STATUSES:
            if line.endswith(s):
                parts = line.rsplit(maxsplit=1)
                if len(parts) == 2 and parts[1] == s:
                    out[parts[0]] = s
                break
    return out


def parse_matplotlib(log):
    """pytest summary lines, with MouseButton parameters spelled as numbers (as PASS_TO_PASS spells them)."""
    out = {}
    for line in log.splitlines():
        line = line.replace("MouseButton.LEFT", "1").replace("MouseButton.RIGHT", "3")
        status = _status_line(line)
        if not status:
            continue
        if status == "FAILED":
            line = line.replace(" - ", " ")
        parts = line.split()
        if len(parts) > 1:
            out[parts[1]] = parts[0]
    return out


def parse_numpy(log):
    """pytest summary lines; a parametrised test keeps its bare name when it has one parametrisation only, and is
    dropped when it has several (PASS_TO_PASS was built the same way, so it never names those)."""
    raw = parse_pytest(log)
    counts = {}
    for name in raw:
        p = name.split("[", 1)[0]
        counts[p] = counts.get(p, 0) + 1
    return {name.split("[", 1)[0]: s for name, s in raw.items() if counts[name.split("[", 1)[0]] == 1}


SYMPY_FAILED = re.compile(r"(_*) (.*)\.py:(.*) (_*)")


def parse_sympy(log):
    """sympy's own runner (bin/test --verbose): `test_x ok` / ` F` / ` E` lines (a trailing [OK] or [FAIL] of the
    last test of a file dropped), and `____ path.py:test_x ____` failure headers; output of pytest instead
    (`sympy/... STATUS` lines) when the log is pytest's."""
    out = {}
    if "pytest" in log:
        for line in log.splitlines():
            if line.strip().startswith("sympy/"):
                parts = line.split(None, 2)
                if len(parts) >= 2:
                    out[parts[0]] = parts[1]
        return out
    for m in SYMPY_FAILED.findall(log):
        out["%s.py:%s" % (m[1], m[2])] = "FAILED"
    for line in log.splitlines():
        line = line.strip()
        if not line.startswith("test_"):
            continue
        if line.endswith("[FAIL]") or line.endswith("[OK]"):
            line = line[: line.rfind("[")].strip()
        name = line.split()[0]
        if line.endswith(" E"):
            out[name] = "ERROR"
        elif line.endswith(" F"):
            out[name] = "FAILED"
        elif line.endswith(" ok"):
            out[name] = "PASSED"
    return out


PARSERS = {
    "astropy/astropy": parse_pytest_v2,
    "dask/dask": parse_pytest,
    "matplotlib/matplotlib": parse_matplotlib,
    "numpy/numpy": parse_numpy,
    "pandas-dev/pandas": parse_pytest_v2,
    "pydata/xarray": parse_pytest,
    "scikit-learn/scikit-learn": parse_pytest_v2,
    "scipy/scipy": parse_numpy,
    "sympy/sympy": parse_sympy,
}


def parser_for(repo):
    """The repository's parser; plain pytest summary lines for a repository outside the dataset."""
    return PARSERS.get((repo or "").lower(), parse_pytest)


def passed(status):
    return "PASS" in (status or "")
