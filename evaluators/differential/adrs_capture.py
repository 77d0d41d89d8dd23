"""Call capture: wraps the functions and methods a patch changes and records their arguments and results, bounded.

Only outermost calls are recorded (a captured function called by another captured one is covered by the outer
call). Which calls are kept: a reservoir sample per function (deterministic seed) of at most max_calls in all, and
no more than max_bytes of pickles; or exactly the (function, call number) pairs of a previous capture (`select`), so
the patched run records the same calls as the base run. Each record holds the arguments pickled before the call (for
replay), the result (or the exception's type), and the arguments after the call when the call changed them.

Values travel as "blobs": ("value", pickle bytes) or an opaque stand-in (OPAQUE, why, type name, repr) when a value
does not pickle or is too large. load_blob unpickles with a restricted unpickler (classes and known reconstructors
only; nothing from os/subprocess/sys/...), so a pickle made by candidate code cannot run code in the comparer.
"""

import functools
import importlib
import io
import pickle
import random
import sys
import threading

from adrs_diffcompare import OPAQUE

PROTOCOL = 4
_DENY_MODULES = ("os", "posix", "nt", "subprocess", "sys", "shutil", "socket", "ssl", "importlib", "runpy", "code",
                 "codeop", "pickle", "_pickle", "marshal", "ctypes", "io", "_io", "pty", "multiprocessing",
                 "concurrent", "threading", "asyncio", "tempfile", "logging", "zipfile", "tarfile", "webbrowser",
                 "http", "urllib", "ftplib", "smtplib", "sqlite3", "shelve", "dbm", "signal", "resource", "gc",
                 "inspect", "types", "pdb", "bdb", "trace", "sysconfig", "site", "glob", "fileinput", "mmap")
_SAFE_BUILTINS = {"set", "frozenset", "complex", "slice", "range", "bytearray", "object", "int", "float", "str",
                  "bytes", "list", "tuple", "dict", "bool", "type", "Ellipsis", "NotImplemented", "property"}
_RECONSTRUCTORS = ("unpickle", "reconstruct", "_new", "new_block", "__newobj__", "scalar", "encode")


def opaque(why, value):
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ is still a value
        text = "<unrepresentable>"
    return (OPAQUE, why, type(value).__qualname__, text[:200])


def dump_blob(value, limit):
    """("value", bytes) when the value pickles within `limit` bytes, else an opaque stand-in."""
    try:
        data = pickle.dumps(value, protocol=PROTOCOL)
    except Exception as e:  # noqa: BLE001 - anything unpicklable becomes opaque
        return opaque("does not pickle: %s" % type(e).__name__, value)
    if len(data) > limit:
        return opaque("%d bytes, over the %d-byte limit" % (len(data), limit), value)
    return ("value", data)


def blob_size(blob):
    return len(blob[1]) if blob[0] == "value" else 0


class _Restricted(pickle.Unpickler):
    def find_class(self, module, name):
        root = module.split(".")[0]
        if root == "builtins":
            if name in _SAFE_BUILTINS:
                return super().find_class(module, name)
        elif root not in _DENY_MODULES and module not in _DENY_MODULES:
            obj = super().find_class(module, name)
            if isinstance(obj, type) or any(k in name for k in _RECONSTRUCTORS):
                return obj
        raise pickle.UnpicklingError("refused to load %s.%s" % (module, name))


def load_blob(blob):
    """The value of a blob (restricted unpickling); an opaque stand-in when it cannot be loaded here."""
    if blob[0] != "value":
        return blob
    try:
        return _Restricted(io.BytesIO(blob[1])).load()
    except Exception as e:  # noqa: BLE001 - a value this process cannot rebuild is compared by its type only
        return (OPAQUE, "cannot be loaded: %s" % str(e)[:120], "?", "<pickle of %d bytes>" % len(blob[1]))


def resolve(module, qualname):
    """(owner, attribute name, the object found there) for "func" or "Class.method" in a module."""
    mod = importlib.import_module(module)
    owner, parts = mod, qualname.split(".")
    for p in parts[:-1]:
        owner = getattr(owner, p)
    name = parts[-1]
    raw = owner.__dict__.get(name) if isinstance(owner, type) else getattr(owner, name)
    if raw is None:
        raise AttributeError("%s.%s not found" % (module, qualname))
    return owner, name, raw


def kind_of(raw):
    if isinstance(raw, staticmethod):
        return "static"
    if isinstance(raw, classmethod):
        return "class"
    return "plain" if callable(raw) else None


class Recorder:
    def __init__(self, max_calls=200, max_bytes=1_000_000, select=None, seed=0):
        self.max_calls = max(1, int(max_calls))
        self.max_bytes = int(max_bytes)
        self.per_value = max(1024, self.max_bytes // 4)
        self.select = select  # {key: set(call numbers)} or None
        self.rng = random.Random(seed)
        self.local = threading.local()
        self.counts, self.kept, self.notes = {}, {}, []
        self.bytes = 0
        self.per_fn = self.max_calls

    def install(self, targets):
        """Wraps every target it can; returns the keys wrapped. Other modules' references are redirected too."""
        wrapped = []
        roots = {t["root"] for t in targets}
        for t in targets:
            key = "%s.%s" % (t["module"], t["qualname"])
            try:
                owner, name, raw = resolve(t["module"], t["qualname"])
            except Exception as e:  # noqa: BLE001 - a target that does not import is noted, not fatal
                self.notes.append("%s: cannot be captured (%s: %s)" % (key, type(e).__name__, str(e)[:120]))
                continue
            kind = kind_of(raw)
            if kind is None:
                self.notes.append("%s: not a function, not captured" % key)
                continue
            fn = raw.__func__ if kind in ("static", "class") else raw
            wrapper = self._wrap(key, fn, kind)
            setattr(owner, name, staticmethod(wrapper) if kind == "static" else classmethod(wrapper) if kind == "class" else wrapper)
            if not isinstance(owner, type):
                _redirect(fn, wrapper, roots)
            wrapped.append(key)
        self.per_fn = max(1, self.max_calls // max(1, len(wrapped)))
        return wrapped

    def _keep(self, key, n):
        """Whether call number n of `key` is recorded, and which kept slot it replaces (None: append)."""
        if self.select is not None:
            return n in self.select.get(key, ()), None
        kept = self.kept.setdefault(key, [])
        if len(kept) < self.per_fn:
            return True, None
        j = self.rng.randrange(n + 1)
        return (j < self.per_fn), (j if j < self.per_fn else None)

    def _wrap(self, key, fn, kind):
        rec = self

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            depth = getattr(rec.local, "depth", 0)
            if depth:
                return fn(*args, **kwargs)
            n = rec.counts.get(key, 0)
            rec.counts[key] = n + 1
            keep, slot = rec._keep(key, n)
            before = dump_blob((args, kwargs), rec.per_value) if keep else None
            if keep and (before[0] != "value" or rec.bytes + blob_size(before) > rec.max_bytes):
                keep = False
                rec.notes.append("%s call %d: arguments not recorded (%s)" % (key, n, before[3] if before[0] != "value" else "byte budget spent"))
            rec.local.depth = 1
            try:
                result = fn(*args, **kwargs)
            except BaseException as e:
                if keep:
                    rec._store(key, n, slot, kind, before, ("raise", type(e).__name__, str(e)[:300]), args, kwargs)
                raise
            finally:
                rec.local.depth = 0
            if keep:
                rec._store(key, n, slot, kind, before, dump_blob(result, rec.per_value), args, kwargs)
            return result

        return wrapper

    def _store(self, key, n, slot, kind, before, result, args, kwargs):
        after = dump_blob((args, kwargs), self.per_value)
        record = {"key": key, "n": n, "kind": kind, "args": before, "result": result,
                  "after": None if after == before else after}
        size = blob_size(before) + blob_size(result) + (blob_size(after) if record["after"] else 0)
        kept = self.kept.setdefault(key, [])
        if slot is not None:
            self.bytes -= kept[slot]["size"]
        record["size"] = size
        if self.bytes + size > self.max_bytes:
            self.notes.append("%s call %d: not recorded (byte budget of %d spent)" % (key, n, self.max_bytes))
            if slot is not None:
                kept.pop(slot)
            return
        self.bytes += size
        if slot is None:
            kept.append(record)
        else:
            kept[slot] = record

    def records(self):
        out = [r for rs in self.kept.values() for r in rs]
        out.sort(key=lambda r: (r["key"], r["n"]))
        return out


def _redirect(original, wrapper, roots):
    """Points other modules' names bound to `original` (from x import f) at the wrapper, for modules below roots."""
    for mod in list(sys.modules.values()):
        f = getattr(mod, "__file__", None) or ""
        if not any(f.startswith(r.rstrip("/") + "/") for r in roots):
            continue
        for name, value in list(vars(mod).items()):
            if value is original:
                setattr(mod, name, wrapper)
