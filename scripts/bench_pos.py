#!/usr/bin/env python3
"""Proof-of-stake render benchmark: whole `ethwasm render` processes (secrets + genesis
plugins: validator keys, keystores, genesis.json, genesis.ssz) for 64, 1,024 and 16,384
validators, with each process's peak RSS:
- cold: an empty cache directory (the plugins' JIT included);
- compiled: compile cache filled, a new seed each run, so every key is derived again;
- warm: the same seed again, so the renders come from the render cache (medians).

Budgets (issue "Proof of stake 1 of 2"): 64 validators cold <= 3 s and warm <= 150 ms;
1,024 <= 5 s; 16,384 <= 60 s with peak memory <= 1 GiB.

Usage: python3 scripts/bench_pos.py [--runs N] [--sizes 64,1024,16384]
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ETHWASM = os.path.join(ROOT, "target/release/ethwasm")
SEED = "01" * 32


def render(validators, cache, seed=SEED):
    args = [
        ETHWASM, "render",
        "--plugins", os.path.join(ROOT, "target/plugins/secrets.wasm"),
        "--plugins", os.path.join(ROOT, "target/plugins/genesis.wasm"),
        "--set", "global.consensus=pos", "--set", "genesis.consensus=pos",
        "--set", "genesis.pos.genesisTime=1767225600",
        "--set", f"global.topology.validators={validators}",
        # A fixed creation time: it is part of what a plugin receives (WIT 0.2.0), so without
        # it a run in another second would miss the render cache.
        "--seed", seed, "--created", "1767225000", "--no-notes", "--cache-dir", cache,
        # 16,384 validators need more than the 10 s and 16 MiB defaults (the chart sets them).
        "--plugin-timeout", "5m", "--max-output", "64Mi",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    took = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"render of {validators} validators failed: {p.stderr.decode()}")
    # ru_maxrss of children is the largest so far: meaningful for a run larger than the ones
    # before it, which is why sizes run in ascending order and cold runs first.
    rss = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return took, rss * 1024, len(p.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="64,1024,16384")
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    print("| validators | cold | compiled (median) | warm (median) | peak RSS | output |")
    print("|---|---|---|---|---|---|")
    for n in sorted(sizes):
        cache = tempfile.mkdtemp(prefix="ethwasm-bench-cache-")
        try:
            cold, rss, size = render(n, cache)
            runs = a.runs if n <= 1024 else 1
            compiled = statistics.median(render(n, cache, f"{i + 2:02x}" * 32)[0] for i in range(runs))
            warm = statistics.median(render(n, cache)[0] for _ in range(a.runs))
        finally:
            shutil.rmtree(cache, ignore_errors=True)
        print(f"| {n} | {cold:.2f} s | {compiled * 1000:.0f} ms | {warm * 1000:.0f} ms | {rss / 2**20:.0f} MiB "
              f"| {size / 2**20:.1f} MiB |", flush=True)


if __name__ == "__main__":
    main()
