//! ethwasm: render a private Ethereum network for Kubernetes from sandboxed WebAssembly
//! component plugins, and (later) apply it to a cluster.

pub mod plugin;
pub mod chart;
pub mod manifest;
pub mod render;
pub mod units;
pub mod values;
