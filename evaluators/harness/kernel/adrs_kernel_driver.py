"""The child side of a kernel evaluation: runs in the candidate's trust domain and only answers the parent's requests.

The child never sees a reference output and decides nothing that counts as success. It receives inputs over
its stdin (adrs_kernel_wire), calls the candidate's kernel, and sends the outputs and its own clock readings
back to the trusted parent (adrs_kernel_conductor), which compares the outputs with references computed in
its own process and accepts a self-reported time only when its own clock agrees. The runtime defences kept
here (adrs_kernel_guard: aliased or lazy outputs, mutated inputs, patched timers, threads, side streams) are
a first line that gives the model precise feedback; a candidate that defeats them only reaches the parent.
A refusal the child reports is accepted as the candidate's failure (a candidate can only fail itself).

Requests (JSON header + tensors): load, call, put, warm, time, check, end; see `OPS`.
"""

import os
import sys
import traceback

import adrs_kernel_guard as guard
import adrs_kernel_timing as timing
import adrs_kernel_wire as wire
from adrs_kernel_guard import Refused

MAX_INPUT_BYTES = 16 << 30


class State:
    def __init__(self, device, loader):
        self.device = device
        self.loader = loader
        self.fn = None
        self.stored = {}
        self.kept = []
        self.snapshot = None
        self.threads = None
        self.flusher = None


def _tail(limit=1500):
    return traceback.format_exc()[-limit:]


def _call(fn, args, device, what):
    try:
        out = fn(*args)
        guard.synchronize(device)
        return out
    except Refused:
        raise
    except Exception as error:  # noqa: BLE001 - a failing candidate is data
        raise Refused("runs", f"{what} raised {error!r}\n{_tail()}") from None


def op_load(state, header, _tensors):
    state.snapshot = guard.Snapshot([sys.modules[__name__], timing, wire] + list(state.loader.modules))
    state.threads = guard.thread_counts()
    try:
        state.fn = state.loader.load(header)
    except Refused:
        raise
    except BaseException as error:  # noqa: BLE001 - even SystemExit from the candidate is data
        raise Refused("import", f"importing the candidate failed: {error!r}\n{_tail()}") from None
    state.snapshot.require_unchanged("after importing the candidate")
    return {}, []


def op_call(state, header, tensors):
    pristine = wire.unpack_args(header["args"], [t.to(state.device) for t in tensors])
    guard.poison(state.device, int(header.get("poison_bytes", 0)), float(header.get("poison", 0.0)))
    args = guard.clone_args(pristine)
    out = _call(state.fn, args, state.device, f"the kernel on {header.get('label', 'an input set')}")
    guard.check_output(out, None, state.device, guard.tensors_in(args), state.kept)
    guard.check_inputs_unchanged(args, pristine)
    state.kept.append(out)
    return {}, [out]


def op_put(state, header, tensors):
    state.stored[header["id"]] = wire.unpack_args(header["args"], [t.to(state.device) for t in tensors])
    return {}, []


def op_warm(state, header, _tensors):
    args = state.stored[header["id"]]
    for _ in range(int(header["calls"])):
        _call(state.fn, args, state.device, "the kernel (warm-up)")
    return {}, []


def _null(*_args):
    return None


def op_time(state, header, tensors):
    """Times `trials` calls on the input sets that came with this request (or the same loop around nothing: null).

    Call i gets set i mod len(sets); the last output of every set goes back, after the message that stops the
    parent's clock.
    """
    state.flusher = state.flusher or timing.Flusher(state.device)
    sets = wire.unpack_sets(header["sets"], [t.to(state.device) for t in tensors])
    null = bool(header.get("null"))
    fn, sets = (_null, [()] * len(sets)) if null else (state.fn, sets)
    guard.synchronize(state.device)
    measured, host, outs = timing.time_calls(fn, sets, state.device, 0, int(header["trials"]), state.flusher)
    if not null and state.device.type == "cuda":
        escaped = timing.escaped_stream(measured, host)
        if escaped:
            raise Refused("timed-stream", escaped)
    # The parent stops its clock on this message; the outputs follow in a message of their own.
    send({"ok": True, "times": measured, "host": host})
    return {}, ([] if null else outs)


def op_check(state, _header, _tensors):
    state.snapshot.require_unchanged("after the kernel ran")
    message = guard.thread_report(state.threads, guard.thread_counts())
    if message:
        raise Refused("no-threads", message)
    return {}, []


OPS = {"load": op_load, "call": op_call, "put": op_put, "warm": op_warm, "time": op_time, "check": op_check}

_channel = []


def send(header, tensors=()):
    """Writes one message on the reply channel (a private copy of the original stdout)."""
    _channel[0].write(wire.encode(header, tensors))
    _channel[0].flush()


def _read_exact(size):
    data = b""
    while len(data) < size:
        chunk = sys.stdin.buffer.read(size - len(data))
        if not chunk:
            raise EOFError("the evaluator closed the request pipe")
        data += chunk
    return data


class Loader:
    """What a problem's child gives `serve`: `load(request)` returns the kernel callable; `modules` are watched."""

    def __init__(self, load, modules=()):
        self.load = load
        self.modules = modules


def serve(loader_for):
    """Child main: `loader_for(device)` returns a Loader. The candidate's own prints land on stderr (fd 1 points there)."""
    _channel.append(os.fdopen(os.dup(1), "wb"))
    os.dup2(2, 1)
    sys.dont_write_bytecode = True
    header, _ = wire.read_message(_read_exact, 0)
    state = State(guard.device(header["device"]), None)
    state.loader = loader_for(state.device)
    send({"ok": True})
    while True:
        try:
            header, tensors = wire.read_message(_read_exact, MAX_INPUT_BYTES)
        except EOFError:
            return
        op = OPS.get(str(header.get("op")))
        if op is None:
            return
        try:
            reply, out = op(state, header, tensors)
            send({"ok": True, **reply}, out)
        except Refused as refused:
            send({"ok": False, "check": refused.check, "message": str(refused)[:4000]})
            return
        except wire.WireError as error:
            send({"ok": False, "check": "runs", "message": f"the kernel returned something that cannot be sent back: {error}"})
            return
