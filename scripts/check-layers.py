#!/usr/bin/env python3
"""Checks the architecture rules of the host and of every plugin crate (plugins/**/src);
exits 1 naming each breach. Rules 1, 2 and 4 hold in every crate; rule 3 in the host.

1. No import circle between the top-level modules of a crate (host/src/<module>: the library's,
   and the binary's cli/, which sees the library as `ethwasm::`; plugins/<crate>/src/<module>):
   every reference from module b to
   `crate::a` (or `super::a`, `ethwasm::a`) is an edge b -> a, and the graph must have no cycle.
   A name the crate root re-exports (`crate::Result`) counts as the module that defines it.
2. Inside every folder with a mod.rs (host/src/deploy/, cli/, cli/commands/, plugins/miners/src/pos/,
   ...), the files,
   mod.rs among them, form a graph the same way: a `super::X` or `crate::<folder>::X` reference
   is an edge to the sibling file that defines X (or, for a subfolder, to the subfolder), also
   when mod.rs only re-exports X (`pub use name::{A, B}`), so an index never hides an edge.
   - No file may point back at its folder's mod.rs: a mod.rs is only an index (module docs,
     `mod` declarations, re-exports); a reference that resolves to something defined in mod.rs
     itself names the file and the item.
   - No import circle among the files of a folder.
   Test code (tests.rs, `tests/`, a trailing `#[cfg(test)] mod tests`) is left out of both graphs.
3. The library knows nothing of the command line: no clap, no printing to stdout or stderr,
   no process exit, no progress bars outside host/src/main.rs and host/src/cli/.
4. No product source file over 600 lines (tests excepted: `tests.rs`, `tests/`, and the
   `#[cfg(test)] mod tests` at the end of a file).
5. A mod.rs is only an index in every crate: module docs, `mod` declarations and `use` lines;
   no fn, type, impl, const or macro of its own (its `#[cfg(test)] mod tests` excepted).
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SRC = ROOT / "host" / "src"
LIMIT = 600
problems = []


def lib_files():
    for p in sorted(SRC.rglob("*.rs")):
        rel = p.relative_to(SRC)
        if rel.parts[0] in ("cli",) or rel.name == "main.rs":
            continue
        yield p, rel


def strip_tests(text):
    """The file without its trailing `#[cfg(test)] mod tests { ... }`."""
    m = re.search(r"\n#\[cfg\(test\)\]\s*\nmod tests\s*\{", text)
    return text[: m.start()] if m else text


def code_only(text):
    """Drops comments so doc text does not count as a reference."""
    return "\n".join(line.split("//", 1)[0] for line in text.splitlines())


# --- Reading Rust paths --------------------------------------------------------------------------

LEXEME = re.compile(
    r"//[^\n]*"  # line comment (doc comments included)
    r"|/\*.*?\*/"  # block comment
    r"|(?<![\w])b?r(#*)\".*?\"\1"  # raw string
    r"|b?\"(?:\\.|[^\"\\])*\""  # string
    r"|b?'(?:\\.|[^'\\])'",  # character
    re.S,
)
TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|::|\S")


def tokens(text):
    """The tokens of `text` without comments, strings and characters."""
    return TOKEN.findall(LEXEME.sub(" ", text))


def parse_tree(toks, i):
    """Parses a path or use tree at toks[i]; returns ([(segments, alias)], next index)."""
    segs, out = [], []
    while i < len(toks):
        t = toks[i]
        if t == "{":
            i += 1
            while i < len(toks) and toks[i] != "}":
                if toks[i] == ",":
                    i += 1
                    continue
                sub, i = parse_tree(toks, i)
                out += [(segs + s, a) for s, a in sub]
            return out, i + 1
        if t == "*":
            return [(segs + ["*"], None)], i + 1
        if not re.fullmatch(r"\w+", t):
            break
        segs.append(t)
        i += 1
        if i < len(toks) and toks[i] == "::":
            i += 1
            continue
        alias = None
        if i + 1 < len(toks) and toks[i] == "as":
            alias, i = toks[i + 1], i + 2
        return [(segs, alias)], i
    return ([(segs, None)] if segs else []), i


class File:
    """One source file: its crate ("lib" or "bin"), module path, uses, definitions, references."""

    def __init__(self, path, src, name):
        self.path = path
        self.rel = path.relative_to(src)
        self.shown = path.relative_to(ROOT)
        if name == "host":
            self.crate = "host:bin" if self.rel.parts[0] == "cli" or self.rel.name == "main.rs" else "host:lib"
        else:
            self.crate = f"{name}:lib"
        parts = list(self.rel.with_suffix("").parts)
        if parts[-1] in ("mod", "lib", "main"):
            parts.pop()
        self.module = tuple(parts)
        self.is_index = self.rel.name in ("mod.rs", "lib.rs", "main.rs")
        self.text = strip_tests(path.read_text())
        self.children = set()
        self.uses = {}  # name -> absolute (crate, path) it stands for, from this file's `use` lines
        self.defines = set()  # names of items defined here
        self.refs = []  # (absolute (crate, path), the reference as written)
        self._read()

    def _read(self):
        toks = tokens(self.text)
        scope = []  # (module path, brace depth) of inline `mod NAME { ... }` blocks
        depth = 0
        i = 0
        while i < len(toks):
            t = toks[i]
            module = scope[-1][0] if scope else self.module
            if t == "{":
                depth += 1
            elif t == "}":
                depth -= 1
                if scope and scope[-1][1] == depth:
                    scope.pop()
            elif t == "mod" and i + 2 < len(toks) and re.fullmatch(r"\w+", toks[i + 1]):
                if toks[i + 2] == "{":
                    if not scope:
                        self.defines.add(toks[i + 1])
                    scope.append((module + (toks[i + 1],), depth))
                    depth += 1
                    i += 3
                    continue
                if toks[i + 2] == ";" and not scope and toks[i + 1] != "tests":
                    self.children.add(toks[i + 1])
            elif t == "macro_rules" and i + 2 < len(toks) and toks[i + 1] == "!" and not scope:
                self.defines.add(toks[i + 2])
            elif (
                t in ("fn", "struct", "enum", "union", "trait", "type", "const", "static")
                and not scope
                and depth == 0
                and i + 1 < len(toks)
                and re.fullmatch(r"\w+", toks[i + 1])
                and toks[i + 1] not in ("fn", "mut", "_")
            ):
                self.defines.add(toks[i + 1])
            elif t == "use" and (i == 0 or toks[i - 1] != "::"):
                tree, j = parse_tree(toks, i + 1)
                for segs, alias in tree:
                    target = self.resolve(segs, module)
                    if target is None:
                        continue
                    if not scope and segs[-1] not in ("*", "self"):
                        self.uses[alias or segs[-1]] = target
                    elif not scope and segs[-1] == "self" and len(segs) > 1:
                        self.uses[alias or segs[-2]] = target
                    self.refs.append((target, "::".join(segs)))
                i = j
                continue
            elif (
                t in ("crate", "super", "self", "ethwasm") or (t in self.children and not scope)
            ) and (i == 0 or toks[i - 1] != "::") and i + 1 < len(toks) and toks[i + 1] == "::":
                tree, j = parse_tree(toks, i)
                for segs, _ in tree:
                    target = self.resolve(segs, module)
                    if target is not None:
                        self.refs.append((target, "::".join(segs)))
                i = j
                continue
            i += 1

    def resolve(self, segs, module):
        """The absolute (crate, path) of a path written in `module`, or None (std, a dependency)."""
        segs = [s for s in segs if s != "self"] if segs[:1] != ["self"] else segs
        if not segs:
            return None
        head = segs[0]
        if head == "crate":
            return self.crate, tuple(segs[1:])
        if head == "ethwasm" and self.crate == "host:bin":
            return "host:lib", tuple(segs[1:])
        if head in ("super", "self"):
            base = list(module)
            rest = list(segs)
            if rest[0] == "self":
                rest.pop(0)
            while rest and rest[0] == "super":
                if not base:
                    return None
                base.pop()
                rest.pop(0)
            return self.crate, tuple(base + rest)
        if module == self.module and head in self.children:
            return self.crate, self.module + tuple(segs)
        return None


def crate_roots():
    """(name, source root) of every crate checked: the host, and each plugin crate."""
    yield "host", SRC
    for lib in sorted((ROOT / "plugins").glob("**/src/lib.rs")):
        if "target" not in lib.parts:
            yield str(lib.parent.parent.relative_to(ROOT)), lib.parent


FILES = [
    File(p, src, name)
    for name, src in crate_roots()
    for p in sorted(src.rglob("*.rs"))
    if p.name != "tests.rs" and "tests" not in p.relative_to(src).parts
]
INDEX = {(f.crate, f.module): f for f in FILES if f.is_index}


def where(crate, path, seen=()):
    """Where `path` (a name inside some module) is defined: (index file, the file or folder of
    its module that defines it, the name), following re-exports; None outside the crates read."""
    for n in range(len(path) - 1, -1, -1):
        index = INDEX.get((crate, path[:n]))
        if index is None:
            continue
        name = path[n]
        if name in index.children:
            return index, name, name
        if name in index.uses and (crate, path[: n + 1]) not in seen:
            c, p = index.uses[name]
            found = where(c, p, seen + ((crate, path[: n + 1]),))
            if found is not None:
                return found
            return None
        if name in index.defines:
            return index, None, name
        return None
    return None


def node_of(f, folder):
    """The node of file `f` in the graph of `folder` (an index): its child, or None."""
    if f.crate != folder.crate or f.module[: len(folder.module)] != folder.module:
        return None
    if f.module == folder.module:
        return "mod.rs" if f.is_index else None
    return f.module[len(folder.module)]


def label(folder, node):
    if node == "mod.rs":
        return folder.rel.name
    return f"{node}/" if (folder.path.parent / node).is_dir() else f"{node}.rs"


def folder_graph(folder):
    """Edges between the files (and subfolders) of `folder`; back-arrows to its index."""
    nodes = {"mod.rs"} | folder.children
    graph = {n: set() for n in nodes}
    back = []
    for f in FILES:
        src = node_of(f, folder)
        if src is None:
            continue
        for (crate, path), written in f.refs:
            if crate != folder.crate or path[: len(folder.module)] != folder.module:
                continue
            if len(path) <= len(folder.module):
                continue
            found = where(crate, path[: len(folder.module) + 1])
            if found is None:
                continue
            index, child, name = found
            if index is not folder:
                # Re-exported from another folder: that folder's graph sees it.
                dst = None
            else:
                dst = child or "mod.rs"
            if dst is None or dst == src:
                continue
            graph[src].add(dst)
            if dst == "mod.rs":
                back.append((f, written, name))
    return graph, back


def top_graph(lib):
    """Edges between the top-level modules of crate `lib` (and, for the host, the binary's
    cli/, which sees the library as `ethwasm::`)."""
    lib_root = INDEX[(lib, ())]
    nodes = set(lib_root.children) | ({"cli"} if lib == "host:lib" else set())
    graph = {n: set() for n in nodes}
    for f in FILES:
        if not f.module or f.crate not in (lib, "host:bin" if lib == "host:lib" else None):
            continue
        src = f.module[0]
        if src not in graph:
            continue
        for (crate, path), _ in f.refs:
            if crate != lib or not path:
                continue
            found = where(lib, path[:1])
            if found is None or found[0] is not lib_root:
                continue
            dst = found[1]
            if dst and dst != src and dst in graph:
                graph[src].add(dst)
    return graph


def cycles(graph):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def check_circles():
    for lib in sorted({f.crate for f in FILES if f.crate.endswith(":lib")}):
        for comp in cycles(top_graph(lib)):
            problems.append(f"import circle among the top-level modules of {lib[:-4]}: {' <-> '.join(comp)}")
    for folder in sorted((f for f in FILES if f.rel.name == "mod.rs"), key=lambda f: f.shown):
        graph, back = folder_graph(folder)
        where_ = f"{folder.shown.parent}/"
        reported = set()
        for f, written, name in back:
            if (f.shown, name) in reported:
                continue
            reported.add((f.shown, name))
            problems.append(
                f"{f.shown} -> {folder.shown}: `{written}` is `{name}`, defined in mod.rs; "
                f"a mod.rs is only an index: move `{name}` into a file of its own and re-export it"
            )
        for comp in cycles(graph):
            problems.append(f"import circle among {where_} files: {' <-> '.join(label(folder, n) for n in comp)}")


def check_no_cli_in_library():
    banned = [
        (r"\bclap\b", "clap"),
        (r"\b(e?print(ln)?)!", "printing"),
        (r"std::process::exit", "process exit"),
        (r"\bindicatif\b", "progress bars"),
    ]
    for p, rel in lib_files():
        text = code_only(strip_tests(p.read_text()))
        for pattern, what in banned:
            if re.search(pattern, text):
                problems.append(f"host/src/{rel}: {what} in the library (belongs in host/src/cli/)")


def check_sizes():
    for base in [SRC, *sorted((ROOT / "plugins").glob("*/src"))]:
        for p in sorted(base.rglob("*.rs")):
            if p.name == "tests.rs" or "tests" in p.relative_to(ROOT).parts or "target" in p.parts:
                continue
            n = strip_tests(p.read_text()).count("\n")
            if n > LIMIT:
                problems.append(f"{p.relative_to(ROOT)}: {n} lines of product code (limit {LIMIT})")


def check_indexes():
    item = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?(fn|struct|enum|union|impl|trait|const|static|type|macro_rules!)\b", re.M)
    for f in FILES:
        if f.rel.name != "mod.rs":
            continue
        found = sorted({m.group(1) for m in item.finditer(code_only(f.text))})
        if found:
            problems.append(
                f"{f.shown}: a mod.rs is only an index, but this one defines items ({', '.join(found)}); "
                "move them into files named for what they are"
            )


check_circles()
check_indexes()
check_no_cli_in_library()
check_sizes()
for line in problems:
    print(line)
if problems:
    sys.exit(1)
print(
    f"layers ({len({f.crate for f in FILES})} crates, {len(FILES)} files): no import circle among modules or the "
    "files of a folder, no arrow back to a mod.rs, no command line in the library, no product file over 600 lines"
)
