#!/usr/bin/env python3
"""Checks the host's architecture rules; exits 1 naming each breach.

1. No import circle between the library's top-level modules (host/src/<module>), nor between
   the modules of host/src/deploy/ and host/src/plugin/: every `crate::a` (or `super::a`)
   reference from module b is an edge b -> a, and the graph must have no cycle.
2. The library knows nothing of the command line: no clap, no printing to stdout or stderr,
   no process exit, no progress bars outside host/src/main.rs and host/src/cli/.
3. No product source file over 600 lines (tests excepted: `tests.rs`, `tests/`, and the
   `#[cfg(test)] mod tests` at the end of a file).
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


def edges(group_of, modules):
    graph = {m: set() for m in modules}
    for p, rel in lib_files():
        src = group_of(rel)
        if src is None or src not in graph:
            continue
        text = code_only(strip_tests(p.read_text()))
        for target in modules:
            if target == src:
                continue
            if re.search(rf"\b(crate|super)::{target}\b", text) or re.search(
                rf"\b(crate|super)::\{{[^}}]*\b{target}\b", text
            ):
                graph[src].add(target)
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
    top = sorted({rel.parts[0].removesuffix(".rs") for _, rel in lib_files()} - {"lib"})
    groups = {"library": (top, lambda rel: rel.parts[0].removesuffix(".rs"))}
    for sub in ("deploy", "plugin"):
        mods = sorted(p.stem for p in (SRC / sub).glob("*.rs") if p.stem not in ("mod", "tests"))
        groups[f"{sub}/"] = (
            mods,
            lambda rel, sub=sub: rel.stem if len(rel.parts) == 2 and rel.parts[0] == sub and rel.stem != "mod" else None,
        )
    for name, (mods, group_of) in groups.items():
        for comp in cycles(edges(group_of, mods)):
            problems.append(f"import circle among {name} modules: {' <-> '.join(comp)}")


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


check_circles()
check_no_cli_in_library()
check_sizes()
for line in problems:
    print(line)
if problems:
    sys.exit(1)
print("layers: no import circle, no command line in the library, no product file over 600 lines")
