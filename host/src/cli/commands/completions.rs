//! `ethwasm completions SHELL`.

use crate::cli::Outcome;
use clap::Args;
use clap_complete::Shell;

/// Print a completion script.
#[derive(Debug, Args)]
pub struct CompletionsCommand {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

impl CompletionsCommand {
    /// Writes the script for `cmd` (the whole command line) to stdout.
    pub fn execute(self, mut cmd: clap::Command) -> ethwasm::Result<Outcome> {
        let mut buf = Vec::new();
        clap_complete::generate(self.shell, &mut cmd, "ethwasm", &mut buf);
        crate::cli::print::write_stdout(&buf)?;
        Ok(Outcome::Success)
    }
}
