#!/usr/bin/env python3
"""Checks the documentation (README.md and the book in docs/); exits 1 naming each breach.

1. Links: every relative link in a Markdown file names a file or directory that exists, and a
   `#fragment` (in the same file or another Markdown file) names a heading there, slugged as
   GitHub and mdBook slug them. External links (http, https, mailto) are not fetched.
2. Commands and flags: every `ethwasm SUBCOMMAND ... --flag` in a code block or an inline code
   span names a subcommand the binary has and a flag that subcommand's `--help` lists (global
   flags count for every subcommand). The binary is target/release/ethwasm (`make build`).
3. The book's table of contents (docs/SUMMARY.md) lists every Markdown file of docs/ except the
   research notes' own index pages, so no chapter is left out of the book.

Examples are not executed here: most need a cluster, images or minutes of key derivation. The
commands and flags they use are checked against the binary instead, and the test suite runs
the same commands (README "Tests", docs/tests.md).

mdBook has no link checker of its own; this script is ours (no network, standard library only).
"""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
BIN = ROOT / "target" / "release" / "ethwasm"
problems = []


def markdown_files():
    yield ROOT / "README.md"
    yield from sorted(p for p in DOCS.rglob("*.md") if "book" not in p.relative_to(DOCS).parts[:1])
    for extra in ["wit/README.md", "tests/lodestar/README.md", "examples/README.md"]:
        if (ROOT / extra).exists():
            yield ROOT / extra


def strip_code(text):
    """The text without fenced code blocks (links inside them are not links)."""
    out, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            out.append("")
            continue
        out.append("" if fenced else line)
    return "\n".join(out)


def slug(heading):
    """GitHub's and mdBook's anchor of a heading: lower case, punctuation dropped, spaces to -."""
    text = re.sub(r"`([^`]*)`", r"\1", heading.strip()).lower()
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


def anchors(path, cache={}):
    if path not in cache:
        found = set()
        counts = {}
        for line in strip_code(path.read_text()).splitlines():
            m = re.match(r"^#{1,6} (.*)", line)
            if m:
                s = slug(m.group(1))
                n = counts.get(s, 0)
                found.add(s if n == 0 else f"{s}-{n}")
                counts[s] = n + 1
        cache[path] = found
    return cache[path]


def check_links(path):
    text = strip_code(path.read_text())
    text = re.sub(r"`[^`\n]*`", "", text)
    for m in re.finditer(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", text):
        target = m.group(1)
        if re.match(r"^(https?|mailto):", target):
            continue
        file_part, _, fragment = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        where = f"{path.relative_to(ROOT)}: link ({target})"
        if not dest.exists():
            problems.append(f"{where}: {file_part} does not exist")
            continue
        if fragment and dest.suffix == ".md" and fragment not in anchors(dest):
            problems.append(f"{where}: no heading #{fragment} in {dest.relative_to(ROOT)}")


def help_text(args, cache={}):
    key = tuple(args)
    if key not in cache:
        out = subprocess.run([str(BIN), *args, "--help"], capture_output=True, text=True)
        cache[key] = out.stdout if out.returncode == 0 else None
    return cache[key]


def subcommands():
    text = help_text([]) or ""
    names, in_list = set(), False
    for line in text.splitlines():
        if line.startswith("Commands:"):
            in_list = True
            continue
        if in_list:
            m = re.match(r"^  (\S+)", line)
            if m:
                names.add(m.group(1))
            elif line and not line.startswith(" "):
                in_list = False
    return names


def command_lines(path):
    """`ethwasm ...` invocations: lines of code blocks, and inline code spans."""
    text = path.read_text()
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            yield line.split(" #", 1)[0], True
        else:
            yield from ((span, False) for span in re.findall(r"`([^`]*ethwasm [^`]*)`", line))


def check_commands(path, subs):
    for line, fenced in command_lines(path):
        for m in re.finditer(r"(?:^|[\s/(])ethwasm ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)((?:[^|;&`]*))", line):
            words = m.group(1).split()
            if not words or words[0] not in subs:
                # In a code block, `ethwasm WORD` is a command; in prose it may be a sentence.
                if fenced and words and line.lstrip().startswith(("ethwasm", "target/release/ethwasm")):
                    problems.append(f"{path.relative_to(ROOT)}: `ethwasm {words[0]}` is not a command")
                continue
            cmd = words[:1]
            if len(words) > 1 and help_text(words[:2]) is not None and words[0] in ("plugin", "chart", "registry"):
                cmd = words[:2]
            helptext = help_text(cmd)
            if helptext is None:
                problems.append(f"{path.relative_to(ROOT)}: `ethwasm {' '.join(cmd)}` is not a command")
                continue
            rest = (" ".join(words[len(cmd):]) + " " + m.group(2))
            for flag in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", rest):
                if flag not in helptext and flag not in (help_text([]) or ""):
                    problems.append(f"{path.relative_to(ROOT)}: `ethwasm {' '.join(cmd)}` has no flag {flag}")


def check_summary():
    summary = DOCS / "SUMMARY.md"
    if not summary.exists():
        problems.append("docs/SUMMARY.md is missing")
        return
    listed = {(DOCS / m).resolve() for m in re.findall(r"\]\(([^)#]+\.md)\)", summary.read_text())}
    for p in sorted(DOCS.rglob("*.md")):
        if p.name == "SUMMARY.md" or p.relative_to(DOCS).parts[0] == "book":
            continue
        if p.resolve() not in listed:
            problems.append(f"{p.relative_to(ROOT)} is not in docs/SUMMARY.md")


if not BIN.exists():
    sys.exit(f"{BIN.relative_to(ROOT)} is missing: run `make build` first")
subs = subcommands()
for md in markdown_files():
    check_links(md)
    check_commands(md, subs)
check_summary()
for line in problems:
    print(line)
if problems:
    sys.exit(1)
print("docs: every link, anchor, command and flag checked; every chapter in SUMMARY.md")
