//! Deploy benchmark: requests and wall time for deploying the default Ethereum chart, and for
//! a no-op upgrade of it, through kube-rs's HTTP client against the in-process fake API server.
//!
//! Rows: render alone; install and no-op upgrade with render included, at 0 and 2 ms of
//! simulated round trip per request (the fake answers instantly otherwise, so the 2 ms rows
//! show what parallel applies buy on a real network). `--wait` is on; the fake reports
//! workloads ready at once. Medians of N runs.
//!
//! Run: `cargo bench -p ethwasm-tests --bench deploy` (after `make build`), or `make bench`.

use ethwasm::cluster::kube::KubeCluster;
use ethwasm::deploy::{self, render_revision, renderer, Options, ReleaseFacts, SeedChoice};
use ethwasm::job::Spec;
use ethwasm_tests::chart_spec;
use fake_apiserver::FakeApi;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const NS: &str = "eth";
const RUNS: usize = 10;

fn source() -> Spec {
    chart_spec(NS, Some("ab".repeat(32)), &[])
}

async fn deploy_once(c: &KubeCluster, parallelism: usize) -> deploy::Report {
    let render = renderer(&source(), NS, "ethereum");
    let opts = Options {
        wait: true,
        parallelism,
        poll_interval: Duration::from_millis(10),
        holder: "bench".into(),
        ..Options::default()
    };
    deploy::deploy(c, NS, "ethereum", SeedChoice::default(), render, &opts).await.expect("deploy")
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn by_method(requests: &[String]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in requests {
        *counts.entry(r.split(' ').next().unwrap_or("?")).or_default() += 1;
    }
    counts.iter().map(|(m, n)| format!("{m} {n}")).collect::<Vec<_>>().join(", ")
}

async fn scenario(latency: Duration, parallelism: usize) {
    let mut install = Vec::new();
    let mut upgrade = Vec::new();
    let (mut install_reqs, mut upgrade_reqs) = (Vec::new(), Vec::new());
    let mut objects = 0;
    for _ in 0..RUNS {
        let fake = FakeApi::new();
        fake.add_namespace(NS);
        fake.set_ready(true);
        fake.set_latency(latency);
        let c = KubeCluster::new(fake.client());
        let t = Instant::now();
        let r = deploy_once(&c, parallelism).await;
        install.push(t.elapsed());
        objects = r.applied.len();
        install_reqs = fake.requests();
        fake.clear_requests();
        // A new client, as a new `ethwasm deploy` process has: nothing discovered yet.
        let c = KubeCluster::new(fake.client());
        let t = Instant::now();
        deploy_once(&c, parallelism).await;
        upgrade.push(t.elapsed());
        upgrade_reqs = fake.requests();
    }
    if std::env::var_os("ETHWASM_BENCH_REQUESTS").is_some() {
        println!("install requests:\n  {}", install_reqs.join("\n  "));
        println!("no-op upgrade requests:\n  {}", upgrade_reqs.join("\n  "));
    }
    let rtt = latency.as_millis();
    println!(
        "install,  {objects} objects, {rtt} ms RTT, parallelism {parallelism:<2}  median {:7.1} ms   {} requests ({})",
        median(install).as_secs_f64() * 1e3,
        install_reqs.len(),
        by_method(&install_reqs)
    );
    println!(
        "no-op upgrade,          {rtt} ms RTT, parallelism {parallelism:<2}  median {:7.1} ms   {} requests ({})",
        median(upgrade).as_secs_f64() * 1e3,
        upgrade_reqs.len(),
        by_method(&upgrade_reqs)
    );
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` would pass nothing: run either way.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    // Warm the compile cache, then time render alone.
    let src = source();
    let facts =
        ReleaseFacts { seed_hex: "ab".repeat(32), revision: 1, created: 1_767_225_600, previous: None, keep: true };
    render_revision(&src, NS, "ethereum", &facts).expect("render");
    let renders: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            render_revision(&src, NS, "ethereum", &facts).expect("render");
            t.elapsed()
        })
        .collect();
    println!(
        "render only (warm compile cache)                     median {:7.1} ms",
        median(renders).as_secs_f64() * 1e3
    );
    rt.block_on(async {
        scenario(Duration::ZERO, 8).await;
        scenario(Duration::from_millis(2), 1).await;
        scenario(Duration::from_millis(2), 8).await;
    });
}
