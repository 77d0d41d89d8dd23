"""Judges the recorded observations of a differential check (run by adrs_diffcheck as its compare worker).

    python3 adrs_diffjudge.py STATE      (the tree under judgement as the working directory and on sys.path)

Reads, from the state folder: config.json, base.pkl and patched.pkl (adrs_observe), and when present base2.pkl (a
second base run: noise), replay-patched.pkl and replay-base.pkl (adrs_replay). Loads values with the restricted
unpickler of adrs_capture, compares with adrs_diffcompare, and writes compared.json:
{"checks": {name: {ok, detail, first}}, "needs": {"noise": bool, "replay_base": bool}, "notes": [...]}.
Paths: "return...", "globals.<name>...", "stdout[i]", "error", "calls.<module>.<qualname>.return|args|args_after...".
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


def _value(blob):
    """A blob's value, an exception as ("raise", type) (its message may differ), or an opaque stand-in."""
    if blob is None:
        return None
    if blob[0] == "raise":
        return ("raise", blob[1])
    return load_blob(blob)


def workload_diffs(base, other, opts):
    out = []
    if (base["error"] is None) != (other["error"] is None):
        out.append(("error", "got %s, expected %s" % (other["error"] or "no error", base["error"] or "no error"), ""))
    if len(base["runs"]) != len(other["runs"]):
        out.append(("runs", "%d timed calls, expected %d" % (len(other["runs"]), len(base["runs"])), ""))
    for k, (b, o) in enumerate(zip(base["runs"], other["runs"])):
        pre = "" if k == 0 else "run%d." % (k + 1)
        out += [(p, m, "") for p, m in differences(_value(o["return"]), _value(b["return"]), opts, pre + "return")]
        for name in sorted(set(b["globals"]) | set(o["globals"])):
            path = "%sglobals.%s" % (pre, name)
            if opts.may_differ and matches(path, opts.may_differ):
                continue
            if name not in o["globals"]:
                out.append((path, "not assigned with the patch", ""))
            elif name not in b["globals"]:
                out.append((path, "assigned only with the patch", ""))
            else:
                out += [(p, m, "") for p, m in differences(_value(o["globals"][name]), _value(b["globals"][name]), opts, path)]
    out += [(p, m, "") for p, m in differences(other["stdout"], base["stdout"], opts, "stdout")]
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


def call_diffs(base, other, opts, notes):
    out = []
    by = {(r["key"], r["n"]): r for r in other["records"]}
    for key in sorted(set(base["counts"]) | set(other["counts"])):
        nb, no = base["counts"].get(key, 0), other["counts"].get(key, 0)
        if nb != no:
            notes.append("%s: called %d times on base, %d with the patch" % (key, nb, no))
    missing = 0
    for r in base["records"]:
        o = by.get((r["key"], r["n"]))
        if o is None:
            missing += 1
            continue
        where = "calls.%s" % r["key"]
        d = list(differences(_value(o["args"]), _value(r["args"]), opts, where + ".args"))
        if d:
            out += [(p, m, _call_text(r)) for p, m in d[:1]]
            continue
        out += [(p, m, _call_text(r)) for p, m in differences(_value(o["result"]), _value(r["result"]), opts, where + ".return")]
        if r["after"] or o["after"]:
            out += [(p, m, _call_text(r)) for p, m in differences(_value(o["after"] or o["args"]), _value(r["after"] or r["args"]), opts, where + ".args_after")]
    if missing:
        notes.append("calls: %d of %d calls recorded on base were not recorded with the patch" % (missing, len(base["records"])))
    return out


def replay_diffs(base, replay_p, replay_b, opts, notes):
    out, skipped, context = [], 0, 0
    for i, r in enumerate(base["records"]):
        p = replay_p[i]
        ref = dict(r)
        if replay_b is not None and "skip" not in replay_b[i]:
            if list(differences(_value(replay_b[i]["result"]), _value(r["result"]), opts)):
                context += 1
            ref = {"result": replay_b[i]["result"], "after": replay_b[i]["after"], "args": r["args"]}
        if "skip" in p:
            skipped += 1
            continue
        got = _value(p["result"])
        if isinstance(got, tuple) and got[:1] == ("raise",) and got[1] == "AttributeError" and _value(ref["result"])[:1] != ("raise",):
            skipped += 1  # typically an object pickled on base lacks an attribute the patched class adds
            continue
        where = "calls.%s" % r["key"]
        out += [(q, m, _call_text(r)) for q, m in differences(got, _value(ref["result"]), opts, where + ".return")]
        if ref.get("after") or p.get("after"):
            out += [(q, m, _call_text(r)) for q, m in differences(_value(p["after"]), _value(ref["after"] or ref["args"]), opts, where + ".args_after")]
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


def _check(diffs, total_text):
    if not diffs:
        return {"ok": True, "detail": total_text, "first": None}
    p, m, call = diffs[0]
    first = "%s: %s%s" % (p, m, " [%s]" % call if call else "")
    more = " (%d differences)" % len(diffs) if len(diffs) > 1 else ""
    return {"ok": False, "detail": first + more, "first": first}


def judge_state(state):
    with open(os.path.join(state, "config.json")) as f:
        cfg = json.load(f)
    opts = Options(cfg["rtol"], cfg["atol"], cfg["strict"], cfg["may_differ"])
    base, patched, base2 = _load(state, "base.pkl"), _load(state, "patched.pkl"), _load(state, "base2.pkl")
    replay_p, replay_b = _load(state, "replay-patched.pkl"), _load(state, "replay-base.pkl")
    checks, notes, needs = {}, list(base["notes"]), {}
    if cfg["workload"]:
        diffs = workload_diffs(base, patched, opts)
        if base2 is not None:
            diffs = _drop_noise(diffs, workload_diffs(base, base2, opts), notes, "workload")
        needs["noise"] = bool(diffs) and base2 is None
        checks["differential-workload"] = _check(diffs, "%d timed calls, %d globals, %d printed lines alike" % (
            len(base["runs"]), sum(len(r["globals"]) for r in base["runs"]), len(base["stdout"])))
    if cfg["calls"]:
        diffs = call_diffs(base, patched, opts, notes)
        if base2 is not None:
            diffs = _drop_noise(diffs, call_diffs(base, base2, opts, []), notes, "calls")
        needs["noise"] = needs.get("noise") or (bool(diffs) and base2 is None)
        checks["differential-calls"] = _check(diffs, "%d recorded calls alike (%s)" % (
            len(base["records"]), ", ".join(base["wrapped"]) or "no changed Python function was called"))
    if cfg["replay"] and replay_p is not None:
        diffs = replay_diffs(base, replay_p, replay_b, opts, notes)
        needs["replay_base"] = bool(diffs) and replay_b is None
        checks["differential-replay"] = _check(diffs, "%d calls replayed in a fresh process alike" % len(base["records"]))
    with open(os.path.join(state, "compared.json"), "w") as f:
        json.dump({"checks": checks, "needs": needs, "notes": notes}, f)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: adrs_diffjudge.py STATE")
    judge_state(sys.argv[1])
