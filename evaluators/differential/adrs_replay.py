"""Replays recorded calls (adrs_capture records from the base run) on a tree in a fresh process.

Each call's arguments are unpickled (restricted) and the function or method is looked up anew on this tree, so a
cache the workload filled, or state it built, is not there: the result must come from the inputs alone. Writes
the results (and the arguments after the call, when it changed them) as blobs, in the order of the records.

    python3 adrs_replay.py --tree DIR --calls FILE --out FILE [--max-bytes N]

adrs_observe --replay runs the same replay in a child it forks after importing the changed functions' modules and
before anything else runs (no capture installed, no workload state): a fresh process that saves one import of the
library.
"""

import os
import pickle
import random
import sys
import types
from typing import Any, cast

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from adrs_capture import PROTOCOL, canonical, dump_blob, load_blob, resolve, _Restricted  # noqa: E402
from adrs_diffcompare import OPAQUE  # noqa: E402


def replay_one(rec, target, per_value):
    args_kwargs = load_blob(rec["args"])
    if isinstance(args_kwargs, tuple) and len(args_kwargs) == 4 and args_kwargs[0] == OPAQUE:
        return {"skip": "arguments do not load on this tree (%s)" % args_kwargs[1]}
    args, kwargs = cast(tuple, args_kwargs)
    try:
        owner, _, raw = resolve(target["module"], target["qualname"])
    except Exception as e:  # noqa: BLE001 - the patch removed or renamed it
        return {"skip": "not found on this tree (%s: %s)" % (type(e).__name__, str(e)[:120])}
    if rec["kind"] == "static":
        fn = raw.__func__ if isinstance(raw, staticmethod) else raw
    elif rec["kind"] == "class":
        fn = raw.__func__ if isinstance(raw, classmethod) else raw
        args = (owner,) + tuple(args[1:])
    elif rec["kind"] == "property":
        fn = raw.fget if isinstance(raw, property) else raw
    else:
        fn = raw
    if not callable(fn):
        return {"skip": "not callable on this tree"}
    fn = cast(Any, fn)
    random.seed(12345)
    try:
        value = fn(*args, **kwargs)
        if isinstance(value, types.GeneratorType):  # recorded as what it yields (adrs_capture)
            value = ("yielded", list(value))
        result = dump_blob(canonical(value), per_value)
    except Exception as e:  # noqa: BLE001 - compared with what the base call did
        result = ("raise", type(e).__name__, str(e)[:300])
    after = dump_blob((args, kwargs), per_value)
    return {"result": result, "after": after if rec.get("after") else None}


def load_calls(path):
    with open(path, "rb") as f:
        return _Restricted(f).load()


def replay_all(data, per_value, out_path):
    """Replays every record of a calls file (already loaded) and writes the results."""
    out = []
    for rec in data["records"]:
        target = data["targets"].get(rec["key"])
        out.append(replay_one(rec, target, per_value) if target else {"skip": "unknown target"})
    with open(out_path, "wb") as f:
        pickle.dump(out, f, protocol=PROTOCOL)


def main(argv):
    opts = dict(zip(argv[::2], argv[1::2]))
    tree = os.path.abspath(opts["--tree"])
    data = load_calls(opts["--calls"])
    for root in [tree] + sorted({os.path.normpath(os.path.join(tree, t["root"])) for t in data["targets"].values()}, reverse=True):
        if root not in sys.path:
            sys.path.insert(0, root)
    os.chdir(tree)
    replay_all(data, max(1024, int(float(opts.get("--max-bytes", "1000000"))) // 4), opts["--out"])


if __name__ == "__main__":
    main(sys.argv[1:])
