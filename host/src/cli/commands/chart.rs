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

/// `ethwasm package CHART [-d DIR]`: the chart and its plugins in one archive.
#[derive(Debug, Args)]
pub struct PackageCommand {
    /// Chart directory (its plugins built and pinned in chart.lock).
    #[arg(value_name = "CHART")]
    pub chart: PathBuf,
    /// Where to write NAME-VERSION.tgz.
    #[arg(short = 'd', long = "destination", value_name = "DIR", default_value = ".")]
    pub destination: PathBuf,
    /// For plugins the chart names by oci:// reference.
    #[command(flatten)]
    pub store: super::registry::StoreArgs,
}

impl PackageCommand {
    /// Packs the chart, checking every plugin against its pin, and prints the archive's path.
    pub fn execute(self) -> ethwasm::Result<Outcome> {
        let ask = ethwasm::source::Ask { chart: Some(&self.chart), ..Default::default() };
        let opened = ethwasm::source::Sources::open(Some(&self.store.registry()?), &ask)?;
        let chart = opened.chart.ok_or_else(|| ethwasm::Error::internal("the chart was not opened"))?;
        let remote =
            opened.chart_plugins.into_iter().filter_map(|cp| Some((cp.plugin.remote?, cp.pulled?.bytes))).collect();
        let archive = ethwasm::chart::archive::package(&chart, &self.destination, &remote)?;
        let size = std::fs::metadata(&archive).map(|m| m.len()).unwrap_or(0);
        eprintln!("packed {} ({size} bytes; {} plugins)", archive.display(), chart.file.plugins.len());
        println!("{}", archive.display());
        Ok(Outcome::Success)
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
