#!/usr/bin/env python3
"""ethwasm render benchmark: whole-process timings and peak memory.

Measures, with the release binary and the built plugins:
  - the default chart, cold (empty compile cache) and warm (cache hot), as a whole process;
  - `kubectl kustomize` over a folder holding the same rendered YAML, for comparison;
  - key speed (issue 27), each a whole process with a new seed so every key is derived again:
    the default chart, 1,024 and 16,384 validators (the whole chart), and Clique with 1,000
    generated accounts, for a chain created from 2026-12-07 (chart 0.2's defaults);
  - scrypt scaling: 2, 20 and 100 signers with the light and standard presets;
  - deploy: `ethwasm deploy` of the default chart (render included) against
    `kubectl apply --server-side` of the same rendered YAML, both whole processes talking to the
    fake API server (target/release/fake-apiserver) over HTTP, with 0, 2 and 5 ms per request.
Peak memory is the maximum resident set size of the ethwasm process (wait4 rusage).
Usage: scripts/bench.py [--quick | --render]   (--quick skips the 100-signer standard-scrypt run;
--render stops after the default chart's renders)
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target/release/ethwasm")
FAKE = os.path.join(ROOT, "target/release/fake-apiserver")
CHART = os.path.join(ROOT, "charts/ethereum")
SEED = "ab" * 32


def run(argv, env=None):
    """Runs argv; returns (seconds, peak RSS in MiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - start
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"bench: {' '.join(argv)} failed:\n{err}")
    return took, usage.ru_maxrss / 1024


def series(label, make_argv, n, setup=None):
    times, peaks = [], []
    for i in range(n):
        if setup:
            setup(i)
        t, m = run(make_argv(i))
        times.append(t)
        peaks.append(m)
    med = statistics.median(times)
    print(f"{label:<44} median {med * 1000:8.1f} ms   min {min(times) * 1000:8.1f} ms   "
          f"max {max(times) * 1000:8.1f} ms   peak RSS {max(peaks):6.1f} MiB   (n={n})")
    return med


def interleaved(a, b, n):
    """Runs a and b alternately, n times each; prints both like `series`; returns the medians."""
    results = {a[0]: ([], []), b[0]: ([], [])}
    for i in range(n):
        for label, make_argv in (a, b) if i % 2 == 0 else (b, a):
            t, m = run(make_argv(i))
            results[label][0].append(t)
            results[label][1].append(m)
    meds = []
    for label, _ in (a, b):
        times, peaks = results[label]
        med = statistics.median(times)
        meds.append(med)
        print(f"{label:<44} median {med * 1000:8.1f} ms   min {min(times) * 1000:8.1f} ms   "
              f"max {max(times) * 1000:8.1f} ms   peak RSS {max(peaks):6.1f} MiB   (n={n}, interleaved)")
    return meds


def main():
    quick = "--quick" in sys.argv
    for p in (BIN, os.path.join(CHART, "chart.lock")):
        if not os.path.exists(p):
            sys.exit(f"bench: {p} is missing; run `make build` first")
    work = tempfile.mkdtemp(prefix="ethwasm-bench-")
    try:
        render = [BIN, "render", CHART, "--seed", SEED, "--created", "1700000000", "--no-notes"]
        cold_dirs = [os.path.join(work, f"cold-{i}") for i in range(10)]
        print("== default chart (proof of stake: 4 signer nodes, 64 validators, 1 RPC node, ethstats)")
        cold = series("render, cold compile cache", lambda i: render + ["--cache-dir", cold_dirs[i]], 10)
        warm_dir = os.path.join(work, "warm")
        run(render + ["--cache-dir", warm_dir])
        # A new seed each run: every key derived again (the compile cache only).
        seeded = lambda i: [BIN, "render", CHART, "--seed", f"{i % 250 + 2:02x}" * 32, "--no-notes"]  # noqa: E731
        series("render, warm compile cache, new seed", lambda i: seeded(i) + ["--cache-dir", warm_dir], 30)
        # The mixed-clients example (four execution and four consensus clients) against the default,
        # run for run, each with seeds no other run used (no render cache for either).
        mixed = ["-f", os.path.join(CHART, "examples", "mixed-clients.yaml")]
        plain_med, mixed_med = interleaved(
            ("default chart, new seed", lambda i: seeded(i + 100) + ["--cache-dir", warm_dir]),
            ("mixed-clients example, new seed", lambda i: seeded(i + 150) + ["--cache-dir", warm_dir] + mixed), 20)
        print(f"budget: mixed clients <= 2x the default: {mixed_med / plain_med:.2f}x")
        out = os.path.join(work, "rendered")
        run(render + ["--cache-dir", warm_dir, "--output-dir", out])
        files = sorted(f for f in os.listdir(out) if f.endswith(".yaml"))
        with open(os.path.join(out, "kustomization.yaml"), "w") as f:
            f.write("resources:\n" + "".join(f"- {x}\n" for x in files))
        # The same seed: the renders come from the render cache as well. Interleaved with
        # `kubectl kustomize` of the same YAML, run for run, so both see the same machine.
        warm_argv = render + ["--cache-dir", warm_dir]
        if shutil.which("kubectl"):
            warm, kustomize = interleaved(
                ("render, warm compile and render caches", lambda i: warm_argv),
                ("kubectl kustomize (same YAML)", lambda i: ["kubectl", "kustomize", out]), 40)
        else:
            warm, kustomize = series("render, warm compile and render caches", lambda i: warm_argv, 40), None
        print(f"budgets: warm <= 25 ms: {warm * 1000:.1f} ms; cold <= 1 s: {cold * 1000:.0f} ms"
              + (f"; warm vs kubectl kustomize <= 0.5x: {warm / kustomize:.2f}x" if kustomize else ""))
        key_speed(warm_dir, cold)
        if "--render" in sys.argv:
            return

        print("== scrypt scaling (warm compile cache)")
        for signers in (2, 20, 100):
            for preset in ("light", "standard"):
                if quick and preset == "standard" and signers == 100:
                    continue
                n = 3 if (preset == "light" or signers == 2) else 1
                argv = ["--cache-dir", warm_dir, "--set", f"global.topology.signers={signers}",
                        "--set", f"secrets.scrypt={preset}"]
                # New seeds, so scrypt runs every time rather than coming from the render cache.
                series(f"{signers:>3} signers, {preset} scrypt", lambda i, a=argv: seeded(i) + a, n)

        if shutil.which("kubectl") and os.path.exists(FAKE):
            deploy_vs_kubectl(work, warm_dir)
        else:
            print("== deploy vs kubectl: skipped (needs kubectl and target/release/fake-apiserver)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


# A chain created on 2026-12-07 (GENESIS_DEFAULTS_V2): what every new chain renders from then on.
CREATED_V2 = "1796601600"


def key_speed(warm_dir, cold):
    """Issue 27's budgets: first renders with a new seed (every key derived again), compile cache
    warm; the cold render is measured above."""
    print("== key speed (issue 27): new seed each run, compile cache warm, chain created 2026-12-07")
    base = lambda i: [BIN, "render", CHART, "--seed", f"{i % 200 + 40:02x}" * 32, "--no-notes",  # noqa: E731
                      "--created", CREATED_V2, "--cache-dir", warm_dir]
    first = series("default chart, first render", base, 20)
    v1k = series("1,024 validators", lambda i: base(i + 20) + ["--set", "global.topology.validators=1024"], 5)
    big = ["--set", "global.topology.validators=16384", "--plugin-timeout", "5m", "--max-output", "64Mi"]
    v16k = series("16,384 validators", lambda i: base(i + 30) + big, 3)
    clique = ["--set", "genesis.consensus=clique", "--set", "secrets.accounts.generate=1000"]
    c1k = series("Clique, 1,000 generated accounts", lambda i: base(i + 40) + clique, 5)
    print(f"budgets: first render <= 120 ms: {first * 1000:.0f} ms; cold <= 0.6 s: {cold * 1000:.0f} ms; "
          f"16,384 validators <= 8 s: {v16k:.2f} s; Clique 1,000 <= 2 s: {c1k:.2f} s "
          f"(1,024 validators: {v1k:.2f} s)")


def deploy_vs_kubectl(work, cache_dir, n=10):
    """Each run installs into a namespace of its own on one fake API server per latency."""
    for latency in (0, 2, 5):
        kc = os.path.join(work, f"kubeconfig-{latency}")
        namespaces = ",".join(f"{tool}-{i}" for i in range(n) for tool in ("kubectl", "ethwasm"))
        server = subprocess.Popen([FAKE, kc, namespaces, str(latency)], stdout=subprocess.PIPE)
        try:
            server.stdout.readline()  # "ready"
            base = ["--kubeconfig", kc]
            print(f"== deploy of the default chart to the fake API server, {latency} ms per request")
            manifests = []
            for i in range(n):
                path = os.path.join(work, f"kubectl-{i}.yaml")
                with open(path, "w") as f:
                    subprocess.run([BIN, "render", CHART, "-n", f"kubectl-{i}", "--seed", SEED, "--no-notes",
                                    "--cache-dir", cache_dir], check=True, stdout=f)
                manifests.append(path)
            series("ethwasm deploy (render included)",
                   lambda i: [BIN, "deploy", CHART, *base, "-n", f"ethwasm-{i}", "--seed", SEED, "--no-notes",
                              "--cache-dir", cache_dir], n)
            series("kubectl apply --server-side (YAML ready)",
                   lambda i: ["kubectl", *base, "apply", "--server-side", "--validate=false", "-f", manifests[i]], n)
        finally:
            server.kill()
            server.wait()


if __name__ == "__main__":
    main()
