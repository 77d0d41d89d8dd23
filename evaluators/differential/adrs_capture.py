"""Call capture: every call of the functions and methods a patch changes, as hashes; full values only where needed.

Interception is at the code-object level: the changed function object keeps its identity and gets a new __code__
that calls back here (the original code runs from a copy of the function). So every reference to the function sees
the capture: a dispatch table filled when the class was created, `from x import f`, a registry, a decorator.

Only outermost calls are recorded (a captured function called by another captured one is covered by the outer
call). Every such call is counted in a table {function: {argument hash: {outcome hash: count}}}: the hash is a
blake2b of the pickled arguments before the call, and of the result (or the exception's type) and the arguments
after the call. A call that returns a generator has as its outcome everything the generator yielded. A value that does not pickle is hashed
part by part where it is a container, else by its type name alone ("not compared", counted in notes).
Full values are kept only for some calls:
  - a reservoir sample per function (deterministic seed), at most max_calls and max_bytes of pickles: for replay;
  - with `expect` (the base run's table, in the patched run): calls whose arguments the base saw but whose outcome
    it never gave, the first one per argument hash (these are the differences to show);
  - with `want` ({function: [argument hashes]}, a second base run): the first call per wanted argument hash.
So calls are matched by their arguments, never by their position.

Values travel as "blobs": ("value", pickle bytes) or an opaque stand-in (OPAQUE, why, type name, repr) when a value
does not pickle or is too large. load_blob unpickles with a restricted unpickler (classes and known reconstructors
only; nothing from os/subprocess/sys/...), so a pickle made by candidate code cannot run code in the comparer.
"""

import builtins
import copyreg
import hashlib
import importlib
import io
import pickle
import random
import sys
import threading
import types

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
        data = dumps(value)  # dask collections inside as their canonical form, as hashed (see dumps)
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
    if isinstance(raw, property):
        return "property"
    return "plain" if callable(raw) else None


def function_of(raw, kind):
    """The plain Python function behind a target (unwrapping descriptors and functools.wraps layers), or None."""
    fn = raw.fget if kind == "property" else raw.__func__ if kind in ("static", "class") else raw
    seen = 0
    while not isinstance(fn, types.FunctionType) and hasattr(fn, "__wrapped__") and seen < 8:
        fn, seen = fn.__wrapped__, seen + 1
    return fn if isinstance(fn, types.FunctionType) else None


_NC = "nc:"  # a hash that stands for "not compared" (the value's type name follows)


def canonical(value):
    """What of a result is compared. A lazy dask collection is a recipe (its task graph is how, not what): it stands
    as its type and its metadata (_meta: the columns, dtypes and index of an empty frame; or shape and dtype)."""
    if hasattr(value, "__dask_graph__"):
        meta = getattr(value, "_meta", None)
        if meta is None:
            meta = (getattr(value, "shape", None), str(getattr(value, "dtype", "")))
        return ("dask collection", type(value).__qualname__, meta)
    return value


_LAZY_TYPES = (("dask.array.core", ("Array",)), ("dask.dataframe.core", ("DataFrame", "Series", "Index", "Scalar")),
               ("dask.bag.core", ("Bag", "Item")), ("dask.delayed", ("Delayed",)))
_TABLE = dict(copyreg.dispatch_table)


def _lazy_stand_in(description):
    """Stands for a dask collection inside a hashed pickle (never loaded: the restricted unpickler refuses it)."""
    return description


def _reduce_lazy(value):
    return _lazy_stand_in, (canonical(value),)


def dumps(value):
    """pickle.dumps, except that dask collections anywhere inside are pickled as their canonical form (their graphs
    carry random names: the same value would hash differently in every run)."""
    for module, names in _LAZY_TYPES:
        mod = sys.modules.get(module)
        if mod is not None:
            for name in names:
                t = getattr(mod, name, None)
                if isinstance(t, type) and t not in _TABLE:
                    _TABLE[t] = _reduce_lazy
    buf = io.BytesIO()
    p = pickle.Pickler(buf, protocol=PROTOCOL)
    p.dispatch_table = _TABLE
    p.dump(value)
    return buf.getvalue()


def _lazy(value):
    """A value that is a recipe rather than a result (an iterator, a coroutine): compared by its type only."""
    return isinstance(value, (types.GeneratorType, types.CoroutineType))


def digest(value, missed=None):
    """A short hash of a value by its pickle; containers that do not pickle are hashed part by part. A part that
    cannot be hashed stands as its type name, and its reason is added to `missed` (a set)."""
    value = canonical(value)
    if _lazy(value):
        if missed is not None:
            missed.add(type(value).__qualname__)
        return _NC + type(value).__qualname__
    try:
        return hashlib.blake2b(dumps(value), digest_size=12).hexdigest()
    except Exception:  # noqa: BLE001 - not picklable as a whole: by parts, or by type
        pass
    h = hashlib.blake2b(type(value).__qualname__.encode(), digest_size=12)
    if isinstance(value, (list, tuple)):
        for v in value:
            h.update(digest(v, missed).encode())
    elif isinstance(value, dict):
        for k, v in value.items():
            h.update(digest(k, missed).encode())
            h.update(digest(v, missed).encode())
    else:
        if missed is not None:
            missed.add(type(value).__qualname__)
        return _NC + type(value).__qualname__
    return h.hexdigest()


def _wrapper_code(key, freevars):
    """A code object `(*args, **kwargs) -> __adrs_capture__(key, args, kwargs)` with exactly these free variables
    (a function's __code__ can only be swapped for one with the same ones, e.g. the __class__ cell of super())."""
    lines = ["def _outer():"]
    lines += ["    %s = None" % v for v in freevars]
    lines += ["    def _adrs_wrapper(*args, **kwargs):"]
    if freevars:
        lines += ["        if False:", "            (%s,)" % ", ".join(freevars)]
    lines += ["        return __adrs_capture__(%r, args, kwargs)" % key, "    return _adrs_wrapper"]
    ns = {}
    exec(compile("\n".join(lines) + "\n", "<adrs-capture>", "exec"), ns)  # noqa: S102 - our own text
    code = ns["_outer"]().__code__
    if code.co_freevars != tuple(freevars):
        raise RuntimeError("free variables %s cannot be matched" % (freevars,))
    return code


class _Call:
    """What a recorded call keeps while it runs (the arguments' pickle, when the call may be kept in full)."""

    __slots__ = ("key", "n", "ah", "before", "sample", "slot")


class Recorder:
    def __init__(self, max_calls=200, max_bytes=1_000_000, expect=None, want=None, seed=0):
        self.max_calls = max(1, int(max_calls))
        self.max_bytes = int(max_bytes)
        self.per_value = max(1024, self.max_bytes // 4)
        self.expect = expect  # {key: {argument hash: [outcome hashes]}} of the base run, or None
        self.want = want  # {key: set(argument hashes)}, or None
        self.rng = random.Random(seed)
        self.local = threading.local()
        self.counts, self.kept, self.notes = {}, {}, []
        self.table = {}  # {key: {argument hash: {outcome hash: count}}}
        self.full = {}  # {(key, argument hash): record}: mismatches (expect) or wanted calls (want)
        self.missed = {}  # {key: set of type names not compared}
        self.originals = {}  # {key: (copy of the original function, kind)}
        self.bytes = 0
        self.per_fn = self.max_calls

    def install(self, targets):
        """Swaps the code of every target it can; returns the keys captured."""
        wrapped = []
        setattr(builtins, "__adrs_capture__", self._call)  # the wrappers' one global name, found through builtins
        for t in targets:
            key = "%s.%s" % (t["module"], t["qualname"])
            try:
                _, _, raw = resolve(t["module"], t["qualname"])
            except Exception as e:  # noqa: BLE001 - a target that does not import is noted, not fatal
                self.notes.append("%s: cannot be captured (%s: %s)" % (key, type(e).__name__, str(e)[:120]))
                continue
            kind = kind_of(raw)
            fn = function_of(raw, kind) if kind else None
            if fn is None:
                self.notes.append("%s: not a Python function, not captured" % key)
                continue
            if fn.__code__.co_name == "_adrs_wrapper":
                continue  # the same function under a second name: captured once
            try:
                code = _wrapper_code(key, fn.__code__.co_freevars)
            except Exception as e:  # noqa: BLE001 - noted: this one function is not captured
                self.notes.append("%s: not captured (%s)" % (key, e))
                continue
            copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
            copy.__kwdefaults__, copy.__qualname__ = fn.__kwdefaults__, fn.__qualname__
            self.originals[key] = (copy, kind)
            fn.__code__ = code
            wrapped.append(key)
        self.per_fn = max(1, self.max_calls // max(1, len(wrapped)))
        return wrapped

    def _sample(self, key, n):
        """Whether call n of `key` joins the replay sample, and which kept slot it replaces (None: append)."""
        if self.expect is not None or self.want is not None:
            return False, None
        kept = self.kept.setdefault(key, [])
        if len(kept) < self.per_fn:
            return True, None
        j = self.rng.randrange(n + 1)
        return (j < self.per_fn), (j if j < self.per_fn else None)

    def _call(self, key, args, kwargs):
        fn = self.originals[key][0]
        if getattr(self.local, "depth", 0):
            return fn(*args, **kwargs)
        c = _Call()
        c.key, c.n = key, self.counts.get(key, 0)
        self.counts[key] = c.n + 1
        missed = self.missed.setdefault(key, set())
        try:
            c.before = dumps((args, kwargs))
            c.ah = hashlib.blake2b(c.before, digest_size=12).hexdigest()
        except Exception:  # noqa: BLE001 - arguments that do not pickle: hashed by parts, not replayable
            c.before, c.ah = None, digest((args, kwargs), missed)
        c.sample, c.slot = self._sample(key, c.n)
        self.local.depth = 1
        try:
            result = fn(*args, **kwargs)
        except BaseException as e:
            self._done(c, ("raise", type(e).__name__, str(e)[:300]), args, kwargs, raised=True)
            raise
        finally:
            self.local.depth = 0
        if isinstance(result, types.GeneratorType):  # a generator function's, or one a plain function returns
            return self._drain(c, result, args, kwargs)
        self._done(c, result, args, kwargs)
        return result

    def _drain(self, c, it, args, kwargs):
        """A call that returns a generator: its outcome is the list of what it yields, recorded when it is exhausted
        (or closed: then marked so)."""
        items = []
        try:
            for item in it:
                items.append(item)
                yield item
        except GeneratorExit:
            it.close()
            items.append(("closed early",))
            self._done(c, ("yielded", items), args, kwargs)
            raise
        self._done(c, ("yielded", items), args, kwargs)

    def _done(self, c, result, args, kwargs, raised=False):
        missed = self.missed[c.key]
        # The result is pickled once: its hash, and its value when the call is kept in full (a large result pickled
        # twice was a quarter of a real instance's capture time: xarray-7735's 7,300-element index).
        value, data = canonical(result), None
        if not _lazy(value):
            try:
                data = dumps(value)
            except Exception:  # noqa: BLE001 - hashed by parts below (digest)
                data = None
        rh = hashlib.blake2b(data, digest_size=12).hexdigest() if data is not None else digest(result, missed)
        try:
            after = dumps((args, kwargs))
        except Exception:  # noqa: BLE001 - see _call
            after = None
        changed = after != c.before if after is not None else digest((args, kwargs), missed) != c.ah
        oh = rh if not changed else rh + "+" + (hashlib.blake2b(after, digest_size=12).hexdigest() if after else
                                                digest((args, kwargs), missed))
        outcomes = self.table.setdefault(c.key, {}).setdefault(c.ah, {})
        outcomes[oh] = outcomes.get(oh, 0) + 1
        full = False
        if self.expect is not None:
            seen = self.expect.get(c.key, {}).get(c.ah)
            full = seen is not None and oh not in seen
        elif self.want is not None:
            full = c.ah in self.want.get(c.key, ())
        if full and (c.key, c.ah) not in self.full and len(self.full) < 50:
            self.full[(c.key, c.ah)] = self._record(c, result, data, args, kwargs, after if changed else None, raised)
        if c.sample and c.before is not None:
            self._keep(c, self._record(c, result, data, args, kwargs, after if changed else None, raised))

    def _record(self, c, result, data, args, kwargs, after, raised):
        """A call kept in full; `data`: the result's pickle when it has one (else it is pickled here, or opaque)."""
        before = ("value", c.before) if c.before is not None and len(c.before) <= self.per_value else \
            dump_blob((args, kwargs), self.per_value)
        if raised:
            res = result
        elif data is None:
            res = dump_blob(canonical(result), self.per_value)
        elif len(data) > self.per_value:
            res = opaque("%d bytes, over the %d-byte limit" % (len(data), self.per_value), canonical(result))
        else:
            res = ("value", data)
        aft = None if after is None else ("value", after) if len(after) <= self.per_value else \
            opaque("%d bytes, over the %d-byte limit" % (len(after), self.per_value), (args, kwargs))
        return {"key": c.key, "n": c.n, "kind": self.originals[c.key][1], "ah": c.ah, "args": before, "result": res, "after": aft}

    def _keep(self, c, record):
        size = blob_size(record["args"]) + blob_size(record["result"]) + (blob_size(record["after"]) if record["after"] else 0)
        kept = self.kept.setdefault(c.key, [])
        if c.slot is not None and c.slot < len(kept):
            self.bytes -= kept[c.slot]["size"]
        record["size"] = size
        if self.bytes + size > self.max_bytes:
            if c.slot is not None and c.slot < len(kept):
                kept.pop(c.slot)
            return
        self.bytes += size
        if c.slot is None or c.slot >= len(kept):
            kept.append(record)
        else:
            kept[c.slot] = record

    def records(self):
        out = [r for rs in self.kept.values() for r in rs]
        out.sort(key=lambda r: (r["key"], r["n"]))
        return out

    def summary(self):
        """What the observation keeps of the calls: the table, the full records, and the not-compared types."""
        table = {k: {ah: sorted(o) for ah, o in v.items()} for k, v in self.table.items()}
        return {"table": table, "full": list(self.full.values()),
                "missed": {k: sorted(v) for k, v in self.missed.items() if v}}
