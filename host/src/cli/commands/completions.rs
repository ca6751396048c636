//! `ethwasm completions SHELL`.

use crate::cli::Outcome;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

/// Print a completion script.
#[derive(Debug, Args)]
pub struct CompletionsCommand {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

impl CompletionsCommand {
    /// Writes the script to stdout.
    pub fn execute(self) -> ethwasm::Result<Outcome> {
        let mut cmd = crate::cli::Cli::command();
        let mut buf = Vec::new();
        clap_complete::generate(self.shell, &mut cmd, "ethwasm", &mut buf);
        crate::cli::print::write_stdout(&buf)?;
        Ok(Outcome::Success)
    }
}
