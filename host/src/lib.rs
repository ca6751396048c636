//! ethwasm: render a private Ethereum network for Kubernetes from sandboxed WebAssembly
//! component plugins.

pub mod chart;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod deploy;
pub mod exit;
pub mod job;
pub mod manifest;
pub mod plugin;
pub mod release;
pub mod render;
pub mod units;
pub mod values;
pub mod yaml;
