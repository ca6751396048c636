//! Native benchmark of `build_genesis` (run with --release): wall time and peak memory for 64, 1,024
//! and 16,384 validators (Fulu), each size in a child process so peak RSS is per size.
//! `cargo run --release --example genesis_bench [-- sizes...]`
#![allow(clippy::unwrap_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use consensus_genesis::{build_genesis, GenesisFork};
use std::time::{Duration, Instant};

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn child(n: usize) {
    let input = common::sample_input(n, GenesisFork::Fulu);
    let rss_before = status_kib("VmRSS:");
    let mut times = Vec::new();
    let mut ssz_len = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let out = build_genesis(&input, &common::aggregate).unwrap();
        times.push(t.elapsed());
        ssz_len = out.genesis_ssz.len();
    }
    times.sort();
    let peak = status_kib("VmHWM:");
    // The crate's own work: the same build with a trivial aggregator.
    let first = |k: &[[u8; 48]]| -> Result<[u8; 48], String> { Ok(k[0]) };
    let mut own = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        build_genesis(&input, &first).unwrap();
        own.push(t.elapsed());
    }
    own.sort();
    // The caller's part: aggregating 512 sync committee keys with zkcrypto bls12_381.
    let keys: Vec<[u8; 48]> = (0..512).map(|i| input.validators[i % n].pubkey).collect();
    let t = Instant::now();
    common::aggregate(&keys).unwrap();
    let agg = t.elapsed();
    println!(
        "{n:>6} validators: build {:>8.1} ms (median of 5; {:>8.1} ms without BLS), BLS aggregation {:>6.1} ms, \
         genesis.ssz {:>9} bytes, peak RSS {:>7} KiB (RSS before build {:>6} KiB)",
        ms(times[2]),
        ms(own[2]),
        ms(agg),
        ssz_len,
        peak,
        rss_before
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    if let Ok(n) = std::env::var("BENCH_CHILD") {
        child(n.parse().unwrap());
        return;
    }
    let sizes: Vec<usize> = {
        let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().unwrap()).collect();
        if args.is_empty() {
            vec![64, 1024, 16384]
        } else {
            args
        }
    };
    let exe = std::env::current_exe().unwrap();
    for n in sizes {
        let status = std::process::Command::new(&exe).env("BENCH_CHILD", n.to_string()).status().unwrap();
        assert!(status.success());
    }
}
