"""Candidate side of moe-eplb: imports the candidate's rebalance_experts and runs it on inputs sent one at a time.

Runs in the candidate's trust domain (another uid than the evaluator, started through adrs_candidate). It
judges and times nothing: the evaluator checks the outputs and keeps its own clock. Messages are framed as an
8-byte little-endian length and a body, on stdin/stdout:
  in:  JSON meta {"calls": n, "return_outputs": bool, "args": [num_replicas, num_groups, num_nodes, num_gpus],
       "torch": bool};  out: JSON {"error": null | {"check", "message"}} once eplb.py is imported
  then n times:  in: an .npz with "weight";  in: one byte "g" (go);  out: an .npz with "meta" = JSON
       {"error": null | {...}} and, when asked, "phy2log", "log2phy", "logcnt".
The candidate's own prints go to stderr.
"""

import io
import json
import os
import sys
import traceback


def _tail(limit=1500):
    text = traceback.format_exc()
    return text[-limit:]


def _as_torch(torch, weight):
    """As the ADRS leaderboard evaluator builds it: torch.tensor(<integer loads>).sum(0) is int64; other loads float64."""
    import numpy as np

    if np.all(np.mod(weight, 1) == 0):
        return torch.from_numpy(weight.astype(np.int64))
    return torch.from_numpy(weight.copy())


def _numeric(name, value, torch):
    if torch is not None and isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    import numpy as np

    array = np.asarray(value)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name} is not a numeric array (dtype {array.dtype})")
    return array


def main():
    import struct

    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever the candidate prints lands on stderr
    sys.dont_write_bytecode = True
    import numpy as np

    stdin = sys.stdin.buffer
    header = struct.Struct("<Q")

    def read_exact(size):
        data = stdin.read(size)
        if data is None or len(data) != size:
            sys.exit(0)  # the evaluator is done or gone
        return data

    def read_frame():
        (length,) = header.unpack(read_exact(header.size))
        return read_exact(length)

    def write_frame(body):
        out.write(header.pack(len(body)) + body)
        out.flush()

    def send_npz(reply, arrays):
        buffer = io.BytesIO()
        np.savez(buffer, meta=np.array(json.dumps(reply)), **arrays)
        write_frame(buffer.getvalue())

    meta = json.loads(read_frame())
    torch = None
    if meta.get("torch"):
        try:
            import torch
        except ImportError:
            torch = None

    workspace = os.getcwd()
    sys.path.insert(0, workspace)
    func = None
    try:
        import importlib.util

        spec = importlib.util.spec_from_file_location("eplb", os.path.join(workspace, "eplb.py"))
        if spec is None or spec.loader is None:  # a path ending in .py always has both
            raise ImportError("cannot load " + str(os.path.join(workspace, "eplb.py")))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        func = getattr(module, "rebalance_experts", None)
        error = None if callable(func) else {
            "check": "api",
            "message": "eplb.py defines no function rebalance_experts(weight, num_replicas, num_groups, num_nodes, num_gpus)"}
    except BaseException as caught:  # noqa: BLE001 - the candidate may raise anything, even SystemExit
        error = {"check": "import", "message": f"importing eplb.py failed: {caught!r}\n{_tail()}"}
    write_frame(json.dumps({"error": error}).encode())
    if error:
        return

    args = meta["args"]
    for _ in range(int(meta["calls"])):
        weight = np.load(io.BytesIO(read_frame()))["weight"]
        arg = _as_torch(torch, weight) if torch is not None else weight
        if read_exact(1) != b"g":
            return
        arrays = {}
        try:
            result = func(arg, *args)  # pyright: ignore[reportOptionalCall] - None was answered with an error above
        except BaseException as caught:  # noqa: BLE001
            return send_npz({"error": {"check": "runs", "message": f"rebalance_experts raised {caught!r}\n{_tail()}"}}, {})
        if meta.get("return_outputs"):
            try:
                if not isinstance(result, (tuple, list)) or len(result) != 3:
                    raise TypeError(f"expected a tuple (phy2log, log2phy, logcnt), got {type(result).__name__}")
                for name, value in zip(("phy2log", "log2phy", "logcnt"), result):
                    arrays[name] = _numeric(name, value, torch)
            except Exception as caught:  # noqa: BLE001
                return send_npz({"error": {"check": "returns",
                                           "message": f"rebalance_experts returned an unusable value: {caught}"}}, {})
        send_npz({"error": None}, arrays)


if __name__ == "__main__":
    main()
