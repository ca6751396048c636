#!/usr/bin/env python3
"""Runs the book's examples, and checks that every one it does not run says why.

A fenced block whose info string carries `run` (```sh,run) is run with bash (`set -euo
pipefail`), each page's blocks in order in one scratch directory, target/doc-examples/<page>/,
where charts/, plugins/, scripts/, examples/ and target/ are links into this checkout and
target/release is first on PATH, so a block reads as a user types it at the top of a checkout.
Processes a block starts in the background are killed when it ends; a block gets 15 minutes.

Every other block in a shell, Rust or console language must be marked as not run, with the
reason, by an HTML comment (invisible in the book):
- `<!-- not run: REASON -->` on the line before its fence, or
- `<!-- examples not run: REASON -->` anywhere above it in the page, for all the page's blocks.

Exits 1 naming each failing block (file and line, the tail of its output) or unmarked block.
Usage: run-doc-examples.py [PAGE.md ...]   (default: every page of docs/)
"""
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SCRATCH = ROOT / "target" / "doc-examples"
CODE_LANGS = {"sh", "bash", "shell", "console", "rust"}
LINKED = ["charts", "plugins", "scripts", "examples", "target", "wit"]
TIMEOUT = 15 * 60
FENCE = re.compile(r"^```(\S*)\s*$")
NOT_RUN = re.compile(r"<!--\s*not run:\s*(\S.*?)\s*-->")
PAGE_NOT_RUN = re.compile(r"<!--\s*examples not run:\s*(\S.*?)\s*-->")


def blocks(path):
    """(line number, language, attributes, code, why not run or None) of each fenced block."""
    lines = path.read_text().splitlines()
    page_reason = None
    i = 0
    while i < len(lines):
        if PAGE_NOT_RUN.search(lines[i]):
            page_reason = PAGE_NOT_RUN.search(lines[i]).group(1)
        m = FENCE.match(lines[i])
        if not m or not m.group(1):
            if m:  # a fence with no language: skip to its end
                i += 1
                while i < len(lines) and not lines[i].startswith("```"):
                    i += 1
            i += 1
            continue
        lang, *attrs = m.group(1).split(",")
        start = i
        i += 1
        body = []
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        before = NOT_RUN.search(lines[start - 1]) if start else None
        reason = before.group(1) if before else page_reason
        yield start + 1, lang, attrs, "\n".join(body) + "\n", reason
        i += 1


def scratch_dir(page):
    d = SCRATCH / page.relative_to(DOCS).with_suffix("")
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    for name in LINKED:
        (d / name).symlink_to(ROOT / name)
    return d


def run(code, cwd):
    """Runs `code` in `cwd`: (exit status, output). The output goes to a file, not a pipe, so a
    process left in the background cannot hold the block open."""
    env = dict(os.environ)
    env["PATH"] = f"{ROOT / 'target' / 'release'}:{env.get('PATH', '')}"
    env.pop("KUBECONFIG", None)
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            ["bash", "-c", "set -euo pipefail\n" + code],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            status = proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            status = "timed out"
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # whatever the block left in the background
            except ProcessLookupError:
                pass
            proc.wait()
        log.seek(0)
        return status, log.read().decode(errors="replace")


def main(pages):
    problems, ran, skipped = [], 0, 0
    for page in pages:
        where = page.relative_to(ROOT)
        cwd = None
        for line, lang, attrs, code, reason in blocks(page):
            if "run" in attrs:
                cwd = cwd or scratch_dir(page)
                started = time.monotonic()
                status, out = run(code, cwd)
                took = time.monotonic() - started
                ran += 1
                if status != 0:
                    tail = "\n".join("    " + l for l in out.rstrip().splitlines()[-25:])
                    problems.append(f"{where}:{line}: the example failed ({status}) after {took:.0f} s:\n{tail}")
                else:
                    print(f"ran {where}:{line} ({took:.1f} s)")
            elif lang in CODE_LANGS:
                if reason is None:
                    problems.append(
                        f"{where}:{line}: a ```{lang} example that is not run and does not say why: mark it "
                        "```" + lang + ",run, or put <!-- not run: REASON --> on the line before it"
                    )
                else:
                    skipped += 1
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print(f"doc examples: {ran} run, {skipped} marked as not run with a reason")


if __name__ == "__main__":
    given = [pathlib.Path(a).resolve() for a in sys.argv[1:]]
    main(given or sorted(p for p in DOCS.rglob("*.md") if "book" not in p.relative_to(DOCS).parts))
