//! The in-memory fake API server over HTTP, for benchmarks that run whole processes
//! (`ethwasm deploy` against `kubectl apply --server-side`).
//!
//! Usage: fake-apiserver KUBECONFIG_OUT [NAMESPACES] [LATENCY_MS]
//! Listens on a free port of 127.0.0.1, writes a kubeconfig for it, prints `ready` on stdout,
//! and serves until killed. NAMESPACES (comma-separated, default `eth`) exist from the start;
//! the first is the context's namespace.
//! Workloads report themselves ready at once; LATENCY_MS delays every answer.

use fake_apiserver::FakeApi;
use std::io::Write;
use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out) = args.first() else {
        eprintln!("usage: fake-apiserver KUBECONFIG_OUT [NAMESPACES] [LATENCY_MS]");
        std::process::exit(2);
    };
    let namespaces: Vec<String> = args.get(1).map_or("eth", String::as_str).split(',').map(str::to_string).collect();
    let namespace = namespaces[0].clone();
    let latency: u64 = args.get(2).and_then(|l| l.parse().ok()).unwrap_or(0);
    let fake = FakeApi::new();
    for ns in &namespaces {
        fake.add_namespace(ns);
    }
    fake.set_ready(true);
    fake.set_latency(Duration::from_millis(latency));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime starts");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local address");
        std::fs::write(out, FakeApi::kubeconfig(addr, &namespace)).expect("write the kubeconfig");
        println!("ready");
        std::io::stdout().flush().expect("stdout");
        fake.listen(listener).await.expect("serve");
    });
}
