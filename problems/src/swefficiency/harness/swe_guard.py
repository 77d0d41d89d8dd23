"""The in-sandbox introspection guard: refuses patches whose *added* Python lines inspect the stack or frames.

Mirrors the benchmark's patch check: new uses of inspect.{currentframe, stack, getsource, ...},
traceback.{extract_stack, ...}, sys.{_getframe, settrace, setprofile}, gc.{get_referrers, get_objects},
frame attributes (f_back, tb_frame, gi_frame, cr_frame, ag_frame), dynamic imports of inspect, and
ctypes/cffi imports. Only nodes on lines the patch adds count; a file that does not parse falls back to a
line scan. Stdlib only.
"""
import ast
import re

CALLS = {
    "inspect": {"currentframe", "stack", "getsource", "getsourcefile", "getouterframes", "getinnerframes",
                "trace", "getframeinfo", "getsourcelines"},
    "traceback": {"extract_stack", "format_stack", "print_stack", "walk_stack"},
    "sys": {"_getframe", "settrace", "setprofile", "_current_frames"},
    "gc": {"get_referrers", "get_objects", "get_referents"},
}
FRAME_ATTRS = {"f_back", "tb_frame", "gi_frame", "cr_frame", "ag_frame"}
FFI = {"ctypes", "cffi"}
PRAGMA = "stackguard: allow"
LINE_PATTERNS = [
    re.compile(r"\b(inspect|traceback|sys|gc)\s*\.\s*(" + "|".join(sorted(set().union(*CALLS.values()))) + r")\b"),
    re.compile(r"\.\s*(" + "|".join(sorted(FRAME_ATTRS)) + r")\b"),
    re.compile(r"^\s*(import|from)\s+(ctypes|cffi)\b"),
    re.compile(r"""(__import__|import_module)\s*\(\s*['"](inspect|ctypes|cffi)['"]"""),
]


def added_lines(patch_text):
    """{path: set of line numbers in the new file that the patch adds}."""
    out, path, new_line = {}, None, 0
    for line in patch_text.splitlines():
        if line.startswith("+++ "):
            target = line[4:].split("\t")[0].strip()
            path = None if target == "/dev/null" else (target[2:] if target.startswith("b/") else target)
            if path is not None:
                out.setdefault(path, set())
            continue
        if line.startswith("--- ") or line.startswith("diff --git"):
            continue
        m = re.match(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@", line)
        if m:
            new_line = int(m.group(1))
            continue
        if path is None or new_line == 0:
            continue
        if line.startswith("+"):
            out[path].add(new_line)
            new_line += 1
        elif line.startswith("-") or line.startswith("\\"):
            continue
        else:
            new_line += 1
    return out


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _node_hits(node):
    """A reason when this node introspects, else None."""
    if isinstance(node, ast.Attribute):
        if node.attr in FRAME_ATTRS:
            return "frame attribute ." + node.attr
        name = _dotted(node)
        if name and "." in name:
            mod, _, attr = name.rpartition(".")
            if mod.split(".")[-1] in CALLS and attr in CALLS[mod.split(".")[-1]]:
                return name
    if isinstance(node, ast.ImportFrom) and node.module:
        root = node.module.split(".")[0]
        if root in FFI:
            return "imports " + root
        if root in CALLS:
            bad = [a.name for a in node.names if a.name in CALLS[root]]
            if bad:
                return "from %s import %s" % (root, ", ".join(bad))
    if isinstance(node, ast.Import):
        for a in node.names:
            if a.name.split(".")[0] in FFI:
                return "imports " + a.name
    if isinstance(node, ast.Call):
        name = _dotted(node.func)
        if name and name.split(".")[-1] in ("__import__", "import_module") and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.split(".")[0] in ({"inspect"} | FFI):
                return "dynamic import of " + arg.value
    return None


def check_file(source, lines):
    """Violations [(line, reason, text)] among the given added line numbers of one Python file."""
    text_lines = source.splitlines()
    allowed = {n for n in lines if 0 < n <= len(text_lines) and PRAGMA in text_lines[n - 1]}
    out = []
    try:
        tree = ast.parse(source)
    except SyntaxError:
        for n in sorted(lines - allowed):
            if 0 < n <= len(text_lines):
                code = text_lines[n - 1].split("#")[0]
                if any(p.search(code) for p in LINE_PATTERNS):
                    out.append((n, "introspection (line scan)", text_lines[n - 1].strip()))
        return out
    seen = set()
    for node in ast.walk(tree):
        n = getattr(node, "lineno", None)
        if n is None or n not in lines or n in allowed:
            continue
        reason = _node_hits(node)
        if reason and (n, reason) not in seen:
            seen.add((n, reason))
            out.append((n, reason, text_lines[n - 1].strip() if n <= len(text_lines) else ""))
    return sorted(out)


# Compiled code a patch may not bring (by suffix, wherever it sits, __pycache__ included): Python would load it in
# place of (or beside) the source the tests and the differential checks read, and the trusted bytecode cache
# (swe_pyc) only vouches for base_commit's own modules.
COMPILED = (".pyc", ".pyo", ".so", ".pyd", ".dylib")
DIFF_HEADER = re.compile(r"^diff --git a/(\S+) b/(\S+)")


def compiled_paths(patch_text):
    """The paths a patch touches that hold compiled code (by suffix), binary or not."""
    found = set()
    for line in patch_text.splitlines():
        m = DIFF_HEADER.match(line)
        names = m.groups() if m else ()
        if not m and line.startswith(("+++ ", "--- ", "rename to ", "copy to ")):
            names = (line.split(" ", 2)[-1].split("\t")[0].strip(),)
        for name in names:
            name = name[2:] if name.startswith(("a/", "b/")) and not m else name
            if name != "/dev/null" and name.endswith(COMPILED):
                found.add(name)
    return sorted(found)


def check_patch(patch_text, read_file):
    """Violations [(path, line, reason, text)] of a patch; read_file(path) gives the patched file's text or None."""
    out = [(path, 0, "compiled code in a patch (.pyc, .so, .pyd): only source may change", "")
           for path in compiled_paths(patch_text)]
    for path, lines in sorted(added_lines(patch_text).items()):
        if not path.endswith((".py", ".pyx", ".pyi")) or not lines:
            continue
        source = read_file(path)
        if source is None:
            continue
        for n, reason, text in check_file(source, lines):
            out.append((path, n, reason, text))
    return out
