//! ethwasm: render a private Ethereum network for Kubernetes from sandboxed WebAssembly
//! component plugins, and keep it as a release in a cluster.
//!
//! The library knows nothing of the command line: it takes typed requests ([`job::Spec`],
//! [`deploy::Options`]) and returns reports, events and typed [`Error`]s that carry their
//! [`Class`]. The `ethwasm` binary (src/main.rs and src/cli/) owns flags, printing and exit
//! codes.
//!
//! Layers, each using only those below it:
//! - [`deploy`]: release actions over a cluster (install/upgrade, rollback, uninstall, status,
//!   history, list, diff);
//! - [`job`] and [`render`]: resolve a request (chart, plugins, values) and run the plugins;
//! - [`source`]: the front door that opens a chart and its plugins' components once;
//! - [`plugin`], [`chart`], [`values`], [`manifest`], [`permit`] (with [`pod_security`]), [`release`], [`cluster`]: the
//!   sandbox, chart files, values merging, object checks, what plugins may create, release
//!   records, and the cluster client;
//! - [`error`], [`text`], [`units`], [`yaml`]: shared leaves.

// The compile cache's deserialisation is the one allowed exception (plugin/cache.rs).
#![deny(unsafe_code)]

pub mod chart;
pub mod cluster;
pub mod deploy;
pub mod error;
pub mod job;
pub mod manifest;
pub mod oci;
pub mod permit;
pub mod plugin;
pub mod pod_security;
pub mod release;
pub mod render;
pub mod source;
pub mod text;
pub mod units;
pub mod values;
pub mod yaml;

pub use error::{Class, Error, Result};
