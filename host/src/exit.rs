//! Exit codes, and how an error chain maps to one.

use crate::chart::ChartError;
use crate::plugin::PluginError;
use crate::render::RenderError;
use crate::values::ValuesError;

/// What a successful command reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Success,
    /// Exit 1: the command ran and found differences (diff).
    Changes,
}

/// Exit code of a usage, values or chart error (also clap's).
pub const USAGE: i32 = 2;
/// Exit code of a plugin failure: load, limit, trap, plugin error, bad manifest.
pub const PLUGIN: i32 = 3;
/// Exit code of a cluster failure.
pub const CLUSTER: i32 = 4;
/// Exit code of anything else (I/O, internal).
pub const OTHER: i32 = 5;

/// A mistake in how ethwasm was called that clap cannot see (bad release name, empty glob).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The exit code for an error: the first classifiable cause in its chain decides.
pub fn code(err: &anyhow::Error) -> i32 {
    for cause in err.chain() {
        if cause.is::<UsageError>()
            || cause.is::<ValuesError>()
            || cause.is::<ChartError>()
            || cause.is::<crate::deploy::NotFound>()
        {
            return USAGE;
        }
        if cause.is::<crate::cluster::ClusterError>()
            || cause.is::<crate::cluster::ObjectError>()
            || cause.is::<crate::deploy::lock::LockHeld>()
            || cause.is::<crate::deploy::lock::LockLost>()
            || cause.is::<crate::deploy::wait::WaitError>()
            || cause.is::<crate::deploy::apply::Unserved>()
            || cause.is::<crate::deploy::Failed>()
            || cause.is::<crate::release::ReleaseError>()
        {
            return CLUSTER;
        }
        if let Some(e) = cause.downcast_ref::<RenderError>() {
            return if e.is_usage() { USAGE } else { PLUGIN };
        }
        if let Some(e) = cause.downcast_ref::<PluginError>() {
            return match e {
                PluginError::Read { .. } | PluginError::InvalidValues { .. } => USAGE,
                _ => PLUGIN,
            };
        }
    }
    OTHER
}
