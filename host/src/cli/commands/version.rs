//! `ethwasm version`.

use crate::cli::Outcome;
use clap::Args;
use ethwasm::plugin::SUPPORTED_WIT_VERSIONS;

/// Print versions.
#[derive(Debug, Args)]
pub struct VersionCommand {}

impl VersionCommand {
    /// Prints ethwasm's version, wasmtime's (and the compiler it uses) and the WIT packages
    /// plugins may target.
    pub fn execute(self) -> ethwasm::Result<Outcome> {
        let wit: Vec<String> = SUPPORTED_WIT_VERSIONS.iter().map(|v| format!("ethwasm:plugin@{v}")).collect();
        let compiler = match ethwasm::plugin::Compiler::from_env()? {
            ethwasm::plugin::Compiler::Winch => "winch (cranelift for a component winch cannot compile)",
            ethwasm::plugin::Compiler::Cranelift => "cranelift",
        };
        let text = format!(
            "ethwasm {}\nwasmtime {} (compiler: {compiler}; ETHWASM_COMPILER sets it)\nplugin WIT: {}\n",
            env!("CARGO_PKG_VERSION"),
            ethwasm::plugin::wasmtime_version(),
            wit.join(", ")
        );
        crate::cli::print::write_stdout(text.as_bytes())?;
        Ok(Outcome::Success)
    }
}
