#!/usr/bin/env python3
"""Find circles of imports between the module files of one directory of the crate.

Usage:
    contrib/import_cycles.py DIR [DIR ...]      e.g. src/cli src/bench src/verify
    contrib/import_cycles.py --uses FILE [...]  e.g. src/second_level.rs

For each DIR it builds the graph "module file A imports sibling module B", prints every circle
(each strongly connected component of two or more modules, with the lines that close it) and
exits 1 when there is any, else prints "no cycles" and exits 0. With --uses it prints, for
each FILE, the crate-level modules the file names (`crate::X::...`, `super::X` at the crate
root) and the paths it reaches them by; it never fails.

What counts as an import of sibling B by file A (A is `A.rs` in DIR, `mod` is `DIR/mod.rs`):
  - `use super::B...`, `super::B::` in code, `use crate::DIR::B...`, `crate::DIR::B::` in code;
  - from a child, `super::X` / `crate::DIR::X` where X is defined in mod.rs itself counts as
    A -> mod; where X is only re-exported by mod.rs (`use B::X` there), it counts as A -> B,
    the file X really comes from; X re-exported from outside DIR counts for nothing;
  - mod.rs naming `B::...` (bare, `self::B::` or `crate::DIR::B::`) counts as mod -> B, but its
    `mod B;` declaration does not: declaring a child is not using it.
Comments (doc comments and their intra-doc links included) and string literals are skipped.
`super::` inside inline modules (`mod tests { use super::super::X; }`) is resolved by counting
the enclosing braces, so test code counts as what it is: code of the file that holds it.
Subdirectories of DIR are nodes (`X/` is module X) but the files inside them are not read.
"""

import re
import sys
from pathlib import Path

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip_comments_and_strings(text):
    """Blanks out comments and the contents of string and char literals, keeping newlines so
    line numbers stay right; lifetimes (`'a`) are left alone."""
    out = []
    i, n = 0, len(text)

    def blank(chunk):
        return "".join(c if c == "\n" else " " for c in chunk)

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(blank(text[i:j]))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(blank(text[i:j]))
            i = j
        elif re.match(r'b?r#*"', text[i:i + 40]) and (i == 0 or not re.match(r"\w", text[i - 1])):
            m = re.match(r'(b?r)(#*)"', text[i:])
            close = '"' + m.group(2)
            j = text.find(close, i + m.end())
            j = n if j < 0 else j + len(close)
            out.append('""' + blank(text[i + 2:j]))
            i = j
        elif c == '"' or (c == "b" and text.startswith('b"', i) and (i == 0 or not re.match(r"\w", text[i - 1]))):
            j = i + (2 if c == "b" else 1)
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append('""' + blank(text[i + 2:j]))
            i = j
        elif c == "'":
            m = re.match(r"'(\\.[^']*|[^\\'])'", text[i:i + 16])
            if m:
                out.append("' '" + blank(text[i + 3:i + m.end()]))
                i += m.end()
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def inline_mod_depths(code):
    """For every offset of `code`, how many inline `mod name { ... }` blocks enclose it."""
    depths = [0] * (len(code) + 1)
    opens = {m.end() - 1 for m in re.finditer(r"\bmod\s+" + IDENT + r"\s*\{", code)}
    brace, stack = 0, []
    for i, c in enumerate(code):
        if c == "{":
            brace += 1
            if i in opens:
                stack.append(brace)
        depths[i] = len(stack)
        if c == "}":
            if stack and stack[-1] == brace:
                stack.pop()
            brace -= 1
    return depths


def split_top(text, sep=","):
    """Splits a use-tree list at the commas that are not inside braces."""
    parts, depth, cur = [], 0, []
    for c in text:
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        if c == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def expand_use_tree(tree, prefix=()):
    """`a::{b, c::{d as e}}` -> [(['a','b'], 'b'), (['a','c','d'], 'e')]: each path and the name
    it binds."""
    tree = re.sub(r"\s+", " ", tree).strip()
    if tree.startswith("::"):
        tree = tree[2:]
    brace = tree.find("{")
    if brace >= 0:
        head = [s.strip() for s in tree[:brace].split("::") if s.strip()]
        inner = tree[brace + 1:tree.rfind("}")]
        result = []
        for part in split_top(inner):
            result += expand_use_tree(part, prefix + tuple(head))
        return result
    alias = None
    m = re.match(r"(.*?)\s+as\s+(" + IDENT + r")$", tree)
    if m:
        tree, alias = m.group(1), m.group(2)
    segs = [s.strip() for s in tree.split("::") if s.strip()]
    path = list(prefix) + segs
    if segs == ["self"]:
        path = list(prefix)
    bound = alias or (path[-1] if path else None)
    return [(path, bound)]


class Dir:
    def __init__(self, path):
        self.path = Path(path)
        # Where the directory sits below the crate root (src/), as `crate::` paths name it.
        parts = self.path.resolve().parts
        self.crate_parts = list(parts[parts.index("src") + 1:]) if "src" in parts else [self.path.name]
        self.files = {}
        for f in sorted(self.path.iterdir()):
            if f.is_file() and f.suffix == ".rs":
                self.files["mod" if f.stem == "mod" else f.stem] = f
            elif f.is_dir():
                self.files.setdefault(f.name, None)
        self.children = {name for name in self.files if name != "mod"}
        self.reexports = {}  # name bound in mod.rs by a `use` -> child it comes from, or None
        self.edges = {}  # (from, to) -> first evidence "file:line: path"
        self.parsed = {}
        for name, f in self.files.items():
            if f is not None:
                self.parsed[name] = self.parse(f)
        if "mod" in self.parsed:
            for path, bound, line, depth in self.parsed["mod"][0]:
                if depth == 0 and bound and bound != "*":
                    self.reexports[bound] = self.child_of_mod_path(path)
        for name, (uses, paths) in self.parsed.items():
            for path, _bound, line, depth in uses + paths:
                target = self.resolve(name, path, depth)
                if target and target != name:
                    where = f"{self.files[name]}:{line}: {'::'.join(path)}"
                    self.edges.setdefault((name, target), where)

    def parse(self, f):
        code = strip_comments_and_strings(f.read_text())
        depths = inline_mod_depths(code)

        def line_of(pos):
            return code.count("\n", 0, pos) + 1

        uses = []
        for m in re.finditer(r"\buse\s+([^;]+);", code):
            for path, bound in expand_use_tree(m.group(1)):
                uses.append((path, bound, line_of(m.start()), depths[m.start()]))
        # Paths in code: blank the use statements first so they are not counted twice.
        rest = re.sub(r"\buse\s+[^;]+;", lambda m: re.sub(r"[^\n]", " ", m.group(0)), code)
        paths = []
        pattern = r"(?<![\w:])(" + IDENT + r"(?:\s*::\s*(?:" + IDENT + r"|\*))+)"
        for m in re.finditer(pattern, rest):
            path = [s.strip() for s in m.group(1).split("::")]
            paths.append((path, None, line_of(m.start()), depths[m.start()]))
        return uses, paths

    def child_of_mod_path(self, path):
        """The child a path written in mod.rs (at its top level) leads into, if any."""
        segs = list(path)
        if segs[:1] == ["self"]:
            segs = segs[1:]
        elif segs[:1] == ["crate"]:
            k = len(self.crate_parts)
            if segs[1:k + 1] != self.crate_parts:
                return None
            segs = segs[k + 1:]
        elif segs[:1] == ["super"]:
            return None
        return segs[0] if segs and segs[0] in self.children else None

    def in_dir(self, current, rest):
        """Target of a path that starts at the directory's module (mod.rs) with `rest`."""
        if current == "mod":
            return rest[0] if rest and rest[0] in self.children else None
        if not rest or rest[0] == "*":
            return "mod"
        if rest[0] in self.children:
            return rest[0]
        if rest[0] in self.reexports:
            return self.reexports[rest[0]]
        return "mod"

    def resolve(self, current, path, depth):
        segs = list(path)
        if not segs:
            return None
        if segs[0] == "crate":
            k = len(self.crate_parts)
            if segs[1:k + 1] != self.crate_parts:
                return None
            return self.in_dir(current, segs[k + 1:])
        if segs[0] == "self":
            if depth > 0:
                return None
            return self.in_dir(current, segs[1:]) if current == "mod" else None
        if segs[0] == "super":
            ups = 0
            while ups < len(segs) and segs[ups] == "super":
                ups += 1
            level = depth - ups  # 0: this file's module, -1: its parent, ...
            if current == "mod":
                return self.in_dir(current, segs[ups:]) if level == 0 else None
            return self.in_dir(current, segs[ups:]) if level == -1 else None
        if current == "mod" and segs[0] in self.children:
            # Bare `child::x` in mod.rs (or in its test module, through `use super::*`).
            return segs[0]
        return None


def strongly_connected(nodes, edges):
    """Tarjan's algorithm; returns the components with more than one node."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    succ = {n: sorted(b for (a, b) in edges if a == n) for n in nodes}
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in succ[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def check_dir(path):
    d = Dir(path)
    cycles = strongly_connected(d.files.keys(), d.edges)
    label = str(path).rstrip("/")
    if not cycles:
        print(f"{label}: no cycles ({len(d.edges)} imports between {len(d.files)} modules)")
        return False
    for comp in cycles:
        print(f"{label}: cycle among {', '.join(comp)}")
        for (a, b), where in sorted(d.edges.items()):
            if a in comp and b in comp:
                print(f"  {a} -> {b}    {where}")
    return True


def report_uses(path):
    f = Path(path)
    code = strip_comments_and_strings(f.read_text())
    found = {}
    for m in re.finditer(r"\buse\s+([^;]+);", code):
        for segs, _ in expand_use_tree(m.group(1)):
            if segs[:1] == ["crate"] and len(segs) > 1:
                found.setdefault(segs[1], set()).add("::".join(segs))
    rest = re.sub(r"\buse\s+[^;]+;", " ", code)
    for m in re.finditer(r"(?<![\w:])crate\s*::\s*(" + IDENT + r"(?:\s*::\s*" + IDENT + r")*)", rest):
        segs = [s.strip() for s in m.group(1).split("::")]
        found.setdefault(segs[0], set()).add("crate::" + "::".join(segs))
    print(f"{path} uses:")
    for module in sorted(found):
        print(f"  {module}: {', '.join(sorted(found[module]))}")


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    if argv[0] == "--uses":
        for path in argv[1:]:
            report_uses(path)
        return 0
    any_cycle = False
    for path in argv:
        any_cycle |= check_dir(path)
    return 1 if any_cycle else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
