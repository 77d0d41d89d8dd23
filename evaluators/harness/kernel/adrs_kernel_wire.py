"""The kernel evaluation's wire between the trusted parent and the candidate's child: framed JSON plus raw tensors.

A message is one frame of JSON (8-byte little-endian length, then UTF-8 JSON) followed by one frame of raw
bytes per tensor it names. Tensors travel as {"dtype", "shape"} in the JSON and their contiguous bytes in
the frame: never pickle (unpickling bytes the candidate chose would run its code in the trusted process),
and not .npy (numpy has no bfloat16). Values inside an argument list are JSON scalars or {"tensor": index}.
The reader checks every size before it reads: a candidate cannot make the parent allocate what it likes.
"""

import json
import struct

import torch

HEADER = struct.Struct("<Q")
MAX_JSON = 1 << 20

DTYPES = {
    "float32": torch.float32, "float64": torch.float64, "float16": torch.float16, "bfloat16": torch.bfloat16,
    "int64": torch.int64, "int32": torch.int32, "int16": torch.int16, "int8": torch.int8, "uint8": torch.uint8,
    "bool": torch.bool,
}
NAMES = {v: k for k, v in DTYPES.items()}


class WireError(Exception):
    """The other side sent something that is not a well-formed message."""


def frame(data):
    return HEADER.pack(len(data)) + data


def describe(t):
    if t.dtype not in NAMES:
        raise WireError(f"tensors of dtype {t.dtype} cannot cross the wire")
    return {"dtype": NAMES[t.dtype], "shape": list(t.shape)}


def tensor_bytes(t):
    flat = t.detach().contiguous().cpu().reshape(-1)
    if flat.numel() == 0:
        return b""
    return flat.view(torch.uint8).numpy().tobytes()


def nbytes(meta):
    dtype = DTYPES.get(str(meta.get("dtype"))) if isinstance(meta, dict) else None
    shape = meta.get("shape") if isinstance(meta, dict) else None
    if dtype is None or not isinstance(shape, list) or not all(isinstance(s, int) and s >= 0 for s in shape):
        raise WireError(f"not a tensor description: {str(meta)[:200]}")
    count = 1
    for s in shape:
        count *= s
    return count * torch.empty((), dtype=dtype).element_size()


def from_bytes(meta, data):
    dtype = DTYPES[meta["dtype"]]
    if not data:
        return torch.empty(meta["shape"], dtype=dtype)
    return torch.frombuffer(bytearray(data), dtype=dtype).reshape(meta["shape"])


def encode(header, tensors=()):
    """Bytes of one message: `header` (a dict) with "tensors" describing `tensors`, then their bytes."""
    tensors = list(tensors)
    body = json.dumps({**header, "tensors": [describe(t) for t in tensors]}).encode()
    return frame(body) + b"".join(frame(tensor_bytes(t)) for t in tensors)


def pack_args(args):
    """(JSON-able list, tensors) for an argument tuple of tensors and JSON scalars."""
    values, tensors = [], []
    for a in args:
        if isinstance(a, torch.Tensor):
            values.append({"tensor": len(tensors)})
            tensors.append(a)
        elif a is None or isinstance(a, (bool, int, float, str)):
            values.append(a)
        else:
            raise WireError(f"an input of type {type(a).__name__} cannot cross the wire (tensors and scalars only)")
    return values, tensors


def unpack_args(values, tensors):
    out = []
    for v in values:
        if isinstance(v, dict):
            index = v.get("tensor")
            if not isinstance(index, int) or not 0 <= index < len(tensors):
                raise WireError("an argument names a tensor the message does not carry")
            out.append(tensors[index])
        else:
            out.append(v)
    return tuple(out)


def pack_sets(sets):
    """(list of JSON-able lists, tensors) for several argument tuples sent in one message (a timed batch's sets)."""
    values, tensors = [], []
    for args in sets:
        own, own_tensors = pack_args(args)
        values.append([{"tensor": v["tensor"] + len(tensors)} if isinstance(v, dict) else v for v in own])
        tensors.extend(own_tensors)
    return values, tensors


def unpack_sets(values, tensors):
    """The argument tuples of `pack_sets`; at least one set, each a list."""
    if not isinstance(values, list) or not values or not all(isinstance(v, list) for v in values):
        raise WireError("a timed batch names no argument sets")
    return [unpack_args(v, tensors) for v in values]


def read_message(read_exact, max_tensor_bytes):
    """(header dict, tensors) from `read_exact(n)`; no tensor may exceed `max_tensor_bytes`."""
    (length,) = HEADER.unpack(read_exact(HEADER.size))
    if length > MAX_JSON:
        raise WireError(f"a {length}-byte message header (at most {MAX_JSON})")
    try:
        header = json.loads(read_exact(length))
    except ValueError as error:
        raise WireError(f"a message header that is not JSON ({error})") from None
    if not isinstance(header, dict) or not isinstance(header.get("tensors", []), list):
        raise WireError("a message header that is not an object with a tensor list")
    tensors = []
    for meta in header.get("tensors", []):
        size = nbytes(meta)
        if size > max_tensor_bytes:
            raise WireError(f"a {size}-byte tensor (at most {max_tensor_bytes} expected)")
        (announced,) = HEADER.unpack(read_exact(HEADER.size))
        if announced != size:
            raise WireError(f"a tensor frame of {announced} bytes for a {meta['dtype']} {meta['shape']} tensor ({size})")
        tensors.append(from_bytes(meta, read_exact(size)))
    return header, tensors
