"""Syntax-tree rules of the static guard for Python candidates (parsed, never run): the evasions line patterns miss.

stdin: JSON {"files": {name: source}}; stdout: JSON {"findings": [{"file", "line", "rule", "why"}]}.
String expressions are folded first ('ins' + 'pect', f-strings of constants, "".join of constants, % and
.format of constants), then: imports of forbidden modules in any spelling (__import__, importlib, a computed
name), getattr/setattr/delattr/hasattr with a forbidden or computed name on sys, time, builtins and frames,
vars()/globals()/locals() and sys.modules used as a door to other modules, assignments to builtins, and
strings that fold to an ADRS_ variable name. A file that does not parse is left to the evaluator (it will
fail there with the real error).
"""
import ast
import json
import sys

FORBIDDEN_MODULES = {"inspect", "ctypes", "cffi", "gc", "traceback", "_ctypes", "importlib", "builtins",
                     "__builtin__", "__main__", "sys", "time", "faulthandler", "tracemalloc", "_thread"}
# Modules a program may import by a plain `import x` (the line rules already judge those lines), but never
# through a computed or dynamic import.
DOOR_MODULES = {"sys", "time", "builtins", "__main__", "importlib", "gc", "inspect", "ctypes", "cffi"}
FORBIDDEN_ATTRS = {"_getframe", "f_back", "f_globals", "f_locals", "f_builtins", "gi_frame", "tb_frame",
                   "perf_counter", "perf_counter_ns", "monotonic", "monotonic_ns", "process_time", "time",
                   "time_ns", "clock_gettime", "modules", "settrace", "setprofile", "__import__", "_clock",
                   "__builtins__", "__globals__", "__code__", "__closure__", "environ"}
INTROSPECTION = {"_getframe", "f_back", "f_globals", "f_locals", "f_builtins", "gi_frame", "tb_frame",
                 "__globals__", "__code__", "__closure__", "settrace", "setprofile"}


def fold(node):
    """The string a node always evaluates to, or None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp):
        left, right = fold(node.left), fold(node.right)
        if isinstance(node.op, ast.Add) and left is not None and right is not None:
            return left + right
        if isinstance(node.op, ast.Mult) and left is not None and isinstance(node.right, ast.Constant) \
                and isinstance(node.right.value, int) and 0 <= node.right.value <= 64:
            return left * node.right.value
        if isinstance(node.op, ast.Mod) and left is not None:
            return left  # the format string alone is enough to spot a name
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
            elif isinstance(value, ast.FormattedValue) and fold(value.value) is not None:
                parts.append(fold(value.value))
            else:
                return None
        return "".join(parts)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        base = fold(node.func.value)
        if node.func.attr == "join" and base is not None and len(node.args) == 1 \
                and isinstance(node.args[0], (ast.List, ast.Tuple)):
            items = [fold(e) for e in node.args[0].elts]
            if all(i is not None for i in items):
                return base.join(items)
        if node.func.attr in ("format", "lower", "upper", "strip") and base is not None:
            return base.lower() if node.func.attr == "lower" else base.upper() if node.func.attr == "upper" else base
    if isinstance(node, ast.Subscript) and fold(node.value) is not None:
        return None
    return None


def dotted(node):
    """'a.b.c' for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


class Checker(ast.NodeVisitor):
    def __init__(self, file):
        self.file = file
        self.findings = []

    def hit(self, node, rule, why):
        self.findings.append({"file": self.file, "line": getattr(node, "lineno", 0), "rule": rule, "why": why})

    def visit_Call(self, node):
        name = dotted(node.func)
        args = node.args
        first = fold(args[0]) if args else None
        if name in ("__import__", "importlib.import_module", "importlib.__import__", "builtins.__import__"):
            if first is None:
                self.hit(node, "introspection", f"{name} with a computed module name")
            elif first.split(".")[0] in DOOR_MODULES:
                self.hit(node, "introspection" if first != "ctypes" else "ffi", f"{name}({first!r})")
        if name in ("getattr", "setattr", "delattr", "hasattr") and len(args) >= 2:
            attr = fold(args[1])
            target = dotted(args[0]) or ""
            if attr is None and target.split(".")[0] in DOOR_MODULES | {"__builtins__"}:
                self.hit(node, "introspection", f"{name} on {target} with a computed attribute name")
            elif attr in INTROSPECTION:
                self.hit(node, "introspection", f"{name}(..., {attr!r})")
            elif attr in FORBIDDEN_ATTRS and (name != "getattr" or target.split(".")[0] in DOOR_MODULES):
                self.hit(node, "timer-patch" if attr not in ("modules", "environ") else "introspection",
                         f"{name}({target or '...'}, {attr!r})")
        if name in ("vars", "globals", "locals") and (not args or dotted(args[0]) in DOOR_MODULES):
            parent = getattr(node, "_adrs_parent", None)
            if name != "locals" or parent is not None:
                self.hit(node, "introspection", f"{name}() used to reach module state")
        if name in ("ctypes.CDLL", "CDLL", "ctypes.cdll.LoadLibrary", "cffi.FFI"):
            self.hit(node, "ffi", f"{name}(...)")
        self.generic_visit(node)

    def visit_Attribute(self, node):
        chain = dotted(node) or ""
        if chain.startswith("sys.modules") or chain in ("sys._getframe", "builtins.__import__"):
            self.hit(node, "introspection", f"{chain}")
        self.generic_visit(node)

    def visit_Assign(self, node):
        for target in node.targets:
            chain = dotted(target) or ""
            root = chain.split(".")[0]
            if root in ("builtins", "__builtins__", "time", "sys") and "." in chain:
                self.hit(node, "timer-patch", f"assignment to {chain}")
            if isinstance(target, ast.Subscript):
                base = dotted(target.value) or ""
                if base.startswith("sys.modules") or base in ("__builtins__", "vars", "globals"):
                    self.hit(node, "introspection", f"assignment into {base}[...]")
        self.generic_visit(node)

    def visit_Import(self, node):
        for alias in node.names:
            if alias.name.split(".")[0] in ("inspect", "ctypes", "cffi", "_ctypes", "gc"):
                self.hit(node, "ffi" if "ctypes" in alias.name or "cffi" in alias.name else "introspection",
                         f"import {alias.name}")
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        module = (node.module or "").split(".")[0]
        names = {a.name for a in node.names}
        if module in ("inspect", "ctypes", "cffi", "_ctypes", "gc") or (module == "sys" and names & {"_getframe", "modules"}) \
                or (module == "importlib" and names & {"import_module", "__import__"}):
            self.hit(node, "introspection" if module not in ("ctypes", "cffi", "_ctypes") else "ffi",
                     f"from {node.module} import {', '.join(sorted(names))}")
        self.generic_visit(node)

    def visit_Constant(self, node):
        self.generic_visit(node)

    def visit_BinOp(self, node):
        text = fold(node)
        if text is not None and text.startswith("ADRS_"):
            self.hit(node, "evaluator-access", f"a string that folds to {text!r}")
            return
        if text is not None and text in INTROSPECTION | {"inspect", "ctypes"}:
            self.hit(node, "introspection", f"a string that folds to {text!r}")
            return
        self.generic_visit(node)

    def visit_JoinedStr(self, node):
        text = fold(node)
        if text is not None and text.startswith("ADRS_"):
            self.hit(node, "evaluator-access", f"a string that folds to {text!r}")
        self.generic_visit(node)


def check(file, source):
    try:
        tree = ast.parse(source, filename=file)
    except (SyntaxError, ValueError):
        return []
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            setattr(child, "_adrs_parent", parent)
    checker = Checker(file)
    checker.visit(tree)
    return checker.findings


def main():
    request = json.load(sys.stdin)
    findings = []
    for file, source in sorted(request.get("files", {}).items()):
        findings.extend(check(file, source))
    json.dump({"findings": findings}, sys.stdout)


if __name__ == "__main__":
    main()
