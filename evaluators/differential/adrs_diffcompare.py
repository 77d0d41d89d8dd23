"""Strict, path-aware comparison of a patched result with the base result, for differential checks and evaluators.

Builds on adrs_compare (evaluators/harness: numbers within tolerances, arrays elementwise, containers recursively)
and adds what a "same result" check needs beyond it:
  - canonical form: exact types (a Counter for a dict, a tuple for a list, an int for a float, np.float32 for
    float64 all differ), the sign of zero (-0.0 vs 0.0), dict key order, exact strings (first differing index shown);
  - pandas objects (DataFrame, Series, Index) through pandas.testing with the same tolerances;
  - plain objects without their own == compared attribute by attribute;
  - every difference, each with a path ("globals.out['yd'][3]"), so callers can drop paths that may differ;
  - may_differ patterns ("globals.timestamp", "return.id", "calls.*.return.created"): a matching path and
    everything under it is ignored.

    from adrs_diffcompare import Options, first_difference
    diff = first_difference(candidate_out, reference_out, Options(may_differ=["return.id"]))
    if diff: print(diff)          # "return['total']: got float 2.0, expected int 2"

Only the standard library is imported; numpy and pandas are used when the values are theirs.
"""

import fnmatch
import math
import os
import re
import sys
from typing import Any, cast

try:
    import adrs_compare
except ImportError:  # not on PYTHONPATH: $ADRS_HARNESS, or the harness folder next to this one
    for _dir in (os.environ.get("ADRS_HARNESS"), os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness")):
        if _dir and os.path.exists(os.path.join(_dir, "adrs_compare.py")):
            sys.path.insert(0, _dir)
            break
    import adrs_compare

__all__ = ["Options", "differences", "first_difference", "matches", "OPAQUE"]

# Values that could not travel between processes are stood in for by ("__adrs_opaque__", why, type name, repr).
OPAQUE = "__adrs_opaque__"
_MAX_TEXT = 120


class Options:
    def __init__(self, rtol=1e-6, atol=1e-9, strict=True, may_differ=(), max_diffs=20):
        self.rtol = float(rtol)
        self.atol = float(atol)
        self.strict = bool(strict)
        self.may_differ = [_norm(p) for p in may_differ]
        self.max_diffs = int(max_diffs)
        self.not_compared = []  # (path, why) of values compared by their type only (see _walk)


def _norm(path):
    """"x['a'][3].b" and "x.a.3.b" both become "x.a.3.b" (patterns may use either)."""
    return re.sub(r"\[(?:'([^']*)'|\"([^\"]*)\"|([^\]]*))\]", lambda m: "." + next(g for g in m.groups() if g is not None), path)


def matches(path, patterns):
    """True when `path` or one of its parents matches a may_differ pattern."""
    p = _norm(path)
    for pat in patterns:
        if p == pat or p.startswith(pat + ".") or fnmatch.fnmatchcase(p, pat) or fnmatch.fnmatchcase(p, pat + ".*"):
            return True
    return False


def _short(value):
    text = repr(value)
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + "..."


def _tname(value):
    t = type(value)
    return t.__name__ if t.__module__ in ("builtins", None) else "%s.%s" % (t.__module__.split(".")[0], t.__qualname__)


def _is_opaque(v):
    return isinstance(v, tuple) and len(v) == 4 and v[0] == OPAQUE


def _pandas_kind(v):
    pd = sys.modules.get("pandas")
    if pd is None:
        return None
    for kind in ("DataFrame", "Series", "Index"):
        if isinstance(v, getattr(pd, kind)):
            return kind
    return None


def _compare_pandas(kind, actual, expected, opts):
    import pandas.testing as pdt  # pyright: ignore[reportMissingImports] - only called on pandas values

    check = {"DataFrame": pdt.assert_frame_equal, "Series": pdt.assert_series_equal, "Index": pdt.assert_index_equal}[kind]
    kwargs = {"check_exact": False, "rtol": opts.rtol, "atol": opts.atol}
    if kind != "Index":
        kwargs["check_dtype"] = opts.strict
    else:
        kwargs["exact"] = "equiv" if not opts.strict else True
    try:
        check(actual, expected, **kwargs)
    except AssertionError as e:
        return " ".join(str(e).split())[:400]
    except (TypeError, ValueError) as e:  # an older pandas without some keyword: exact equality
        return None if actual.equals(expected) else "%s differs (%s)" % (kind, e)
    return None


def _str_diff(actual, expected):
    n = min(len(actual), len(expected))
    i = next((k for k in range(n) if actual[k] != expected[k]), n)
    lo = max(0, i - 20)
    return "differs at index %d: got %s, expected %s (lengths %d, %d)" % (
        i, _short(actual[lo : i + 40]), _short(expected[lo : i + 40]), len(actual), len(expected))


def _has_own_eq(value):
    return type(value).__eq__ is not object.__eq__


def differences(actual, expected, opts=None, path=""):
    """Yields (path, message) for every difference of `actual` from `expected` (up to opts.max_diffs)."""
    opts = opts or Options()
    count = 0
    for item in _walk(actual, expected, opts, path):
        yield item
        count += 1
        if count >= opts.max_diffs:
            return


def first_difference(actual, expected, opts=None, path=""):
    """The first difference as one line ("path: message"), or None."""
    for where, msg in differences(actual, expected, opts, path):
        return "%s: %s" % (where or "output", msg)
    return None


def _walk(a, e, opts, path):
    if opts.may_differ and path and matches(path, opts.may_differ):
        return
    if _is_opaque(a) or _is_opaque(e):
        # A value that could not travel is compared by its type alone; the rest is "not compared", never a refusal.
        ta = a[2] if _is_opaque(a) else type(a).__qualname__
        te = e[2] if _is_opaque(e) else type(e).__qualname__
        if ta != te and "?" not in (ta, te):
            yield path, "got %s, expected %s" % (a[3] if _is_opaque(a) else _short(a), e[3] if _is_opaque(e) else _short(e))
        else:
            opts.not_compared.append((path, e[1] if _is_opaque(e) else a[1]))
        return
    if opts.strict and type(a) is not type(e):
        yield path, "got %s %s, expected %s %s" % (_tname(a), _short(a), _tname(e), _short(e))
        return
    if isinstance(e, float) and isinstance(a, float):
        if a == 0.0 and e == 0.0 and math.copysign(1, a) != math.copysign(1, e) and opts.strict:
            yield path, "got %r, expected %r (sign of zero)" % (a, e)
            return
    kind = _pandas_kind(e)
    if kind is not None and _pandas_kind(a) == kind:
        msg = _compare_pandas(kind, a, e, opts)
        if msg:
            yield path, msg
        return
    np: Any = sys.modules.get("numpy")
    if np is not None and isinstance(e, np.ndarray) and isinstance(a, np.ndarray):
        a, e = cast(Any, a), cast(Any, e)
        if opts.strict and a.dtype != e.dtype:
            yield path, "dtype %s, expected %s" % (a.dtype, e.dtype)
            return
        if e.dtype == object and a.shape == e.shape:
            for i, (x, y) in enumerate(zip(a.ravel().tolist(), e.ravel().tolist())):
                yield from _walk(x, y, opts, "%s.flat[%d]" % (path, i))
            return
    if isinstance(e, dict) and isinstance(a, dict):
        missing = [k for k in e if k not in a]
        extra = [k for k in a if k not in e]
        if missing:
            yield path, "missing key %s" % _short(missing[0])
        if extra:
            yield path, "unexpected key %s" % _short(extra[0])
        if not missing and not extra and opts.strict and list(a) != list(e):
            i = next(i for i, (x, y) in enumerate(zip(a, e)) if x != y)
            yield path, "key order differs at position %d: got %s, expected %s" % (i, _short(list(a)[i]), _short(list(e)[i]))
        for k in e:
            if k in a:
                yield from _walk(a[k], e[k], opts, "%s[%r]" % (path, k))
        return
    if isinstance(e, (list, tuple)) and isinstance(a, (list, tuple)):
        if len(a) != len(e):
            yield path, "length %d, expected %d" % (len(a), len(e))
        for i, (x, y) in enumerate(zip(a, e)):
            yield from _walk(x, y, opts, "%s[%d]" % (path, i))
        return
    if isinstance(e, (str, bytes)) and type(a) is type(e):
        if a != e:
            yield path, _str_diff(a, e)
        return
    if not _has_own_eq(e) and hasattr(e, "__dict__") and hasattr(a, "__dict__") and type(a) is type(e):
        # attribute order is not part of an object's value
        yield from _walk(dict(sorted(vars(a).items())), dict(sorted(vars(e).items())), opts, path)
        return
    if _has_own_eq(e) and not (np is not None and isinstance(e, np.ndarray)):
        try:
            bool(a == e)
        except Exception as x:  # noqa: BLE001 - its == fails (state lost in transit): not compared, not a difference
            opts.not_compared.append((path, "== raised %s: %s" % (type(x).__name__, str(x)[:100])))
            return
    try:
        msg = adrs_compare.compare(a, e, opts.rtol, opts.atol, path)
    except Exception as x:  # noqa: BLE001 - a value whose comparison fails (state lost in transit) is not compared
        opts.not_compared.append((path, "comparing raised %s: %s" % (type(x).__name__, str(x)[:100])))
        return
    if msg is not None:
        where = path or "output"
        yield path, msg[len(where) + 2 :] if msg.startswith(where + ": ") else msg
