"""Kernel timing (kernels.md B.1/B.4): warm-up, cold L2 per trial, device-wide synchronize, median of many trials.

On CUDA each trial is: synchronize the whole device -> flush L2 by writing a large buffer -> synchronize ->
host clock + start event -> call -> end event -> synchronize the whole device -> host clock. The event time
is the measurement; the host time is kept beside it, and `escaped_stream` flags a kernel whose host time is
far above its event time (work launched on a side stream, which the end event does not wait for).
On CPU the host clock is the measurement and the flush buffer is smaller. Clocks are bound by
adrs_kernel_guard before any candidate code is imported.
"""

import statistics

import torch

import adrs_kernel_guard as guard

CUDA_FLUSH_BYTES = 256 * 1024 * 1024  # KernelBench: a 256 MB write evicts L2 on every current GPU
CPU_FLUSH_BYTES = 16 * 1024 * 1024


class Flusher:
    def __init__(self, device):
        nbytes = CUDA_FLUSH_BYTES if device.type == "cuda" else CPU_FLUSH_BYTES
        self.buffer = guard._empty((nbytes // 8,), dtype=torch.int64, device=device)

    def __call__(self):
        self.buffer.zero_()


def time_calls(fn, arg_sets, device, warmup, trials, flusher=None):
    """Times `trials` calls of `fn` after `warmup` calls; returns (measured seconds, host seconds, outputs).

    `arg_sets` is a list of argument tuples: call i gets `arg_sets[i % len(arg_sets)]`, so with as many sets as
    calls every call of the batch works on inputs of its own (a kernel that computes once and hands the cached
    answer to the next calls returns a wrong output for them). `outputs` holds the last output of each set (the
    parent compares each with its reference); the other outputs are dropped as soon as the next call ends.
    """
    flusher = flusher or Flusher(device)
    for i in range(warmup):
        fn(*arg_sets[i % len(arg_sets)])
        guard.synchronize(device)
    measured, host, outs = [], [], [None] * len(arg_sets)
    for i in range(trials):
        args = arg_sets[i % len(arg_sets)]
        guard.synchronize(device)
        flusher()
        guard.synchronize(device)
        if device.type == "cuda":
            start, end = guard._Event(enable_timing=True), guard._Event(enable_timing=True)
            h0 = guard._perf()
            start.record()  # pyright: ignore[reportCallIssue] - stream defaults to the current one
            out = fn(*args)
            end.record()  # pyright: ignore[reportCallIssue] - stream defaults to the current one
            guard.synchronize(device)
            h1 = guard._perf()
            measured.append(start.elapsed_time(end) / 1e3)
        else:
            h0 = guard._perf()
            out = fn(*args)
            h1 = guard._perf()
            measured.append(h1 - h0)
        host.append(h1 - h0)
        outs[i % len(arg_sets)] = out
    return measured, host, outs


def median(values):
    return statistics.median(values) if values else 0.0


def escaped_stream(measured, host):
    """A message when the host saw the call take much longer than the event did (work on another stream)."""
    m, h = median(measured), median(host)
    if h > 1.5 * m + 2e-4:
        return (f"the device-synchronized host time ({h * 1e3:.3f} ms) is far above the CUDA-event time "
                f"({m * 1e3:.3f} ms): work escaped the timed stream (side streams or deferred work are not allowed)")
    return None
