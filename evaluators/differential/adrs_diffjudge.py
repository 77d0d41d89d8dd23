"""Judges the recorded observations of a differential check (run by adrs_diffcheck as its compare worker).

    python3 adrs_diffjudge.py STATE      (the tree under judgement as the working directory and on sys.path)

Reads, from the state folder: config.json, base.pkl and patched.pkl (adrs_observe), and when present base2.pkl (a
second base run: noise, and the base's full values of calls that differ), replay-patched.pkl and replay-base.pkl
(adrs_replay). Loads values with the restricted unpickler of adrs_capture, compares with adrs_diffcompare, and
writes compared.json: {"checks": {name: {ok, detail, first}}, "needs": {"noise": bool, "replay_base": bool},
"notes": [...]}, and want.json (the argument hashes whose base values the second base run must keep).
Paths: "return...", "globals.<name>...", "locals.<function>.<name>...", "stdout[i]", "error",
"calls.<module>.<qualname>.return|args_after...".

Calls are judged by their arguments: for every argument hash that both runs saw, each outcome the patched run gave
must be one the base gave (or the second base run). Where one differs only by hash, the full values decide (within
tolerances); where the base itself answers differently from run to run, the call is not compared. A value that
cannot be compared is noted as "not compared" and never refuses by itself.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from adrs_capture import _Restricted, load_blob
from adrs_diffcompare import Options, differences, matches, _norm, _short


def _load(state, name):
    path = os.path.join(state, name)
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return _Restricted(f).load()


def _need(state, name):
    obs = _load(state, name)
    if not isinstance(obs, dict):
        raise RuntimeError("%s is missing from the state folder" % name)
    return obs


def _value(blob):
    """A blob's value, an exception as ("raise", type) (its message may differ), or an opaque stand-in."""
    if blob is None:
        return None
    if blob[0] == "raise":
        return ("raise", blob[1])
    return load_blob(blob)


def _same(a, b):
    """Whether two blobs are the same pickle, up to which strings are shared: then they are the same value, and
    neither needs loading (loading imports the library the values come from, which is most of a compare's cost on
    a real instance). Not the same pickle says nothing: the values are then loaded and compared."""
    if not (isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b) == 2 and a[0] == b[0] == "value"):
        return False
    if a[1] == b[1]:
        return True
    x = _spelled(a[1])
    return x is not None and x == _spelled(b[1])


_TEXT = {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "SHORT_BINBYTES", "BINBYTES", "BINBYTES8",
         "SHORT_BINSTRING", "BINSTRING", "STRING"}
_PUT = {"PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"}
_GET = {"GET", "BINGET", "LONG_BINGET"}


def _spelled(data):
    """A hash of a pickle's opcodes with every back-reference to a string or bytes spelled out, and the others
    numbered by order: two pickles of equal values differ where one value shared a string object and the other
    held an equal copy (e.g. a dict key unpickled in the replay process); here they do not. None: not readable."""
    import hashlib
    import pickletools

    memo, h, text, refs = {}, hashlib.blake2b(digest_size=16), None, 0
    try:
        for op, arg, _ in pickletools.genops(data):
            name = op.name
            if name in ("FRAME", "PROTO", "STOP"):
                continue
            if name in _PUT:
                if text is None:
                    token, refs = "G%d" % refs, refs + 1
                    h.update(b"M;")
                else:
                    token = text
                memo[len(memo) if name == "MEMOIZE" else arg] = token
                continue
            if name in _GET:
                token = memo[arg]
                text = token if token[0] == "S" else None
            elif name in _TEXT:
                token = text = "S" + repr(arg)
            else:
                token, text = "%s %r" % (name, arg), None
            h.update(token.encode("utf-8", "surrogatepass") + b";")
    except Exception:  # noqa: BLE001 - a pickle this cannot read is compared by loading it
        return None
    return h.hexdigest()


def _blob_diffs(actual, expected, opts, path):
    """_diffs of two blobs, loaded only when their pickles differ."""
    if _same(actual, expected):
        return []
    return _diffs(_value(actual), _value(expected), opts, path)


def _diffs(actual, expected, opts, path):
    """differences() as a list; a comparison that raises leaves the value not compared."""
    try:
        return list(differences(actual, expected, opts, path))
    except Exception as e:  # noqa: BLE001 - a broken value is not a refusal
        opts.not_compared.append((path, "comparing raised %s" % type(e).__name__))
        return []


def workload_diffs(base, other, opts):
    out = []
    if (base["error"] is None) != (other["error"] is None):
        out.append(("error", "got %s, expected %s" % (other["error"] or "no error", base["error"] or "no error"), ""))
    if len(base["runs"]) != len(other["runs"]):
        out.append(("runs", "%d timed calls, expected %d" % (len(other["runs"]), len(base["runs"])), ""))
    for k, (b, o) in enumerate(zip(base["runs"], other["runs"])):
        pre = "" if k == 0 else "run%d." % (k + 1)
        out += [(p, m, "") for p, m in _blob_diffs(o["return"], b["return"], opts, pre + "return")]
        spaces = [("globals", b["globals"], o["globals"], "assigned")]
        for fname in sorted(set(b.get("locals", {})) | set(o.get("locals", {}))):
            spaces.append(("locals.%s" % fname, b.get("locals", {}).get(fname, {}), o.get("locals", {}).get(fname, {}),
                           "a local at return"))
        for space, bv, ov, what in spaces:
            for name in sorted(set(bv) | set(ov)):
                path = "%s%s.%s" % (pre, space, name)
                if opts.may_differ and matches(path, opts.may_differ):
                    continue
                if name not in ov:
                    out.append((path, "not %s with the patch" % what, ""))
                elif name not in bv:
                    out.append((path, "%s only with the patch" % what, ""))
                else:
                    out += [(p, m, "") for p, m in _blob_diffs(ov[name], bv[name], opts, path)]
    out += [(p, m, "") for p, m in _diffs(other["stdout"], base["stdout"], opts, "stdout")]
    return out


def _brief(value, n=60):
    text = _short(value)
    return text if len(text) <= n else text[: n - 3] + "..."


def _call_text(rec):
    args = load_blob(rec["args"])
    if isinstance(args, tuple) and len(args) == 2:
        parts = [_brief(a) for a in args[0]] + ["%s=%s" % (k, _brief(v)) for k, v in args[1].items()]
        shown = ", ".join(parts)
    else:
        shown = "..."
    return "%s(%s), call %d" % (rec["key"].rsplit(".", 1)[-1], shown[:200], rec["n"] + 1)


def _calls(obs):
    return obs.get("calls") or {"table": {}, "full": [], "missed": {}}


def call_diffs(base, other, opts, notes, base2=None, want=None):
    """Differences of the patched run's calls from the base's, matched by argument hash (see the module doc).
    Without base2, a call whose outcome hash differs is a difference, and its argument hash goes into `want`."""
    out = []
    bt, pt = _calls(base)["table"], _calls(other)["table"]
    b2t = _calls(base2)["table"] if base2 is not None else None
    pfull = {(r["key"], r["ah"]): r for r in _calls(other)["full"]}
    b2full = {(r["key"], r["ah"]): r for r in _calls(base2)["full"]} if base2 is not None else {}
    for key in sorted(set(base["counts"]) | set(other["counts"])):
        nb, no = base["counts"].get(key, 0), other["counts"].get(key, 0)
        if nb != no:
            notes.append("%s: called %d times on base, %d with the patch" % (key, nb, no))
    compared = unmatched = noisy = lost = 0
    for key in sorted(pt):
        for ah, outs in sorted(pt[key].items()):
            seen = bt.get(key, {}).get(ah)
            if seen is None:
                unmatched += 1
                continue
            compared += 1
            allowed = set(seen) | set((b2t or {}).get(key, {}).get(ah, ()))
            if not set(outs) - allowed:
                continue
            rec = pfull.get((key, ah))
            where = "calls.%s" % key
            if opts.may_differ and matches(where + ".return", opts.may_differ):
                continue
            if b2t is None:
                if want is not None:
                    want.setdefault(key, []).append(ah)
                out.append((where + ".return", "the outcome differs from base for the same arguments (%s)" % (
                    _brief(_value(rec["result"]), 120) if rec else "value not kept"), _call_text(rec) if rec else key))
                continue
            ref = b2full.get((key, ah))
            if rec is None or ref is None:
                lost += 1  # the second base run did not make this call: the base's calls vary from run to run
                continue
            d = _blob_diffs(rec["result"], ref["result"], opts, where + ".return")
            if (rec["after"] or ref["after"]) and not d:
                d = _blob_diffs(rec["after"] or rec["args"], ref["after"] or ref["args"], opts, where + ".args_after")
            if not d:
                continue  # alike within tolerances (or pickled differently, the same value)
            if set(b2t.get(key, {}).get(ah, ())) != set(seen):
                noisy += 1  # the base itself answers differently from run to run
                continue
            out += [(p, m, _call_text(rec)) for p, m in d]
    if unmatched:
        notes.append("calls: %d argument sets seen only with the patch (not compared: the patch calls differently, or the arguments "
                     "differ from run to run)" % unmatched)
    if noisy or lost:
        notes.append("calls: %d argument sets not compared (the base answers differently, or not at all, in a second run)" % (noisy + lost))
    for key, types_ in sorted(_calls(other)["missed"].items()):
        notes.append("calls.%s: values of type %s not compared" % (key, ", ".join(types_)[:200]))
    return out, compared


def replay_diffs(base, replay_p, replay_b, opts, notes):
    out, skipped, context = [], 0, 0
    for i, r in enumerate(base["records"]):
        p = replay_p[i]
        ref = dict(r)
        if replay_b is not None and "skip" not in replay_b[i]:
            if _blob_diffs(replay_b[i]["result"], r["result"], opts, ""):
                context += 1
            ref = {"result": replay_b[i]["result"], "after": replay_b[i]["after"], "args": r["args"]}
        if "skip" in p:
            skipped += 1
            continue
        where = "calls.%s" % r["key"]
        if not _same(p["result"], ref["result"]):  # the same pickle: nothing to load
            got, expected = _value(p["result"]), _value(ref["result"])
            if isinstance(got, tuple) and got[:1] == ("raise",) and got[1] == "AttributeError" and not (
                    isinstance(expected, tuple) and expected[:1] == ("raise",)):
                skipped += 1  # typically an object pickled on base lacks an attribute the patched class adds
                continue
            out += [(q, m, _call_text(r)) for q, m in _diffs(got, expected, opts, where + ".return")]
        if ref.get("after") or p.get("after"):
            out += [(q, m, _call_text(r)) for q, m in _blob_diffs(p["after"], ref["after"] or ref["args"], opts,
                                                                  where + ".args_after")]
    if skipped:
        notes.append("replay: %d of %d calls could not be replayed on the patched tree" % (skipped, len(base["records"])))
    if context:
        notes.append("replay: %d calls depend on context (a fresh base process answers differently): judged against the base replay" % context)
    return out


def _drop_noise(diffs, noise, notes, what):
    if not noise:
        return diffs
    paths = [_norm(p) for p, _, _ in noise]
    # a difference under a noisy path, or above one (a parent that differs because a noisy child does), is noise
    kept = [d for d in diffs if not (matches(d[0], paths) or any(matches(q, [_norm(d[0])]) for q in paths))]
    if len(kept) != len(diffs):
        notes.append("%s: ignored %d differences at paths that differ between two base runs (%s)" % (
            what, len(diffs) - len(kept), ", ".join(sorted({p for p, _, _ in noise}))[:300]))
    return kept


MAX_SHOWN = 50  # differences kept in full per check (the report's "differences"; the count says how many in all)


def _check(diffs, total_text):
    if not diffs:
        return {"ok": True, "detail": total_text, "first": None}
    shown = ["%s: %s%s" % (p, m, " [%s]" % call if call else "") for p, m, call in diffs[:MAX_SHOWN]]
    more = " (%d differences)" % len(diffs) if len(diffs) > 1 else ""
    # "all": the first MAX_SHOWN differences in full, for the report (the model's feedback shows the first only)
    return {"ok": False, "detail": shown[0] + more, "first": shown[0], "all": shown, "count": len(diffs)}


def judge_state(state):
    with open(os.path.join(state, "config.json")) as f:
        cfg = json.load(f)
    opts = Options(cfg["rtol"], cfg["atol"], cfg["strict"], cfg["may_differ"])
    base, patched, base2 = _need(state, "base.pkl"), _need(state, "patched.pkl"), _load(state, "base2.pkl")
    replay_p, replay_b = _load(state, "replay-patched.pkl"), _load(state, "replay-base.pkl")
    checks, notes, needs = {}, list(base["notes"]), {}
    if cfg["workload"]:
        diffs = workload_diffs(base, patched, opts)
        if base2 is not None:
            diffs = _drop_noise(diffs, workload_diffs(base, base2, opts), notes, "workload")
        needs["noise"] = bool(diffs) and base2 is None
        checks["differential-workload"] = _check(diffs, "%d timed calls, %d globals, %d printed lines alike" % (
            len(base["runs"]), sum(len(r["globals"]) for r in base["runs"]), len(base["stdout"])))
    want = {}  # the argument hashes a second base run keeps in full (none when the calls are not checked)
    if cfg["calls"]:
        diffs, compared = call_diffs(base, patched, opts, notes, base2, want)
        needs["noise"] = needs.get("noise") or (bool(diffs) and base2 is None)
        checks["differential-calls"] = _check(diffs, "%d calls on base, %d distinct argument sets compared, alike (%s)" % (
            sum(base["counts"].values()), compared, ", ".join(base["wrapped"]) or "no changed Python function was called"))
    if cfg["replay"] and replay_p is not None:
        diffs = replay_diffs(base, replay_p, replay_b, opts, notes)
        needs["replay_base"] = bool(diffs) and replay_b is None
        checks["differential-replay"] = _check(diffs, "%d calls replayed in a fresh process alike" % len(base["records"]))
    with open(os.path.join(state, "want.json"), "w") as f:
        json.dump(want, f)
    if opts.not_compared:
        where = sorted({p for p, _ in opts.not_compared})
        notes.append("not compared (%d values: %s): %s" % (len(opts.not_compared), opts.not_compared[0][1][:120],
                                                           ", ".join(where)[:300]))
    with open(os.path.join(state, "compared.json"), "w") as f:
        json.dump({"checks": checks, "needs": needs, "notes": notes}, f)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: adrs_diffjudge.py STATE")
    judge_state(sys.argv[1])
