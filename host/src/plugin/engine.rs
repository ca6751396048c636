//! The wasmtime engine every plugin runs in, and the epoch ticker that enforces deadlines.

use super::cache::CompileCache;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;
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
        config.cranelift_opt_level(OptLevel::Speed);
        let engine = Engine::new(&config)
            .map_err(|e| crate::error::Error::internal(format!("cannot create the wasm engine: {e}")))?;
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = {
            let engine = engine.clone();
            let stop = stop.clone();
            let spawned = std::thread::Builder::new().name("ethwasm-epoch".into()).spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
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
            let _ = t.join();
        }
    }
}
