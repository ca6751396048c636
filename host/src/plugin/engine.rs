//! The wasmtime engine every plugin runs in, and the epoch ticker that enforces deadlines.

use super::cache::CompileCache;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use wasmtime::{Config, Engine, OptLevel};

/// How often the epoch advances. A deadline is enforced within one tick of it.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(5);

/// The engine, its compile cache and the epoch ticker; one per process.
pub struct Runtime {
    engine: Engine,
    cache: CompileCache,
    stop: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
}

impl Runtime {
    /// An engine with epoch interruption and the component model, and `cache` for compiled code.
    pub fn new(cache: CompileCache) -> crate::error::Result<Self> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        // Plugins arrive optimised by their own compiler (LLVM, for Rust ones): Cranelift's
        // mid-end adds little to them. Measured on the default chart, 2 cores: a cold render
        // 0.95 s instead of 1.10 s (compile CPU 1.55 s instead of 1.85 s), the plugins' renders
        // 3% slower. A single-pass register allocator would save more compile time but made the
        // key derivations 45% slower.
        config.cranelift_opt_level(OptLevel::None);
        // For profiles of the plugins' code: `ETHWASM_PERFMAP=1 perf record ...` names each wasm
        // function in /tmp/perf-<pid>.map (wasmtime's perf map agent).
        if std::env::var_os("ETHWASM_PERFMAP").is_some_and(|v| v == "1") {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        let engine = Engine::new(&config)
            .map_err(|e| crate::error::Error::internal(format!("cannot create the wasm engine: {e}")))?;
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = {
            let engine = engine.clone();
            let stop = stop.clone();
            // Parked between ticks, so that dropping the runtime wakes it at once instead of
            // waiting out a tick at the end of every process.
            let spawned = std::thread::Builder::new().name("ethwasm-epoch".into()).spawn(move || {
                let mut next = Instant::now() + EPOCH_TICK;
                while !stop.load(Ordering::Relaxed) {
                    let now = Instant::now();
                    if now >= next {
                        engine.increment_epoch();
                        // From now, not from when the tick was due: a late tick is never made
                        // up by a quick one, so a deadline is never cut short.
                        next = now + EPOCH_TICK;
                    } else {
                        std::thread::park_timeout(next - now);
                    }
                }
            });
            spawned.map_err(|e| crate::error::Error::internal(format!("cannot start the epoch thread: {e}")))?
        };
        Ok(Runtime { engine, cache, stop, ticker: Some(ticker) })
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The compile cache.
    pub fn cache(&self) -> &CompileCache {
        &self.cache
    }

    /// Epoch ticks that make up `timeout` (at least one).
    pub(crate) fn ticks(timeout: Duration) -> u64 {
        (timeout.as_nanos().div_ceil(EPOCH_TICK.as_nanos()) as u64).max(1)
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}
