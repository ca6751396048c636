//! Why a chart could not be read or trusted ([`ChartError`]).

use std::path::{Path, PathBuf};

/// Why a chart could not be read or trusted.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("cannot read {path}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{path} is missing: the chart's plugin pins are written by the build; run `make build` or `ethwasm chart lock {chart}`")]
    NoLock { path: PathBuf, chart: PathBuf },
    #[error("plugin `{plugin}` ({file}) has sha256 {actual}, but {lock} pins {pinned}; if you rebuilt it on purpose, refresh the pins with `ethwasm chart lock {}`", .lock.parent().unwrap_or(Path::new(".")).display())]
    PinMismatch { plugin: String, file: PathBuf, actual: String, pinned: String, lock: PathBuf },
    #[error("plugin `{plugin}` in {archive} has sha256 {actual}, but the archive's chart.lock pins {pinned}: the archive is damaged or was changed after it was packed; package it again, or get it again from where it came")]
    Tampered { plugin: String, archive: PathBuf, actual: String, pinned: String },
    #[error("{lock} has no pin for plugin `{plugin}`; refresh the pins with `ethwasm chart lock {chart}`")]
    Unpinned { plugin: String, lock: PathBuf, chart: PathBuf },
}

crate::error::classify!(ChartError => Usage);
