//! What a plugin instance can reach: the host imports, an empty WASI context, and its limits.

use hkdf::Hkdf;
use rand::SeedableRng;
use sha2::Sha256;
use std::time::Duration;
use wasmtime::component::ResourceTable;
use wasmtime::ResourceLimiter;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// Largest `derive-key` request: HKDF-SHA256's limit of 255 blocks.
pub(crate) const MAX_DERIVE_LEN: u32 = 255 * 32;
/// Bytes of WASI stdout/stderr kept per call.
const STDIO_CAPTURE: usize = 64 << 10;

/// A log line longer than this many bytes is cut.
pub(crate) const MAX_LOG_LINE: usize = 4 << 10;
/// Log lines one call may write; past it (or past [`MAX_LOG_BYTES`]) lines are dropped and counted.
pub(crate) const MAX_LOG_LINES: usize = 1_000;
/// Bytes of log text one call may write.
pub(crate) const MAX_LOG_BYTES: usize = 256 << 10;
/// The longest `derive-key` label: the host call cannot be interrupted, and HKDF hashes the
/// label once per output block.
pub(crate) const MAX_LABEL: usize = 1 << 10;

/// The release seed every key is derived from. Never printed.
#[derive(Clone)]
pub struct Seed {
    bytes: Vec<u8>,
    /// Drawn for this process alone (`render` without --seed): nobody can render with it
    /// again, so its renders are not kept in the render cache.
    fresh: bool,
}

impl PartialEq for Seed {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for Seed {}

impl std::fmt::Debug for Seed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Seed(<redacted>)")
    }
}

impl Seed {
    /// A fresh random 32-byte seed from the OS.
    pub fn random() -> std::io::Result<Self> {
        let mut b = vec![0u8; 32];
        getrandom::fill(&mut b).map_err(std::io::Error::other)?;
        Ok(Seed { bytes: b, fresh: true })
    }

    /// 32 zero bytes: for calls that derive nothing from the release (`info`).
    pub(crate) fn zero() -> Self {
        Seed { bytes: vec![0; 32], fresh: false }
    }

    /// A seed from hex (16 to 64 bytes, optional `0x`).
    pub fn from_hex(text: &str) -> Result<Self, String> {
        let t = text.trim().trim_start_matches("0x");
        let bytes = hex::decode(t).map_err(|e| format!("not hex: {e}"))?;
        if !(16..=64).contains(&bytes.len()) {
            return Err(format!("{} bytes; give 16 to 64 bytes (32 to 128 hex digits)", bytes.len()));
        }
        Ok(Seed { bytes, fresh: false })
    }

    /// The seed as hex, for release records.
    pub(crate) fn to_hex(&self) -> String {
        hex::encode(&self.bytes)
    }

    /// Whether this seed was drawn for this process alone.
    pub(crate) fn is_fresh(&self) -> bool {
        self.fresh
    }

    /// The key that seals memoised renders of the component with sha256 `component` (see
    /// `memo`): without the seed, a cached render neither opens nor can be found.
    pub(crate) fn memo_key(&self, component: &str) -> [u8; 32] {
        let hk = Hkdf::<Sha256>::new(Some(b"ethwasm render memo v1"), &self.bytes);
        let mut key = [0u8; 32];
        // 32 bytes is far below HKDF-SHA256's limit of 8160.
        let _ = hk.expand(component.as_bytes(), &mut key);
        key
    }

    /// `length` bytes for `plugin` and `label`: HKDF-SHA256 with the seed as input key material
    /// and `plugin NUL label` as info, so plugins cannot derive each other's keys (plugin names
    /// are DNS labels, so the NUL separator is unambiguous).
    pub fn derive(&self, plugin: &str, label: &str, length: usize) -> Result<Vec<u8>, String> {
        if length == 0 || length > MAX_DERIVE_LEN as usize {
            return Err(format!("derive-key length {length} is outside 1..={MAX_DERIVE_LEN}"));
        }
        let hk = Hkdf::<Sha256>::new(Some(b"ethwasm derive-key v1"), &self.bytes);
        let mut info = Vec::with_capacity(plugin.len() + 1 + label.len());
        info.extend_from_slice(plugin.as_bytes());
        info.push(0);
        info.extend_from_slice(label.as_bytes());
        let mut out = vec![0u8; length];
        hk.expand(&info, &mut out).map_err(|e| e.to_string())?;
        Ok(out)
    }
}

/// Severity of a plugin's log line (the host's own type; each contract version's `level`
/// maps onto it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

/// A log line a plugin wrote, through `log` or WASI stdio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub level: Level,
    pub message: String,
}

/// The store data of one plugin call.
pub struct State {
    plugin: String,
    seed: Seed,
    memory_limit: u64,
    /// Set when the limiter refused a memory growth, so a trap can be reported as the limit.
    pub memory_denied: bool,
    pub logs: Vec<LogLine>,
    /// Bytes in `logs`.
    log_bytes: usize,
    /// Lines (and their bytes) dropped over the limits.
    dropped: (usize, usize),
    /// Bytes of linear memory and tables the instance holds, against `memory_limit`.
    held: u64,
    /// The last growth charged, refunded if the growth then fails.
    pending: u64,
    /// When the call must end (set by the caller): host work checks it, since the epoch does
    /// not interrupt host code.
    pub(crate) deadline: Option<std::time::Instant>,
    table: ResourceTable,
    wasi: WasiCtx,
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
}

/// A clock frozen at the Unix epoch: plugins must not depend on time.
struct FrozenClock;

impl HostWallClock for FrozenClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

impl HostMonotonicClock for FrozenClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

impl State {
    /// Fresh state for one call of `plugin`.
    pub fn new(plugin: &str, seed: &Seed, memory_limit: u64) -> Self {
        let stdout = MemoryOutputPipe::new(STDIO_CAPTURE);
        let stderr = MemoryOutputPipe::new(STDIO_CAPTURE);
        // Nothing is granted: no preopened directories, environment, arguments, network or
        // inherited stdio. Randomness is derived from the seed and clocks are frozen, so even a
        // WASI plugin renders deterministically.
        let rng_seed: [u8; 32] =
            seed.derive(plugin, "wasi:random", 32).expect("32 is a valid length").try_into().expect("32 bytes");
        let wasi = WasiCtxBuilder::new()
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .secure_random(rand::rngs::StdRng::from_seed(rng_seed))
            .insecure_random(rand::rngs::StdRng::from_seed(rng_seed))
            .insecure_random_seed(0)
            .wall_clock(FrozenClock)
            .monotonic_clock(FrozenClock)
            .allow_ip_name_lookup(false)
            .allow_tcp(false)
            .allow_udp(false)
            .build();
        State {
            plugin: plugin.to_string(),
            seed: seed.clone(),
            memory_limit,
            memory_denied: false,
            logs: Vec::new(),
            log_bytes: 0,
            dropped: (0, 0),
            held: 0,
            pending: 0,
            deadline: None,
            table: ResourceTable::new(),
            wasi,
            stdout,
            stderr,
        }
    }

    /// Moves captured WASI stdout/stderr into the log, a line each, and says how many lines
    /// the limits dropped.
    pub(crate) fn drain_stdio(&mut self) {
        let captured = [(self.stdout.contents(), Level::Info), (self.stderr.contents(), Level::Warn)];
        for (bytes, level) in captured {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            for line in text.lines().filter(|l| !l.is_empty()) {
                self.log_line(level, line.to_string());
            }
        }
        if self.dropped.0 > 0 {
            let line = LogLine {
                level: Level::Warn,
                message: format!(
                    "{} more log lines ({} bytes) dropped: a call may log {MAX_LOG_LINES} lines or {} KiB",
                    self.dropped.0,
                    self.dropped.1,
                    MAX_LOG_BYTES >> 10
                ),
            };
            emit(&self.plugin, &line);
            self.logs.push(line);
            self.dropped = (0, 0);
        }
    }
}

/// Sends a plugin's log line to the host's log.
pub(super) fn emit(plugin: &str, line: &LogLine) {
    let msg = &line.message;
    match line.level {
        Level::Debug => tracing::debug!(target: "plugin", "{plugin}: {msg}"),
        Level::Info => tracing::info!(target: "plugin", "{plugin}: {msg}"),
        Level::Warn => tracing::warn!(target: "plugin", "{plugin}: {msg}"),
        Level::Error => tracing::error!(target: "plugin", "{plugin}: {msg}"),
    }
}

impl State {
    /// Logs a line for the plugin, escaped and cut to [`MAX_LOG_LINE`], and keeps it for the
    /// render cache; past [`MAX_LOG_LINES`] or [`MAX_LOG_BYTES`] a line is only counted.
    pub(crate) fn log_line(&mut self, level: Level, message: String) {
        if self.logs.len() >= MAX_LOG_LINES || self.log_bytes >= MAX_LOG_BYTES {
            self.dropped.0 += 1;
            self.dropped.1 += message.len();
            return;
        }
        // One line: a newline inside a message could forge a line of the host's own output.
        let line = LogLine { level, message: crate::text::one_line(&message, MAX_LOG_LINE) };
        self.log_bytes += line.message.len();
        emit(&self.plugin, &line);
        self.logs.push(line);
    }

    /// `derive-key` for the plugin; a length out of range, or a label over [`MAX_LABEL`]
    /// bytes, traps.
    pub(crate) fn derive_key_bytes(&mut self, label: &str, length: u32) -> wasmtime::Result<Vec<u8>> {
        if label.len() > MAX_LABEL {
            return Err(wasmtime::Error::msg(format!(
                "derive-key label of {} bytes; a label is at most {MAX_LABEL} bytes",
                label.len()
            )));
        }
        self.seed.derive(&self.plugin, label, length as usize).map_err(wasmtime::Error::msg)
    }
}

/// The longest `progress` label kept, in bytes.
pub(crate) const MAX_PROGRESS_LABEL: usize = 64;

impl State {
    /// What a `crypto` call may spend: the call's deadline and the memory the limit has left.
    pub(crate) fn budget(&self) -> super::crypto::Budget {
        super::crypto::Budget { deadline: self.deadline, memory_left: self.memory_limit.saturating_sub(self.held) }
    }

    /// Marks a refusal for memory, so that the error names the memory limit.
    pub(crate) fn refused(&mut self, r: super::crypto::Refusal) -> wasmtime::Error {
        if matches!(r, super::crypto::Refusal::Memory) {
            self.memory_denied = true;
        }
        r.into_trap()
    }

    /// Logs (at trace level, `-vvv`) what a `crypto` call cost.
    pub(crate) fn crypto_took(&self, func: &str, items: usize, start: std::time::Instant) {
        tracing::trace!("plugin {}: crypto.{func} of {items} took {:?}", self.plugin, start.elapsed());
    }

    /// `progress` for the plugin: passed on to the progress sink, if one is installed.
    pub(crate) fn progress(&mut self, what: &str, done: u64, total: u64) {
        let what = crate::text::one_line(what, MAX_PROGRESS_LABEL);
        super::progress::report(super::progress::Event::Progress { plugin: &self.plugin, what: &what, done, total });
    }
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// What a table element is charged against the memory limit (a function reference and its
/// type, as wasmtime stores them, rounded up).
const TABLE_ELEMENT_BYTES: u64 = 16;
/// Core instances, tables and memories one plugin instance may create. Rust and C plugins use
/// one memory and a handful of tables and instances; the counts bound the per-item overhead
/// the byte limit does not see.
const MAX_INSTANCES: usize = 100;
const MAX_TABLES: usize = 100;
const MAX_MEMORIES: usize = 10;

impl State {
    /// Charges `bytes` more to the instance, or refuses past the limit.
    fn grow(&mut self, bytes: u64) -> wasmtime::Result<bool> {
        let held = self.held.saturating_add(bytes);
        if held > self.memory_limit {
            self.memory_denied = true;
            return Err(wasmtime::Error::msg("memory limit reached"));
        }
        self.held = held;
        self.pending = bytes;
        Ok(true)
    }

    /// A growth the limiter allowed failed after all (over the declared maximum): not held.
    fn refund(&mut self) {
        self.held = self.held.saturating_sub(std::mem::take(&mut self.pending));
    }
}

impl ResourceLimiter for State {
    /// The limit is on everything the instance holds: the sum over all its memories (a
    /// component may have many) and its tables, not on each memory alone.
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.grow(desired.saturating_sub(current) as u64)
    }

    fn table_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.grow((desired.saturating_sub(current) as u64).saturating_mul(TABLE_ELEMENT_BYTES))
    }

    fn memory_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        self.refund();
        Ok(())
    }

    fn table_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        self.refund();
        Ok(())
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }
    fn tables(&self) -> usize {
        MAX_TABLES
    }
    fn memories(&self) -> usize {
        MAX_MEMORIES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derive_is_deterministic_and_separated() {
        let s = Seed::from_hex(&"11".repeat(32)).unwrap();
        let a = s.derive("p", "label", 32).unwrap();
        assert_eq!(a, s.derive("p", "label", 32).unwrap());
        assert_ne!(a, s.derive("q", "label", 32).unwrap(), "plugins must not share keys");
        assert_ne!(a, s.derive("p", "label2", 32).unwrap());
        let other = Seed::from_hex(&"22".repeat(32)).unwrap();
        assert_ne!(a, other.derive("p", "label", 32).unwrap());
    }

    #[test]
    fn derive_rejects_bad_lengths() {
        let s = Seed::from_hex(&"11".repeat(16)).unwrap();
        assert!(s.derive("p", "l", 0).unwrap_err().contains("outside 1..=8160"));
        assert!(s.derive("p", "l", 8161).is_err());
        assert_eq!(s.derive("p", "l", 8160).unwrap().len(), 8160);
    }

    #[test]
    fn the_memory_limit_is_on_all_memories_and_tables_together() {
        let seed = Seed::from_hex(&"11".repeat(32)).unwrap();
        let mut st = State::new("p", &seed, 100 << 20);
        assert!(st.memory_growing(0, 60 << 20, None).unwrap());
        // A second memory of 60 MiB: each is under 100 MiB, together they are not.
        assert!(st.memory_growing(0, 60 << 20, None).is_err());
        assert!(st.memory_denied);
        let mut st = State::new("p", &seed, 100 << 20);
        assert!(st.memory_growing(0, 90 << 20, None).unwrap());
        assert!(st.table_growing(0, 1 << 20, None).is_err(), "16 MiB of table on top of 90 MiB");
        // A growth allowed here that fails in wasmtime (over the declared maximum) is refunded.
        let mut st = State::new("p", &seed, 100 << 20);
        assert!(st.memory_growing(0, 60 << 20, None).unwrap());
        st.memory_grow_failed(wasmtime::Error::msg("over the maximum")).unwrap();
        assert!(st.memory_growing(0, 60 << 20, None).unwrap(), "the failed 60 MiB is not held");
    }

    #[test]
    fn logs_are_escaped_cut_and_bounded() {
        let seed = Seed::from_hex(&"11".repeat(32)).unwrap();
        let mut st = State::new("p", &seed, 1 << 20);
        st.log_line(Level::Error, "\x1b]0;title\x07".into());
        assert_eq!(st.logs[0].message, "\\u{1b}]0;title\\u{7}");
        st.logs.clear();
        st.log_line(Level::Info, "ok\nerror: forged".into());
        assert_eq!(st.logs[0].message, "ok\\u{a}error: forged", "one line, never two");
        st.logs.clear();
        st.log_line(Level::Info, "x".repeat(MAX_LOG_LINE * 4));
        assert!(st.logs[0].message.len() < MAX_LOG_LINE + 64);
        for _ in 0..5_000 {
            st.log_line(Level::Info, "y".repeat(100));
        }
        assert!(st.logs.len() <= MAX_LOG_LINES);
        st.drain_stdio();
        let last = &st.logs.last().unwrap().message;
        assert!(last.contains("more log lines") && last.contains("dropped"), "{last}");
        let kept: usize = st.logs.iter().map(|l| l.message.len()).sum();
        assert!(kept <= MAX_LOG_BYTES + MAX_LOG_LINE + 200, "{kept}");
    }

    #[test]
    fn a_long_derive_key_label_is_refused_before_any_hashing() {
        let seed = Seed::from_hex(&"11".repeat(32)).unwrap();
        let mut st = State::new("p", &seed, 1 << 20);
        let err = st.derive_key_bytes(&"l".repeat(MAX_LABEL + 1), 32).unwrap_err().to_string();
        assert!(err.contains("at most 1024 bytes"), "{err}");
        assert_eq!(st.derive_key_bytes(&"l".repeat(MAX_LABEL), 32).unwrap().len(), 32);
    }

    #[test]
    fn seed_hex_rules() {
        assert!(Seed::from_hex("zz").unwrap_err().contains("not hex"));
        assert!(Seed::from_hex("00").unwrap_err().contains("16 to 64 bytes"));
        assert_eq!(Seed::from_hex(&format!("0x{}", "ab".repeat(32))).unwrap().to_hex(), "ab".repeat(32));
        assert_eq!(format!("{:?}", Seed::from_hex(&"ab".repeat(32)).unwrap()), "Seed(<redacted>)");
    }
}
