"""Runs the candidate's rebalance_experts in a child process (cwd = workspace) and times each call.

stdin: an .npz with inputs "input_0".."input_{n-1}" and a JSON "meta" string
       {"warmup": k, "return_outputs": bool, "args": [num_replicas, num_groups, num_nodes, num_gpus], "torch": bool}.
       The first k inputs are untimed warm-up calls.
stdout: an .npz with "meta" = JSON {"times": [...], "error": null | {"check", "message", "call"}} and, when
        asked, "phy2log_i", "log2phy_i", "logcnt_i" for every timed call i. The candidate's own prints go to stderr.
"""

import io
import json
import os
import sys
import time
import traceback

_clock = time.perf_counter  # taken before the candidate is imported


def _tail(limit=1500):
    text = traceback.format_exc()
    return text[-limit:]


def _numeric(name, value, torch):
    if torch is not None and isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    import numpy as np

    array = np.asarray(value)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name} is not a numeric array (dtype {array.dtype})")
    return array


def main():
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever the candidate prints lands on stderr
    sys.dont_write_bytecode = True
    import numpy as np

    inputs = np.load(io.BytesIO(sys.stdin.buffer.read()))
    meta = json.loads(str(inputs["meta"]))
    count = sum(1 for key in inputs.files if key.startswith("input_"))
    weights = [inputs[f"input_{i}"] for i in range(count)]
    reply = {"times": [], "error": None}
    arrays = {}

    def send():
        buffer = io.BytesIO()
        np.savez(buffer, meta=np.array(json.dumps(reply)), **arrays)
        out.write(buffer.getvalue())
        out.flush()

    torch = None
    if meta.get("torch"):
        try:
            import torch
        except ImportError:
            torch = None

    workspace = os.getcwd()
    sys.path.insert(0, workspace)
    try:
        import importlib.util

        spec = importlib.util.spec_from_file_location("eplb", os.path.join(workspace, "eplb.py"))
        if spec is None or spec.loader is None:  # a path ending in .py always has both
            raise ImportError("cannot load " + str(os.path.join(workspace, "eplb.py")))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except BaseException as error:  # noqa: BLE001 - the candidate may raise anything, even SystemExit
        reply["error"] = {"check": "import", "message": f"importing eplb.py failed: {error!r}\n{_tail()}"}
        return send()
    func = getattr(module, "rebalance_experts", None)
    if not callable(func):
        reply["error"] = {"check": "api", "message": "eplb.py defines no function rebalance_experts(weight, num_replicas, num_groups, num_nodes, num_gpus)"}
        return send()

    args = meta["args"]
    warmup = int(meta["warmup"])
    for i, weight in enumerate(weights):
        arg = torch.from_numpy(weight) if torch is not None else weight.copy()
        try:
            start = _clock()
            result = func(arg, *args)
            elapsed = _clock() - start
        except BaseException as error:  # noqa: BLE001
            reply["error"] = {"check": "runs", "call": i - warmup,
                              "message": f"rebalance_experts raised {error!r}\n{_tail()}"}
            return send()
        if i < warmup:
            continue
        reply["times"].append(elapsed)
        if not meta.get("return_outputs"):
            continue
        try:
            if not isinstance(result, (tuple, list)) or len(result) != 3:
                raise TypeError(f"expected a tuple (phy2log, log2phy, logcnt), got {type(result).__name__}")
            k = i - warmup
            for name, value in zip(("phy2log", "log2phy", "logcnt"), result):
                arrays[f"{name}_{k}"] = _numeric(name, value, torch)
        except Exception as error:  # noqa: BLE001
            reply["error"] = {"check": "returns", "call": i - warmup, "message": f"rebalance_experts returned an unusable value: {error}"}
            return send()
    return send()


if __name__ == "__main__":
    main()
