//! The wasmtime engine every plugin runs in, and the epoch ticker that enforces deadlines.

use super::cache::CompileCache;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use wasmtime::{Config, Engine, OptLevel, Strategy};

/// How often the epoch advances. A deadline is enforced within one tick of it.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(5);

/// Which compiler makes the plugins' machine code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compiler {
    /// Winch, wasmtime's baseline compiler: one pass, several times faster to compile. The
    /// default on x86_64 with AVX (what its SIMD needs); a component it cannot compile (a
    /// proposal or instruction it lacks) is compiled by Cranelift instead.
    Winch,
    /// Cranelift, wasmtime's optimising compiler: slower to compile, faster code.
    Cranelift,
}

impl Compiler {
    /// `ETHWASM_COMPILER` (`winch` or `cranelift`), else Winch where it runs, else Cranelift.
    pub fn from_env() -> crate::error::Result<Compiler> {
        match std::env::var("ETHWASM_COMPILER").ok().as_deref().map(str::trim) {
            None | Some("") => Ok(if Compiler::winch_runs_here() { Compiler::Winch } else { Compiler::Cranelift }),
            Some("winch") if Compiler::winch_runs_here() => Ok(Compiler::Winch),
            Some("winch") => Err(crate::error::Error::usage(
                "ETHWASM_COMPILER=winch: Winch needs an x86_64 CPU with AVX; unset it to use Cranelift".to_string(),
            )),
            Some("cranelift") => Ok(Compiler::Cranelift),
            Some(other) => Err(crate::error::Error::usage(format!(
                "ETHWASM_COMPILER={other}: use `winch` or `cranelift` (or unset it for the default)"
            ))),
        }
    }

    fn winch_runs_here() -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            std::arch::is_x86_feature_detected!("avx") && std::arch::is_x86_feature_detected!("avx2")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }
}

/// The engines, their compile cache and the epoch ticker; one per process.
pub struct Runtime {
    engine: Engine,
    /// Cranelift, for components the primary engine (Winch) cannot compile.
    fallback: Option<Engine>,
    cache: CompileCache,
    stop: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
}

fn engine(compiler: Compiler) -> crate::error::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    match compiler {
        // Measured on the default chart, 2 cores, once key derivation ran on the host (WIT
        // 0.3.0's crypto): a cold render 0.38 s with Winch against 1.25 s with Cranelift (compile
        // CPU 0.52 s against 2.2 s), and a first render with a new seed 0.11 s with either.
        Compiler::Winch => {
            config.strategy(Strategy::Winch);
        }
        // Plugins arrive optimised by their own compiler (LLVM, for Rust ones): Cranelift's
        // mid-end adds little to them (a cold render 0.95 s instead of 1.10 s, renders 3% slower).
        Compiler::Cranelift => {
            config.strategy(Strategy::Cranelift);
            config.cranelift_opt_level(OptLevel::None);
        }
    }
    // For profiles of the plugins' code: `ETHWASM_PERFMAP=1 perf record ...` names each wasm
    // function in /tmp/perf-<pid>.map (wasmtime's perf map agent).
    if std::env::var_os("ETHWASM_PERFMAP").is_some_and(|v| v == "1") {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    Engine::new(&config).map_err(|e| crate::error::Error::internal(format!("cannot create the wasm engine: {e}")))
}

impl Runtime {
    /// Engines with epoch interruption and the component model (the compiler from
    /// [`Compiler::from_env`]), and `cache` for compiled code.
    pub fn new(cache: CompileCache) -> crate::error::Result<Self> {
        Runtime::with_compiler(cache, Compiler::from_env()?)
    }

    /// [`Runtime::new`] with the compiler given.
    pub fn with_compiler(cache: CompileCache, compiler: Compiler) -> crate::error::Result<Self> {
        let primary = engine(compiler)?;
        let fallback = match compiler {
            Compiler::Winch => Some(engine(Compiler::Cranelift)?),
            Compiler::Cranelift => None,
        };
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = {
            let engines: Vec<Engine> = std::iter::once(primary.clone()).chain(fallback.clone()).collect();
            let stop = stop.clone();
            // Parked between ticks, so that dropping the runtime wakes it at once instead of
            // waiting out a tick at the end of every process.
            let spawned = std::thread::Builder::new().name("ethwasm-epoch".into()).spawn(move || {
                let mut next = Instant::now() + EPOCH_TICK;
                while !stop.load(Ordering::Relaxed) {
                    let now = Instant::now();
                    if now >= next {
                        engines.iter().for_each(Engine::increment_epoch);
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
        Ok(Runtime { engine: primary, fallback, cache, stop, ticker: Some(ticker) })
    }

    /// The engine for a component the primary one cannot compile, if there is another.
    pub(crate) fn fallback(&self) -> Option<&Engine> {
        self.fallback.as_ref()
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
