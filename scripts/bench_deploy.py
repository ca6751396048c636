#!/usr/bin/env python3
"""ethwasm deploy against kubectl apply --server-side on a real API server (the ../shared/k8s kit).

Budget: `ethwasm deploy` of the default chart with proof of stake <= 0.5x `kubectl apply
--server-side` of the same rendered YAML on the same server.

Starts its own Kubernetes v1.28 test kit (../shared/k8s, or $ETHWASM_K8S_KIT) in a state dir of its
own (target/k8s-bench) on ports that differ from both the kit's defaults and scripts/test-cluster.sh's,
so those may run beside it, and stops and deletes it at exit whatever happens.
Then, as whole processes, wall time, interleaved (ethwasm, kubectl, kubectl --validate=false, ethwasm, ...):
  install   `ethwasm deploy charts/ethereum ... -n bench-e-<i>` against
            `kubectl apply --server-side --field-manager=bench -f rendered-<i>.yaml` into bench-k-<i>
            (for both, the namespace is created untimed beforehand; the YAML rendered untimed
            beforehand, one file per namespace, since the rendered objects carry metadata.namespace);
  upgrade   the same commands again on the same namespaces (no change: a no-op upgrade).
The budget is against kubectl's defaults (--validate=strict). As a reference, and unless
--no-reference, the same apply with --validate=false (as scripts/bench.py runs kubectl) into
bench-v-<i>: it skips the OpenAPI v3 documents kubectl otherwise reads and parses on every run.
Warm before timing: ethwasm's compile cache (one untimed render), kubectl's discovery and OpenAPI
cache (one untimed apply, in a --cache-dir of this run). Cold for every ethwasm deploy: its render
cache, whose entries are keyed by namespace and revision, so a deploy never finds one.
Between runs it lets the cluster's controllers settle (the pods an install creates).
Then (unless --no-profile) one more install and no-op upgrade of each, logged (ethwasm -vv,
kubectl -v=6) and time-stamped, split into phases with request counts.
Usage: scripts/bench_deploy.py [--rounds N] [--settle S] [--no-reference] [--no-profile] [--requests]
                               [--kubectl PATH] [--state DIR] [--ports A,E,P,C,S]
Exits non-zero if any command fails.
"""
import argparse
import glob
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target/release/ethwasm")
CHART = os.path.join(ROOT, "charts/ethereum")
SEED = "ab" * 32
CREATED = "1767225600"  # 2026-01-01T00:00:00Z
RELEASE = "ethereum"
CHART_FLAGS = ["--seed", SEED, "--created", CREATED, "--set", "genesis.consensus=pos", "--release", RELEASE]
# test-cluster.sh uses 16443, 12379/12380, 20257/20259; the kit's defaults are 6443, 2379/2380, 10257/10259.
PORTS = "17443,13379,13380,21257,21259"
PORT_VARS = ["ETHWASM_K8S_PORT", "ETHWASM_K8S_ETCD_PORT", "ETHWASM_K8S_ETCD_PEER_PORT",
             "ETHWASM_K8S_CM_PORT", "ETHWASM_K8S_SCHED_PORT"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Failed(Exception):
    pass


def run(argv, env=None, stamp=False):
    """Runs argv to the end; returns (seconds, peak RSS in MiB, stdout, stderr).
    With stamp, stderr is a list of (seconds since start, line) read as the lines come."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out, err = [], []
    readers = [threading.Thread(target=lambda: out.append(proc.stdout.read()))]
    if stamp:
        def lines():
            for raw in proc.stderr:
                err.append((time.perf_counter() - start, ANSI.sub("", raw.decode(errors="replace")).rstrip("\n")))
        readers.append(threading.Thread(target=lines))
    else:
        readers.append(threading.Thread(target=lambda: err.append(proc.stderr.read())))
    for r in readers:
        r.start()
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - start
    for r in readers:
        r.join()
    proc.stdout.close()
    proc.stderr.close()
    stdout = b"".join(out).decode(errors="replace")
    stderr = err if stamp else b"".join(err).decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        text = "\n".join(line for _, line in stderr) if stamp else stderr
        raise Failed(f"{' '.join(argv)} failed (exit {os.waitstatus_to_exitcode(status)}):\n"
                     f"{stdout[-2000:]}{text[-4000:]}")
    return took, usage.ru_maxrss / 1024, stdout, stderr


def cpu_busy(seconds):
    """Fraction of all CPUs busy over the next `seconds`."""
    def snap():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]
    t0, i0 = snap()
    time.sleep(seconds)
    t1, i1 = snap()
    return 1 - (i1 - i0) / max(t1 - t0, 1)


def settle(seconds):
    """Lets the controllers finish with the last install: a pause, then up to 10 s more until
    the machine is quiet (under 20 % busy over half a second)."""
    if seconds <= 0:
        return
    time.sleep(seconds)
    deadline = time.monotonic() + 10
    while cpu_busy(0.5) > 0.2 and time.monotonic() < deadline:
        pass


class Kit:
    """The ../shared/k8s test cluster in a state dir of this benchmark, on ports of its own."""

    def __init__(self, state, ports):
        self.kit = os.environ.get("ETHWASM_K8S_KIT") or next(
            (k for k in (os.path.join(ROOT, "../shared/k8s"), "/work/shared/k8s")
             if os.access(os.path.join(k, "start.sh"), os.X_OK)), None)
        if not self.kit or not os.access(os.path.join(self.kit, "start.sh"), os.X_OK):
            sys.exit("bench_deploy: no Kubernetes test kit at ../shared/k8s (set ETHWASM_K8S_KIT to its folder)")
        self.state = state
        self.env = dict(os.environ, **dict(zip(PORT_VARS, ports)))
        self.started = False

    def start(self):
        self.started = True  # stop even a half-started cluster
        t = time.perf_counter()
        proc = subprocess.run([os.path.join(self.kit, "start.sh"), self.state], env=self.env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            raise Failed(f"start.sh failed:\n{proc.stderr[-3000:]}")
        kubeconfig = proc.stdout.strip().splitlines()[-1]
        print(f"kit: API server https://127.0.0.1:{self.env['ETHWASM_K8S_PORT']} up in "
              f"{time.perf_counter() - t:.1f} s, state in {self.state}", flush=True)
        return kubeconfig

    def stop(self):
        if self.started:
            self.started = False
            subprocess.run([os.path.join(self.kit, "stop.sh"), "--clean", self.state], env=self.env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            print(f"kit: stopped, {self.state} deleted", flush=True)


def pick_kubectl(name, kubeconfig):
    """kubectl as given; but gcloud's kubectl is a dispatcher that runs the kubectl.1.<minor> beside
    it matching the server: call that one directly, so the baseline carries no dispatcher overhead
    (20-60 ms a run here)."""
    path = shutil.which(name)
    if not path:
        sys.exit(f"bench_deploy: {name} not found")
    try:
        _, _, out, _ = run([path, "--kubeconfig", kubeconfig, "get", "--raw", "/version"])
        minor = re.sub(r"\D", "", json.loads(out)["minor"])
        direct = os.path.join(os.path.dirname(os.path.realpath(path)), f"kubectl.1.{minor}")
        if os.access(direct, os.X_OK):
            path = direct
    except (Failed, ValueError, KeyError):
        pass
    _, _, out, _ = run([path, "version", "--client", "-o", "json"])
    return path, json.loads(out)["clientVersion"]["gitVersion"]


# ---------------------------------------------------------------- profile (untimed, logged runs)

DISCOVERY = re.compile(r"^/(api|apis)(/v1|/[^/]+/[^/]+)?/?$")


def category(method, path, query):
    if "/leases" in path:
        return {"POST": "lock: create Lease", "DELETE": "unlock: delete Lease"}.get(method, "lock: read/renew Lease")
    if re.fullmatch(r"/api/v1/namespaces/[^/]+", path):
        return "namespace"
    if "/secrets/ethwasm.release." in path:
        return "records: write" if method in ("PATCH", "PUT", "POST") else f"records: {method}"
    if path.endswith("/secrets") and "ethwasm.io" in query:
        return "records: list"
    if path.startswith("/openapi/"):
        return "openapi"
    if DISCOVERY.match(path):
        return "discovery"
    return {"PATCH": "applies", "DELETE": "prune", "GET": "reads"}.get(method, method)


def ethwasm_requests(lines):
    """(start, end, method, path, query) of every request in an `ethwasm -vv` log."""
    span = re.compile(r"http\.method=(\w+) http\.url=https?://[^/\s]+([^?\s]*)\??(\S*)")
    open_, done = {}, []
    for t, line in lines:
        m = span.search(line)
        if not m:
            continue
        key = m.groups()
        if line.endswith(": requesting"):
            open_.setdefault(key, []).append(t)
        elif "http.status_code=" in line and open_.get(key):
            done.append((open_[key].pop(0), t, *key))
    return done


def kubectl_requests(lines):
    """The same from a `kubectl -v=6` log (which gives each request's duration at its end)."""
    rt = re.compile(r"\] (GET|PATCH|POST|PUT|DELETE) https?://[^/\s]+([^?\s]*)\??(\S*) .* in (\d+) milliseconds")
    done = []
    for t, line in lines:
        m = rt.search(line)
        if m:
            done.append((t - int(m.group(4)) / 1000, t, m.group(1), m.group(2), m.group(3)))
    return done


def busy_time(intervals):
    """Seconds during which at least one request was in flight."""
    total, end = 0.0, None
    for s, e in sorted(intervals):
        if end is None or s > end:
            total += e - s
            end = e
        elif e > end:
            total += e - end
            end = e
    return total


def profile(label, wall, lines, requests, show_requests=False):
    phases = {}
    for s, e, method, path, query in requests:
        p = phases.setdefault(category(method, path, query), [s, e, 0, 0.0])
        p[0], p[1], p[2], p[3] = min(p[0], s), max(p[1], e), p[2] + 1, p[3] + (e - s)
    # ethwasm's plugins: from the first plugin loaded to the last render done (a thread of its own)
    unit = {"s": 1, "ms": 1e-3, "µs": 1e-6, "ns": 1e-9}
    loaded = [t - float(m.group(1)) * unit[m.group(2)]
              for t, line in lines for m in [re.search(r"plugin \S+: loaded in ([\d.]+)(s|ms|µs|ns)\b", line)] if m]
    rendered = [t for t, line in lines if re.search(r"plugin \S+: render (took|from the render cache)", line)]
    if loaded and rendered:
        phases["render (plugins, own thread)"] = [min(loaded), max(rendered), 0, 0.0]
    methods = {}
    for r in requests:
        methods[r[2]] = methods.get(r[2], 0) + 1
    in_flight = busy_time([(s, e) for s, e, *_ in requests])
    first = min((s for s, *_ in requests), default=wall)
    last = max((e for _, e, *_ in requests), default=wall)
    print(f"-- {label}: {wall * 1000:.0f} ms, {len(requests)} requests "
          f"({', '.join(f'{n} {m}' for m, n in sorted(methods.items(), key=lambda x: -x[1]))}); "
          f"a request in flight {in_flight * 1000:.0f} ms, none in flight {(wall - in_flight) * 1000:.0f} ms "
          f"(start to first request {first * 1000:.0f} ms, last response to exit {(wall - last) * 1000:.0f} ms)")
    print(f"   {'phase':<30} {'from':>6} {'to':>6} {'span':>6} {'requests':>8} {'sum of request ms':>18}")
    for name, (s, e, n, total) in sorted(phases.items(), key=lambda kv: kv[1][0]):
        print(f"   {name:<30} {s * 1000:6.0f} {e * 1000:6.0f} {(e - s) * 1000:6.0f} {n or '':>8} "
              f"{(f'{total * 1000:.0f}' if n else ''):>18}")
    if show_requests:
        for s, e, method, path, _ in sorted(requests):
            print(f"   {s * 1000:6.0f} {(e - s) * 1000:5.0f} ms  {method} {path}")
    times = [line.split("plugin ", 1)[1] for _, line in lines if re.search(r"plugin \S+: render took", line)]
    if times:
        print("   plugin renders: " + "; ".join(times))


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=7, help="timed runs per command and row (default 7)")
    ap.add_argument("--settle", type=float, default=3.0,
                    help="seconds to let controllers settle after each run, then until the CPU is quiet (default 3)")
    ap.add_argument("--no-profile", action="store_true", help="skip the logged runs that split the time into phases")
    ap.add_argument("--requests", action="store_true", help="list every request of the profiled runs")
    ap.add_argument("--no-reference", action="store_true",
                    help="skip the reference series, kubectl apply --server-side --validate=false")
    ap.add_argument("--kubectl", default="kubectl")
    ap.add_argument("--state", default=os.path.join(ROOT, "target/k8s-bench"), help="the kit's state dir")
    ap.add_argument("--ports", default=PORTS, help=f"API,etcd,etcd-peer,controller-manager,scheduler (default {PORTS})")
    args = ap.parse_args()
    ports = args.ports.split(",")
    if len(ports) != 5 or not all(p.isdigit() for p in ports):
        sys.exit("bench_deploy: --ports takes five port numbers")
    if args.rounds < 1:
        sys.exit("bench_deploy: --rounds must be at least 1")
    for p in [BIN, os.path.join(CHART, "chart.lock")] + (glob.glob(os.path.join(ROOT, "target/plugins/*.wasm"))[:1] or
                                                        [os.path.join(ROOT, "target/plugins/*.wasm")]):
        if not os.path.exists(p):
            sys.exit(f"bench_deploy: {p} is missing; run `make build` first")

    kit = Kit(os.path.abspath(args.state), ports)
    work = tempfile.mkdtemp(prefix="ethwasm-bench-deploy-")
    # SIGTERM/SIGHUP as well as ^C: leave through the finally below, which stops the kit.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda s, _f: sys.exit(128 + s))
    try:
        bench(args, kit, work)
    except Failed as e:
        print(f"bench_deploy: {e}", file=sys.stderr)
        sys.exit(1)
    finally:
        kit.stop()
        shutil.rmtree(work, ignore_errors=True)


def bench(args, kit, work):
    n = args.rounds
    # A snapshot of the binary, the chart and its plugins, so that a rebuild in the checkout while
    # this runs (another engineer's `make build`) changes nothing here and breaks no chart.lock pin.
    global BIN, CHART
    os.makedirs(os.path.join(work, "target/plugins"))
    for f in glob.glob(os.path.join(ROOT, "target/plugins/*.wasm")):
        shutil.copy2(f, os.path.join(work, "target/plugins"))
    shutil.copytree(CHART, os.path.join(work, "charts/ethereum"))
    shutil.copy2(BIN, os.path.join(work, "ethwasm"))
    print(f"ethwasm: target/release/ethwasm built {time.strftime('%Y-%m-%d %H:%M', time.localtime(os.path.getmtime(BIN)))}, "
          f"copied with charts/ethereum and target/plugins to {work}; load average {os.getloadavg()[0]:.2f}", flush=True)
    BIN, CHART = os.path.join(work, "ethwasm"), os.path.join(work, "charts/ethereum")
    kc = kit.start()
    kubectl, kversion = pick_kubectl(args.kubectl, kc)
    cache = os.path.join(work, "ethwasm-cache")  # compile (and render) cache of this run
    kcache = os.path.join(work, "kubectl-cache")  # kubectl's discovery and HTTP (OpenAPI) cache
    k = [kubectl, "--kubeconfig", kc, "--cache-dir", kcache]
    render = [BIN, "render", CHART, *CHART_FLAGS, "--no-notes", "--cache-dir", cache]
    deploy = [BIN, "deploy", CHART, *CHART_FLAGS, "--no-notes", "--kubeconfig", kc,
              "--cache-dir", cache]

    def rendered(ns):
        path = os.path.join(work, f"rendered-{ns}.yaml")
        _, _, out, _ = run(render + ["-n", ns])
        with open(path, "w") as f:
            f.write(out)
        return path, len(re.findall(r"^kind:", out, re.M))

    def apply(ns, path, validate=True, extra=()):
        argv = k + ["apply", "--server-side", "--field-manager=bench", "-f", path]
        return run(argv + ([] if validate else ["--validate=false"]) + list(extra), stamp=bool(extra))

    # Warm-up, untimed: the compile cache (the first render compiles the plugins) and kubectl's caches.
    t = time.perf_counter()
    run(render + ["-n", "bench-e-warm"])
    print(f"warm-up: ethwasm render with an empty compile cache {time.perf_counter() - t:.2f} s", flush=True)
    path, objects = rendered("bench-k-warm")
    run(k + ["create", "namespace", "bench-k-warm"])
    t, *_ = apply("bench-k-warm", path)
    print(f"warm-up: kubectl apply with an empty discovery/OpenAPI cache {t:.2f} s", flush=True)
    print(f"ethwasm (compile cache warm; render cache cold: keyed by namespace and revision)\n"
          f"kubectl {kversion} {kubectl} (discovery and OpenAPI cache warm in its --cache-dir)\n"
          f"chart: charts/ethereum, proof of stake, {objects} objects; {n} rounds, interleaved, "
          f"{args.settle:g} s settle between runs", flush=True)

    # The series, run interleaved: ethwasm, kubectl, [kubectl --validate=false], ethwasm, ...
    series = [("ethwasm", "bench-e"), ("kubectl", "bench-k")] + ([] if args.no_reference else [("kubectl-nv", "bench-v")])
    manifests = {prefix: [rendered(f"{prefix}-{i}")[0] for i in range(n)] for tool, prefix in series if tool != "ethwasm"}
    counts = {tool: set() for tool, _ in series}
    results = {}  # phase -> tool -> [seconds], and peak RSS per tool
    rss = {tool: 0.0 for tool, _ in series}
    for phase, word in (("install", "install complete"), ("no-op upgrade", "upgrade complete")):
        times = results[phase] = {tool: [] for tool, _ in series}
        for i in range(n):
            for tool, prefix in series:
                ns = f"{prefix}-{i}"
                if phase == "install":
                    run(k + ["create", "namespace", ns])
                settle(args.settle)
                if tool == "ethwasm":
                    t, peak, out, err = run(deploy + ["-n", ns])
                    m = re.search(r"revision (\d+) (install|upgrade) complete: (\d+) applied", out + err)
                    if not m or word not in m.group(0):
                        raise Failed(f"ethwasm deploy -n {ns}: expected '{word}', got:\n{out}{err}")
                    counts[tool].add(int(m.group(3)))
                else:
                    t, peak, out, _ = apply(ns, manifests[prefix][i], validate=tool == "kubectl")
                    counts[tool].add(sum(1 for line in out.splitlines() if line.endswith("serverside-applied")))
                times[tool].append(t)
                rss[tool] = max(rss[tool], peak)
            print(f"  {phase} round {i + 1}/{n}: " + ", ".join(
                f"{tool} {times[tool][-1] * 1000:.0f} ms" for tool, _ in series), flush=True)

    print(f"\n== deploy of charts/ethereum (proof of stake, {objects} objects) to the kit's API server "
          f"(v1.28.7), wall ms, medians of {n}, interleaved")
    head = f"{'':<14} {'ethwasm deploy':^21} {'kubectl apply --ss':^21} {'ratio':>6}"
    sub = f"{'':<14} {'median':>6} {'(min-max)':<14} {'median':>6} {'(min-max)':<14} {'e/k':>6}"
    if not args.no_reference:
        head += f"   {'kubectl ... --validate=false':^28}"
        sub += f"   {'median':>6} {'(min-max)':<14} {'e/k':>6}"
    print(head)
    print(sub)
    cell = lambda x: f"{statistics.median(x) * 1000:6.0f} {f'({min(x) * 1000:.0f}-{max(x) * 1000:.0f})':<14}"  # noqa: E731
    ratios = {}
    for phase, times in results.items():
        e = statistics.median(times["ethwasm"])
        ratios[phase] = {tool: e / statistics.median(times[tool]) for tool, _ in series[1:]}
        line = f"{phase:<14} {cell(times['ethwasm'])} {cell(times['kubectl'])} {ratios[phase]['kubectl']:5.2f}x"
        if not args.no_reference:
            line += f"   {cell(times['kubectl-nv'])} {ratios[phase]['kubectl-nv']:5.2f}x"
        print(line)
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f}; peak RSS: " + ", ".join(f"{tool} {v:.0f} MiB" for tool, v in rss.items()))
    print(f"objects: rendered {objects}; " + ", ".join(f"{tool} applied {sorted(c)}" for tool, c in counts.items()))
    for phase, r in ratios.items():
        print(f"budget <= 0.50x kubectl apply --server-side, {phase}: {r['kubectl']:.2f}x, " +
              ("met" if r["kubectl"] <= 0.5 else f"NOT met ({r['kubectl'] / 0.5:.2f}x the budget)") +
              ("" if args.no_reference else f"; against --validate=false: {r['kubectl-nv']:.2f}x"))

    if args.no_profile:
        return
    print("\n== profile: one more install and no-op upgrade each, logged (ethwasm -vv, kubectl -v=6); "
          "times in ms since the process started")
    paths = {}
    run(k + ["create", "namespace", "bench-e-prof"])
    for tool, prefix in series[1:]:
        run(k + ["create", "namespace", f"{prefix}-prof"])
        paths[tool] = rendered(f"{prefix}-prof")[0]
    for what in ("install", "no-op upgrade"):
        settle(args.settle)
        t, _, _, lines = run([BIN, "-vv", *deploy[1:], "-n", "bench-e-prof"], stamp=True)
        profile(f"ethwasm deploy, {what}", t, lines, ethwasm_requests(lines), args.requests)
        for tool, prefix in series[1:]:
            settle(args.settle)
            t, _, _, lines = apply(f"{prefix}-prof", paths[tool], validate=tool == "kubectl", extra=("-v=6",))
            label = "kubectl apply" + ("" if tool == "kubectl" else " --validate=false")
            profile(f"{label}, {what}", t, lines, kubectl_requests(lines), args.requests)


if __name__ == "__main__":
    main()
