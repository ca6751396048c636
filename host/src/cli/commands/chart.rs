//! `ethwasm chart ...`: chart maintenance.

use crate::cli::Outcome;
use clap::{Args, Subcommand};
use ethwasm::chart::Chart;
use std::path::PathBuf;

/// Chart subcommands.
#[derive(Debug, Subcommand)]
pub enum ChartCommand {
    /// Pin the chart's plugins: write the sha256 of each into chart.lock.
    Lock(LockCommand),
}

impl ChartCommand {
    /// Runs the subcommand.
    pub fn execute(self) -> ethwasm::Result<Outcome> {
        match self {
            ChartCommand::Lock(c) => c.execute(),
        }
    }
}

/// `ethwasm chart lock [CHART]`
#[derive(Debug, Args)]
pub struct LockCommand {
    /// Chart directory.
    #[arg(value_name = "CHART", default_value = ".")]
    pub chart: PathBuf,
}

impl LockCommand {
    /// Writes chart.lock and lists the pins on stderr.
    pub fn execute(self) -> ethwasm::Result<Outcome> {
        let chart = Chart::load(&self.chart)?;
        let lock = chart.write_lock()?;
        for (name, sha) in &lock.plugins {
            eprintln!("{name}: {sha}");
        }
        eprintln!("wrote {}", chart.lock_path().display());
        Ok(Outcome::Success)
    }
}
