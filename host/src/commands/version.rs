//! `ethwasm version`.

use crate::exit::Outcome;
use crate::plugin::SUPPORTED_WIT_VERSIONS;
use clap::Args;

/// Print versions.
#[derive(Debug, Args)]
pub struct VersionCommand {}

impl VersionCommand {
    /// Prints ethwasm's version, wasmtime's and the WIT packages plugins may target.
    pub fn execute(self) -> anyhow::Result<Outcome> {
        let wit: Vec<String> = SUPPORTED_WIT_VERSIONS.iter().map(|v| format!("ethwasm:plugin@{v}")).collect();
        let text = format!(
            "ethwasm {}\nwasmtime {}\nplugin WIT: {}\n",
            env!("CARGO_PKG_VERSION"),
            crate::plugin::wasmtime_version(),
            wit.join(", ")
        );
        super::render::write_stdout(text.as_bytes())?;
        Ok(Outcome::Success)
    }
}
