"""Runtime defences for kernel evaluators (kernels.md B.2), imported by the child process BEFORE the candidate.

Every function the checks rely on is bound at import time, so a candidate that later replaces
torch.allclose, time.perf_counter or torch.cuda.Event.record does not change what is checked or measured;
`Snapshot` then notices that it tried. What is checked:
- the output is a plain torch.Tensor (no subclass, no lazy wrapper) with real strided storage on the right
  device, of the reference's dtype and shape, sharing no memory with the inputs or earlier outputs;
- the inputs are bit-for-bit what they were before the call (the candidate worked on clones of pristine copies);
- the values match the reference within the dtype's tolerance (fp32 1e-4, fp16/bf16 1e-2, as KernelBench);
- the process has no more threads after the candidate ran than before it was imported;
- timers, synchronisation, comparison functions and this module are unchanged (identity snapshot).
"""

import os
import sys
import threading
import time

import torch

_perf = time.perf_counter
_active_threads = threading.active_count
_enumerate_threads = threading.enumerate
_allclose = torch.allclose
_equal = torch.equal
_isfinite = torch.isfinite
_abs = torch.abs
_sub = torch.sub
_max = torch.max
_full = torch.full
_empty = torch.empty
_type = type
_isinstance = isinstance
_Tensor = torch.Tensor
_strided = torch.strided
_cuda_sync = torch.cuda.synchronize
_Event = torch.cuda.Event
_tensor_float = torch.Tensor.float
_tensor_clone = torch.Tensor.clone
_tensor_detach = torch.Tensor.detach
_tensor_data_ptr = torch.Tensor.data_ptr

TOLERANCES = {torch.float32: 1e-4, torch.float64: 1e-6, torch.float16: 1e-2, torch.bfloat16: 1e-2}

# Objects whose attributes must be the same objects after the candidate ran (timers, sync, comparisons).
_WATCHED = (
    ("time", time),
    ("threading", threading),
    ("torch", torch),
    ("torch.Tensor", torch.Tensor),
    ("torch.cuda", torch.cuda),
    ("torch.cuda.Event", torch.cuda.Event),
    ("torch.nn.functional", torch.nn.functional),
    ("torch.testing", torch.testing),
)


class Refused(Exception):
    """The candidate broke a rule; `check` names the check for the result's checks list."""

    def __init__(self, check, message):
        super().__init__(message)
        self.check = check


def tolerance(dtype):
    return TOLERANCES.get(dtype, 1e-4)


def synchronize(device):
    """Device-wide: waits for every stream of the device, not only the current one."""
    if device.type == "cuda":
        _cuda_sync(device)


def native_threads():
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return _active_threads()


def thread_counts():
    return {"python": _active_threads(), "native": native_threads()}


class Snapshot:
    """Identities of watched attributes (and of the evaluator modules' globals) at one moment."""

    def __init__(self, extra_modules=()):
        self.modules = [("adrs_kernel_guard", sys.modules[__name__])] + [(m.__name__, m) for m in extra_modules]
        self.ids = self._take()

    def _take(self):
        ids = {}
        for label, obj in list(_WATCHED) + self.modules:
            try:
                items = list(vars(obj).items())
            except TypeError:
                continue
            for name, value in items:
                if name.startswith("__") and name not in ("__torch_function__", "__torch_dispatch__"):
                    continue
                if callable(value) or _isinstance(value, (staticmethod, classmethod, property)):
                    ids[f"{label}.{name}"] = id(value)
        return ids

    def changed(self):
        now = self._take()
        return sorted(k for k, v in self.ids.items() if now.get(k) != v)

    def require_unchanged(self, when):
        changed = self.changed()
        if changed:
            shown = ", ".join(changed[:6]) + (f" (+{len(changed) - 6} more)" if len(changed) > 6 else "")
            raise Refused("no-patching", f"{when}, these functions were replaced: {shown}; "
                          "a kernel must not patch timers, synchronisation, torch or the evaluator")


def tensors_in(value):
    if _isinstance(value, _Tensor):
        return [value]
    if _isinstance(value, (list, tuple)):
        return [t for v in value for t in tensors_in(v)]
    return []


def clone_args(args):
    return tuple(_tensor_clone(a) if _isinstance(a, _Tensor) else a for a in args)


def storage_span(t):
    """(start, end) byte range of a tensor's storage, or None for an empty tensor."""
    try:
        storage = t.untyped_storage()
    except AttributeError:  # torch < 2.0
        storage = t.storage().untyped() if hasattr(t.storage(), "untyped") else t.storage()
    start = storage.data_ptr()
    size = storage.nbytes()
    return (start, start + size) if size > 0 else None


def _overlaps(a, b):
    return a is not None and b is not None and a[0] < b[1] and b[0] < a[1]


def device(name):
    """The torch device the parent chose (it sees the same GPUs)."""
    return torch.device(name)


def check_output(out, ref, device, inputs, earlier):
    """Raises Refused unless `out` is a fresh, plain, real tensor (like `ref`, where the caller has one)."""
    if _type(out) is not _Tensor:
        what = _type(out).__name__
        hint = " (a torch.Tensor subclass or lazy wrapper)" if _isinstance(out, _Tensor) else ""
        raise Refused("plain-tensor", f"returned a {what}{hint}; return a plain torch.Tensor holding the result")
    if out.layout is not _strided or out.is_meta or getattr(out, "is_sparse", False):
        raise Refused("plain-tensor", f"returned a tensor with layout {out.layout} (meta={out.is_meta}); "
                      "return a dense strided tensor with real storage")
    if out.device.type != device.type:
        raise Refused("device", f"returned a tensor on {out.device}, expected {device.type}")
    if ref is not None:
        check_like(out, ref)
    span = storage_span(out) if out.numel() else None
    if out.numel() and (span is None or _tensor_data_ptr(out) == 0):
        raise Refused("plain-tensor", "returned a tensor without real storage")
    for t in inputs:
        if t.numel() and _overlaps(span, storage_span(t)):
            raise Refused("fresh-output", "returned a tensor that shares memory with an input; "
                          "write the result into a new tensor")
    for prev in earlier:
        if prev.numel() and _overlaps(span, storage_span(prev)):
            raise Refused("fresh-output", "returned the same buffer as an earlier call (a cached output); "
                          "allocate a new output tensor on every call")


def check_like(out, ref):
    """The reference's dtype and shape (checked by the parent on what came back, and by the child where it can)."""
    if out.dtype != ref.dtype:
        raise Refused("dtype", f"returned dtype {out.dtype}, expected {ref.dtype} (the reference's dtype)")
    if tuple(out.shape) != tuple(ref.shape):
        raise Refused("shape", f"returned shape {tuple(out.shape)}, expected {tuple(ref.shape)}")


def check_inputs_unchanged(args, pristine):
    for i, (a, p) in enumerate(zip(args, pristine)):
        if _isinstance(p, _Tensor) and not _equal(a, p):
            raise Refused("inputs-unchanged", f"input {i} was modified by the kernel; inputs are read-only")


def compare(out, ref):
    """(ok, max_abs_diff, tol) for out vs ref with the dtype's tolerance (atol = rtol = tol)."""
    tol = tolerance(ref.dtype)
    a = _tensor_float(_tensor_detach(out))
    b = _tensor_float(_tensor_detach(ref))
    if a.numel() == 0:
        return True, 0.0, tol
    finite = bool(_isfinite(a).all())
    diff = float(_max(_abs(_sub(a, b)))) if finite else float("inf")
    ok = finite and bool(_allclose(a, b, atol=tol, rtol=tol))
    return ok, diff, tol


def poison(device, nbytes, value):
    """Fills freed allocator memory with `value`, so a kernel that reads memory it never wrote shows it."""
    if nbytes <= 0:
        return
    block = _full((max(1, nbytes // 4),), value, dtype=torch.float32, device=device)
    del block


def thread_report(before, after):
    grown = {k: after[k] - before[k] for k in before if after[k] > before[k]}
    if not grown:
        return None
    names = [t.name for t in _enumerate_threads() if t is not threading.main_thread()]
    extra = f" (Python threads: {', '.join(names[:5])})" if names else ""
    return (f"the process has more threads after the kernel ran than before it was imported "
            f"({', '.join(f'{k} {before[k]} -> {after[k]}' for k in grown)}){extra}; "
            "a kernel must not start threads or processes (background work escapes the timer)")
