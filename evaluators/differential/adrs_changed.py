"""Which Python functions and methods a unified diff changes: changed line ranges -> enclosing def (via ast, both trees).

A target is (module, qualname) where qualname is "func" or "Class.method" (nested defs map to the outermost def that
can be reached from the module). A change at module level (a constant, an import) targets every function and method
of that module; a change in a class body outside any def targets every method of that class. Test files and
non-Python files are ignored (their changes are not call-captured). Stdlib only.

    python3 adrs_changed.py --diff patch.diff --base DIR --patched DIR   # prints the targets as JSON
"""

import ast
import json
import os
import re
import sys

HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
TESTISH = re.compile(r"(^|/)(tests?|testing)/|(^|/)(conftest|test_[^/]*|[^/]*_test)\.py$")
MAX_TARGETS = 64


def changed_lines(diff_text):
    """{path: {"old": path in base or None, "new": path, "hunks": [hunk]}} for every file; a hunk is
    {"old_start", "block" (its old-side lines, to place it), "removed": {old lines}, "added": {new lines},
    "added_old": {the old line each added line follows}}."""
    files, cur, hunk, old_no, new_no, old_path = {}, None, None, 0, 0, None
    for line in diff_text.splitlines():
        if line.startswith("--- "):
            t = line[4:].split("\t")[0].strip()
            old_path = None if t == "/dev/null" else (t[2:] if t.startswith("a/") else t)
            continue
        if line.startswith("+++ "):
            t = line[4:].split("\t")[0].strip()
            new_path = None if t == "/dev/null" else (t[2:] if t.startswith("b/") else t)
            key = new_path or old_path
            cur = files.setdefault(key, {"old": old_path, "new": new_path, "hunks": []})
            hunk = None
            continue
        m = HUNK.match(line)
        if m and cur is not None:
            old_no, new_no = int(m.group(1)), int(m.group(3))
            hunk = {"old_start": old_no, "block": [], "removed": set(), "added": set(), "added_old": set()}
            cur["hunks"].append(hunk)
            continue
        if hunk is None or line.startswith("diff --git") or line.startswith("\\"):
            continue
        blank = not line[1:].strip() or line[1:].lstrip().startswith("#")  # blank and comment lines change nothing
        if line.startswith("-"):
            hunk["block"].append(line[1:])
            if not blank:
                hunk["removed"].add(old_no)
            old_no += 1
        elif line.startswith("+"):
            if not blank:
                hunk["added"].add(new_no)
                hunk["added_old"].add(max(1, old_no - 1))  # the base line it follows: placed on base alone
            new_no += 1
        else:
            hunk["block"].append(line[1:])
            old_no += 1
            new_no += 1
    return files


def hunk_offset(hunk, base_lines):
    """How many lines from its stated place a hunk's old side sits in the base file (as git apply finds it: a patch
    made on another version of the file applies where its lines are). 0 when it is not found."""
    block, start = hunk["block"], hunk["old_start"] - 1
    if not block or base_lines[start:start + len(block)] == block:
        return 0
    n = len(block)
    found = [p for p in range(0, len(base_lines) - n + 1) if base_lines[p] == block[0] and base_lines[p:p + n] == block]
    return min(found, key=lambda p: abs(p - start)) - start if found else 0


def module_of(root, rel):
    """(import root, dotted module name) of a .py file below root: the top package is the last folder with __init__."""
    full = os.path.join(root, rel)
    parts = [os.path.splitext(os.path.basename(full))[0]]
    d = os.path.dirname(full)
    while os.path.exists(os.path.join(d, "__init__.py")) and d != root:
        parts.append(os.path.basename(d))
        d = os.path.dirname(d)
    if os.path.exists(os.path.join(d, "__init__.py")) and d == root:
        parts.append(os.path.basename(d))
        d = os.path.dirname(d)
    parts.reverse()
    if parts[-1] == "__init__":
        parts.pop()
    return d, ".".join(parts)


class _Spans(ast.NodeVisitor):
    """(first line, last line, qualname or None, class qualname or None) for every reachable def and class."""

    def __init__(self):
        self.spans, self.stack = [], []

    def _first(self, node):
        return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])

    def visit_ClassDef(self, node):
        if any(k == "def" for k, _ in self.stack):
            return  # a class inside a function: not reachable, the enclosing def covers it
        self.stack.append(("class", node.name))
        q = ".".join(n for _, n in self.stack)
        self.spans.append((self._first(node), node.end_lineno, None, q))
        self.generic_visit(node)
        self.stack.pop()

    def _def(self, node):
        if any(k == "def" for k, _ in self.stack):
            return  # nested def: the enclosing def is the target
        self.stack.append(("def", node.name))
        self.spans.append((self._first(node), node.end_lineno, ".".join(n for _, n in self.stack), None))
        self.stack.pop()

    def visit_FunctionDef(self, node):
        self._def(node)

    def visit_AsyncFunctionDef(self, node):
        self._def(node)


def _spans(source):
    v = _Spans()
    v.visit(ast.parse(source))
    return v.spans


def _targets_in(source, lines):
    """qualnames touched by these line numbers, plus ("*" or class name) markers for module/class level changes."""
    spans = _spans(source)
    out = set()
    for n in lines:
        inside = [s for s in spans if s[0] <= n <= s[1]]
        defs = [s for s in inside if s[2]]
        if defs:
            out.add(max(defs, key=lambda s: s[0])[2])
        elif inside:
            cls = max(inside, key=lambda s: s[0])[3]
            out.update(s[2] for s in spans if s[2] and s[2].startswith(cls + ".") and s[2].count(".") == cls.count(".") + 1)
        else:
            out.update(s[2] for s in spans if s[2])
    return out


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def changed_targets(diff_text, base_dir, patched_dir=None):
    """([{module, qualname, file, root}], notes) of functions the patch changes that exist on base (root: the
    import root, relative to the tree)."""
    notes, found = [], {}
    for path, info in sorted(changed_lines(diff_text).items()):
        if not path or not path.endswith(".py") or TESTISH.search(path):
            if path and not path.endswith(".py") and any(h["removed"] or h["added"] for h in info["hunks"]):
                notes.append("%s: not Python, its changes are not call-captured" % path)
            continue
        old = info["old"]
        if old is None:
            continue  # a new file: nothing to capture on base
        base_src = _read(os.path.join(base_dir, old))
        if base_src is None:
            continue
        names = set()
        base_lines = base_src.splitlines()
        removed, added, added_old = set(), set(), set()
        for h in info["hunks"]:
            shift = hunk_offset(h, base_lines)
            removed |= {n + shift for n in h["removed"]}
            added |= {n + shift for n in h["added"]}
            added_old |= {n + shift for n in h["added_old"]}
        try:
            names |= _targets_in(base_src, removed)
            # Added lines locate by the patched tree, and its qualnames are looked up on base.
            new_src = _read(os.path.join(patched_dir, info["new"])) if patched_dir and info["new"] else None
            if new_src is not None:
                names |= _targets_in(new_src, added)
            elif added_old:
                # No patched tree (phased mode): an added line belongs where it goes in, after a base line.
                names |= _targets_in(base_src, added_old)
        except SyntaxError as e:
            notes.append("%s: does not parse (%s): not call-captured" % (path, e.msg))
            continue
        on_base = {s[2] for s in _spans(base_src) if s[2]}
        root, module = module_of(base_dir, old)
        for q in sorted(names):
            if q in on_base:
                rel = os.path.relpath(root, base_dir)
                found[(module, q)] = {"module": module, "qualname": q, "file": old, "root": "" if rel == "." else rel}
            else:
                notes.append("%s.%s: new in the patch, covered through its callers" % (module, q))
    targets = list(found.values())
    if len(targets) > MAX_TARGETS:
        notes.append("%d changed functions: capturing the first %d" % (len(targets), MAX_TARGETS))
        targets = targets[:MAX_TARGETS]
    return targets, notes


def main(argv):
    args = dict(zip(argv[::2], argv[1::2]))
    with open(args["--diff"], encoding="utf-8", errors="replace") as f:
        diff = f.read()
    targets, notes = changed_targets(diff, args["--base"], args.get("--patched"))
    print(json.dumps({"targets": targets, "notes": notes}, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
