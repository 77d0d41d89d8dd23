"""Values that cross the trust-domain boundary: a JSON tree plus numpy arrays as .npy frames, never pickle.

Both sides of a proxied program (adrs_program_proxy on the trusted side, adrs_program_host on the candidate's)
frame messages on raw pipes as an 8-byte little-endian length and a body. One message is a JSON header frame
followed by header["arrays"] .npy frames. Every JSON object in an encoded tree has exactly one tag key:
{"$t": [...]} tuple, {"$d": [[k, v], ...]} dict, {"$s": [...]} set, {"$f": [...]} frozenset, {"$b": base64}
bytes, {"$c": [re, im]} complex, {"$a": i} numpy array, {"$n": i} numpy scalar, {"$T": i} torch tensor (as
a numpy array; a torch tensor again where the decoder has torch). Lists, str, int, float, bool and None are
themselves. Anything else (a class instance, a function, a generator) raises Uncrossable naming where it was
and its type. The decoder reads arrays with np.load(allow_pickle=False), so nothing the candidate sends is
ever unpickled or executed on the trusted side.
"""

import base64
import io
import json
import os
import select
import struct
import time
from typing import Any

HEADER = struct.Struct("<Q")
MAX_FRAME = 1 << 30
MAX_ARRAYS = 4096
_SCALARS = (str, int, float, bool, type(None))


class Uncrossable(TypeError):
    """A value that cannot cross the boundary (its type is not JSON, bytes, a numpy array or a torch tensor)."""


class ChannelClosed(EOFError):
    """The other side closed its pipe (it exited or crashed)."""


class ChannelTimeout(TimeoutError):
    """No complete message within the time allowed."""


def type_name(value):
    kind = type(value)
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def _is_torch_tensor(value):
    kind = type(value)
    return kind.__module__.split(".")[0] == "torch" and hasattr(value, "detach") and hasattr(value, "numpy")


def encode(value, where):
    """(JSON-able tree, [arrays]) for `value`; `where` names it in errors ("run_search's result")."""
    arrays = []

    def walk(v: Any, path: str, depth: int) -> Any:
        if depth > 200:
            raise Uncrossable(f"{path} is nested more than 200 levels deep")
        kind = type(v)
        if kind in _SCALARS:  # exact types: a str or int subclass is an object of its own
            return v
        if kind is list:
            return [walk(x, f"{path}[{i}]", depth + 1) for i, x in enumerate(v)]
        if kind is tuple:
            return {"$t": [walk(x, f"{path}[{i}]", depth + 1) for i, x in enumerate(v)]}
        if kind is dict:
            return {"$d": [[walk(k, f"{path} (a key)", depth + 1), walk(x, f"{path}[{k!r}]", depth + 1)]
                           for k, x in v.items()]}
        if kind in (set, frozenset):
            return {"$s" if kind is set else "$f": [walk(x, f"{path} (an element)", depth + 1) for x in v]}
        if kind in (bytes, bytearray):
            return {"$b": base64.b64encode(bytes(v)).decode()}
        if kind is complex:
            return {"$c": [v.real, v.imag]}
        if kind.__module__ == "numpy" or kind.__module__.startswith("numpy."):
            return walk_numpy(v, path)
        if _is_torch_tensor(v):
            try:
                array = v.detach().cpu().numpy()
            except (TypeError, RuntimeError) as error:
                raise Uncrossable(f"{path} is a torch tensor numpy cannot hold ({error})") from None
            arrays.append(_checked(array, path))
            return {"$T": len(arrays) - 1}
        for plain in (bool, int, float, str):  # subclasses such as IntEnum cross as the plain value
            if isinstance(v, plain):
                return plain(v)
        raise Uncrossable(f"{path} is a {type_name(v)}, which cannot cross the trust-domain boundary "
                          "(JSON values, bytes, numpy arrays and torch tensors can)")

    def walk_numpy(v, path):
        import numpy as np

        if isinstance(v, np.ndarray):
            arrays.append(_checked(v, path))
            return {"$a": len(arrays) - 1}
        if isinstance(v, np.generic):
            arrays.append(_checked(np.asarray(v), path))
            return {"$n": len(arrays) - 1}
        raise Uncrossable(f"{path} is a {type_name(v)}, which cannot cross the trust-domain boundary")

    return walk(value, where, 0), arrays


def _checked(array, path):
    if array.dtype.hasobject:
        raise Uncrossable(f"{path} is a numpy array of Python objects (dtype {array.dtype}), which cannot cross "
                          "the trust-domain boundary; use a numeric, bool or string dtype")
    return array


def decode(tree, arrays):
    """The value `encode` produced, from a tree parsed with json.loads and the arrays read with np.load."""
    torch = None

    def walk(v):
        nonlocal torch
        if isinstance(v, list):
            return [walk(x) for x in v]
        if not isinstance(v, dict):
            return v
        if len(v) != 1:
            raise ValueError("a crossing object has exactly one tag")
        (tag, body), = v.items()
        if tag == "$t":
            return tuple(walk(x) for x in body)
        if tag == "$d":
            return {_hashable(walk(k)): walk(x) for k, x in body}
        if tag == "$s":
            return {_hashable(walk(x)) for x in body}
        if tag == "$f":
            return frozenset(_hashable(walk(x)) for x in body)
        if tag == "$b":
            return base64.b64decode(body, validate=True)
        if tag == "$c":
            return complex(float(body[0]), float(body[1]))
        if tag in ("$a", "$n", "$T"):
            array = arrays[int(body)]
            if tag == "$n":
                return array[()]
            if tag == "$T":
                try:
                    import torch
                except ImportError:
                    return array
                return torch.from_numpy(array)
            return array
        raise ValueError(f"unknown crossing tag {tag!r}")

    return walk(tree)


def _hashable(v):
    if isinstance(v, list):
        raise ValueError("a list cannot be a dict key or set element")
    return v


def _npy(array):
    import numpy as np

    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def send(fd, header, arrays=()):
    """Writes one message (header dict + arrays) to the pipe `fd`."""
    header = dict(header, arrays=len(arrays))
    frames = [json.dumps(header).encode()] + [_npy(a) for a in arrays]
    _write_all(fd, b"".join(HEADER.pack(len(f)) + f for f in frames))


class Reader:
    """Reads framed messages from a pipe with a deadline; `recv` returns (header, arrays)."""

    def __init__(self, fd):
        self.fd = fd
        self._buffer = bytearray()

    def _exact(self, size, deadline):
        while len(self._buffer) < size:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ChannelTimeout("no answer in time")
                ready, _, _ = select.select([self.fd], [], [], left)
                if not ready:
                    continue
            chunk = os.read(self.fd, min(max(size - len(self._buffer), 1 << 16), 1 << 24))
            if not chunk:
                raise ChannelClosed("the other side closed its pipe")
            self._buffer += chunk
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def _frame(self, deadline, limit):
        (length,) = HEADER.unpack(self._exact(HEADER.size, deadline))
        if length > limit:
            raise ValueError(f"a {length}-byte frame (at most {limit})")
        return self._exact(length, deadline)

    def recv(self, timeout=None, limit=MAX_FRAME):
        deadline = None if timeout is None else time.monotonic() + timeout
        header = json.loads(self._frame(deadline, 64 << 20))
        if not isinstance(header, dict):
            raise ValueError("a message header is a JSON object")
        count = header.get("arrays", 0)
        if not isinstance(count, int) or not 0 <= count <= MAX_ARRAYS:
            raise ValueError(f"a message announced {count!r} arrays")
        arrays = []
        if count:
            import numpy as np

            for _ in range(count):
                arrays.append(np.load(io.BytesIO(self._frame(deadline, limit)), allow_pickle=False))
        return header, arrays
