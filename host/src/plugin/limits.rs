//! The limits every plugin call runs under ([`Limits`]), and byte counts written the way the
//! limit flags take them.

use std::time::Duration;

/// Limits applied to every plugin call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Linear memory per plugin instance, in bytes.
    pub memory_bytes: u64,
    /// Wall-clock time per call.
    pub timeout: Duration,
    /// Total bytes of manifests, outputs and notes one render may return.
    pub output_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { memory_bytes: 256 << 20, timeout: Duration::from_secs(10), output_bytes: 16 << 20 }
    }
}

/// Formats a byte count the way the limit flags take it (`256Mi`).
pub(crate) fn format_bytes(n: u64) -> String {
    for (unit, shift) in [("Gi", 30), ("Mi", 20), ("Ki", 10)] {
        if n >= 1 << shift && n.is_multiple_of(1 << shift) {
            return format!("{}{unit}", n >> shift);
        }
    }
    format!("{n}")
}
