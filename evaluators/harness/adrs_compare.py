"""Compare a candidate's output with the reference: numbers within tolerances, numpy arrays elementwise,
containers recursively, anything else by equality then repr. Returns None when equal, else the first
difference as one line of text (for the evaluator's feedback).

Usage in an evaluator (the harness folder is on PYTHONPATH in the sandbox):

    from adrs_compare import compare
    diff = compare(candidate_out, reference_out, rtol=1e-6, atol=1e-9)
    if diff is not None:
        print("input 3:", diff)

Only the standard library is imported; numpy is used when the values are numpy objects (and so already
imported by whoever made them).
"""

import math
import sys
from typing import Any

__all__ = ["compare", "outputs_equal"]

_MAX_TEXT = 120


def _short(value):
    text = repr(value)
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + "..."


def _where(path):
    return path or "output"


def _numpy() -> Any:
    """numpy when the values came from it (already imported), else None."""
    return sys.modules.get("numpy")


def _is_array(value):
    np = _numpy()
    return np is not None and isinstance(value, np.ndarray)


def _is_number(value):
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    np = _numpy()
    return np is not None and isinstance(value, np.number)


def _compare_numbers(actual, expected, rtol, atol, path):
    if isinstance(actual, int) and isinstance(expected, int):
        if actual != expected:
            return f"{_where(path)}: got {actual}, expected {expected}"
        return None
    a, e = float(actual), float(expected)
    if math.isnan(a) or math.isnan(e):
        if math.isnan(a) and math.isnan(e):
            return None
        return f"{_where(path)}: got {a!r}, expected {e!r}"
    if math.isinf(a) or math.isinf(e):
        if a == e:
            return None
        return f"{_where(path)}: got {a!r}, expected {e!r}"
    if abs(a - e) <= atol + rtol * abs(e):
        return None
    return f"{_where(path)}: got {a!r}, expected {e!r} (|diff| {abs(a - e):.3g} > atol {atol:g} + rtol {rtol:g} * |expected|)"


def _compare_arrays(actual, expected, rtol, atol, path):
    np = _numpy()
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    if actual.shape != expected.shape:
        return f"{_where(path)}: shape {actual.shape}, expected {expected.shape}"
    numeric = np.issubdtype(expected.dtype, np.number) and np.issubdtype(actual.dtype, np.number)
    if not numeric:
        bad = actual != expected
    elif np.issubdtype(expected.dtype, np.integer) and np.issubdtype(actual.dtype, np.integer):
        bad = actual != expected
    else:
        a = actual.astype(np.complex128 if np.iscomplexobj(actual) or np.iscomplexobj(expected) else np.float64)
        e = expected.astype(a.dtype)
        close = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True)
        bad = ~close
    bad = np.asarray(bad)
    if bad.ndim == 0:
        bad = bad.reshape(1)
        if bad[0]:
            return f"{_where(path)}: got {_short(actual)}, expected {_short(expected)}"
        return None
    if not bad.any():
        return None
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    count = int(bad.sum())
    return (
        f"{_where(path)}[{', '.join(map(str, index))}]: got {_short(actual[index].item())}, "
        f"expected {_short(expected[index].item())} ({count} of {bad.size} elements differ)"
    )


def compare(actual, expected, rtol=1e-6, atol=1e-9, path=""):
    """None when `actual` matches `expected`, else the first difference as text."""
    if _is_array(expected) or _is_array(actual):
        if not (_is_array(expected) and _is_array(actual)):
            return f"{_where(path)}: got {type(actual).__name__}, expected {type(expected).__name__}"
        return _compare_arrays(actual, expected, rtol, atol, path)
    if isinstance(expected, bool) or isinstance(actual, bool):
        if type(actual) is not type(expected) or actual != expected:
            return f"{_where(path)}: got {_short(actual)}, expected {_short(expected)}"
        return None
    if _is_number(expected) and _is_number(actual):
        return _compare_numbers(actual, expected, rtol, atol, path)
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{_where(path)}: got {type(actual).__name__}, expected dict"
        missing = [k for k in expected if k not in actual]
        if missing:
            return f"{_where(path)}: missing key {missing[0]!r}"
        extra = [k for k in actual if k not in expected]
        if extra:
            return f"{_where(path)}: unexpected key {extra[0]!r}"
        for key in expected:
            diff = compare(actual[key], expected[key], rtol, atol, f"{path}[{key!r}]")
            if diff is not None:
                return diff
        return None
    if isinstance(expected, (list, tuple)):
        if not isinstance(actual, (list, tuple)):
            return f"{_where(path)}: got {type(actual).__name__}, expected {type(expected).__name__}"
        if len(actual) != len(expected):
            return f"{_where(path)}: length {len(actual)}, expected {len(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            diff = compare(a, e, rtol, atol, f"{path}[{i}]")
            if diff is not None:
                return diff
        return None
    if isinstance(expected, (set, frozenset)):
        if not isinstance(actual, (set, frozenset)):
            return f"{_where(path)}: got {type(actual).__name__}, expected {type(expected).__name__}"
        if actual != expected:
            extra = sorted(map(repr, actual - expected))[:1]
            missing = sorted(map(repr, expected - actual))[:1]
            what = f"missing {missing[0]}" if missing else f"unexpected {extra[0]}"
            return f"{_where(path)}: sets differ ({what})"
        return None
    try:
        if actual == expected:
            return None
    except Exception:  # noqa: BLE001 - a value whose == raises falls back to repr
        pass
    if type(actual) is not type(expected) and not (isinstance(actual, str) and isinstance(expected, str)):
        return f"{_where(path)}: got {type(actual).__name__} {_short(actual)}, expected {type(expected).__name__} {_short(expected)}"
    if repr(actual) == repr(expected) and not isinstance(expected, (str, bytes)):
        return None
    return f"{_where(path)}: got {_short(actual)}, expected {_short(expected)}"


def outputs_equal(actual, expected, rtol=1e-6, atol=1e-9):
    """True when compare() finds no difference."""
    return compare(actual, expected, rtol, atol) is None
