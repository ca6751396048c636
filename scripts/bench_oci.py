#!/usr/bin/env python3
"""ethwasm and an OCI registry on loopback: the #15 budgets.

Starts Debian's docker-registry (the CNCF distribution registry) on a free loopback port with
storage in a temporary directory, and the fake API server (target/release/fake-apiserver).
Then, as whole processes, wall time, medians:
  ship      `ethwasm package charts/ethereum` + `ethwasm push` (to a repository of its own each
            round, so every blob is uploaded) + `ethwasm pull` (into an empty local store, so
            every blob is downloaded); budget: the three together < 2 s.
  deploy    `ethwasm deploy oci://...:TAG` with a warm local store (the tag is resolved with one
            HEAD request, nothing else fetched) against `ethwasm deploy ARCHIVE` of the same
            chart, interleaved, each into a namespace of its own (an install); budget: within
            10% of the archive. Also by digest (no network at all).
The compile cache is warm for every run (one untimed render first).
Usage: scripts/bench_oci.py [--rounds N]
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import BIN, CHART, FAKE, SEED, series, interleaved  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_registry(work):
    exe = shutil.which("docker-registry")
    if not exe:
        sys.exit("docker-registry is not installed (apt-get install docker-registry)")
    host = f"127.0.0.1:{free_port()}"
    config = os.path.join(work, "registry.yml")
    with open(config, "w") as f:
        f.write(f"version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n"
                f"  filesystem:\n    rootdirectory: {work}/registry\nhttp:\n  addr: {host}\n")
    proc = subprocess.Popen([exe, "serve", config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://{host}/v2/", timeout=1)
            return proc, host
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("the registry did not start")


def out(argv):
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    n = args.rounds
    work = tempfile.mkdtemp(prefix="ethwasm-bench-oci-")
    registry, host = start_registry(work)
    server = None
    try:
        cache = os.path.join(work, "cache")
        out([BIN, "render", CHART, "--seed", SEED, "--cache-dir", cache, "--no-notes"])
        print(f"== package + push + pull of the default chart, registry on {host}")
        times = []
        for i in range(n):
            store = os.path.join(work, f"store-{i}")
            t0 = time.perf_counter()
            archive = out([BIN, "package", CHART, "-d", os.path.join(work, f"pkg-{i}")])
            t1 = time.perf_counter()
            out([BIN, "push", archive, f"oci://{host}/r{i}/ethereum", "--cache-dir", store])
            shutil.rmtree(os.path.join(store, "oci"), ignore_errors=True)
            t2 = time.perf_counter()
            version = os.path.basename(archive)[len("ethereum-"):-len(".tgz")]
            out([BIN, "pull", f"oci://{host}/r{i}/ethereum:{version}", "-d", os.path.join(work, f"pull-{i}"),
                 "--cache-dir", store])
            t3 = time.perf_counter()
            times.append((t1 - t0, t2 - t1, t3 - t2, t3 - t0))
        med = lambda k: sorted(t[k] for t in times)[len(times) // 2]
        print(f"package {med(0) * 1000:.0f} ms, push {med(1) * 1000:.0f} ms, pull {med(2) * 1000:.0f} ms "
              f"(medians, n={n}); together {med(3) * 1000:.0f} ms; budget < 2 s: "
              f"{'met' if med(3) < 2 else 'MISSED'}")

        if not os.path.exists(FAKE):
            print("== deploy: skipped (needs target/release/fake-apiserver: make bench builds it)")
            return
        kc = os.path.join(work, "kubeconfig")
        namespaces = ",".join(f"{k}-{i}" for i in range(n) for k in ("a", "o", "d"))
        server = subprocess.Popen([FAKE, kc, namespaces, "0"], stdout=subprocess.PIPE)
        server.stdout.readline()  # "ready"
        archive = out([BIN, "package", CHART, "-d", os.path.join(work, "pkg")])
        pinned = out([BIN, "push", archive, f"oci://{host}/charts/ethereum", "--cache-dir", cache])
        tag = pinned.split("@")[0]
        out([BIN, "pull", tag, "-d", os.path.join(work, "warm"), "--cache-dir", cache])
        base = ["--kubeconfig", kc, "--seed", SEED, "--no-notes", "--cache-dir", cache]
        print("== deploy (an install) of the default chart to the fake API server, warm local store")
        local, remote = interleaved(
            ("ethwasm deploy ARCHIVE", lambda i: [BIN, "deploy", archive, "-n", f"a-{i}", *base]),
            ("ethwasm deploy oci://...:TAG", lambda i: [BIN, "deploy", tag, "-n", f"o-{i}", *base]), n)
        series("ethwasm deploy oci://...@sha256:...", lambda i: [BIN, "deploy", pinned, "-n", f"d-{i}", *base], n)
        print(f"budget: oci:// by tag within 10% of the archive: {remote / local:.3f}x "
              f"({'met' if remote <= local * 1.10 else 'MISSED'})")
    finally:
        registry.kill()
        registry.wait()
        if server:
            server.kill()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
