//! `ethwasm diff`: what a deploy would change.

use crate::cli::args::{self, block_on, RuntimeArgs, SourceArgs, ValuesArgs};
use crate::cli::{print, Globals, Outcome};
use clap::{Args, ValueEnum};
use ethwasm::cluster::{builtin, Cluster, ObjectError};
use ethwasm::deploy::{self, SeedChoice};
use std::io::IsTerminal;

/// When to colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// When stdout is a terminal and NO_COLOR is unset.
    Auto,
    Always,
    Never,
}

/// Show what a deploy would change: a unified diff of each live object against what the
/// server would make of the rendered one (a dry-run apply), server-managed fields dropped.
/// Exit code 0: no changes; 1: changes.
#[derive(Debug, Args)]
pub struct DiffCommand {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub values: ValuesArgs,
    #[command(flatten)]
    pub reuse: args::ReuseArgs,
    /// Show Secret values instead of `***`.
    #[arg(long)]
    pub show_secrets: bool,
    /// Preview an upgrade with --rotate-keys.
    #[arg(long)]
    pub rotate_keys: bool,
    /// Colour the diff.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: Color,
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

impl DiffCommand {
    /// Runs the diff.
    pub fn execute(self, g: &Globals) -> ethwasm::Result<Outcome> {
        let mut spec = args::spec(g, &self.source, &self.values, &self.runtime)?;
        spec.values.reuse = self.reuse.mode();
        let release = ethwasm::job::release_name(&spec)?;
        let color = match self.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        };
        let (text, changed, waves) = block_on(async {
            let cluster = args::connect(g).await?;
            let ns = args::namespace(g, &cluster)?;
            let seed = SeedChoice {
                given: self.source.seed.clone(),
                rotate: self.rotate_keys,
                created: spec.created,
                new_chain: false,
            };
            let render = deploy::renderer(&spec, &ns, &release);
            let plan = deploy::plan::plan(&cluster, &ns, &release, seed, render).await?;
            let ns_exists = cluster
                .get(&builtin::namespace(), "", &ns)
                .await
                .map_err(|e| ObjectError::new("read", format!("Namespace {ns}"), e))?
                .is_some();
            let previous = deploy::chain::live_record(&plan.history);
            let waves = deploy::waves::plan(previous, &plan.targets)?;
            let (text, changed) =
                deploy::diff::diff(&cluster, &plan.targets, &plan.prune, ns_exists, self.show_secrets, color).await?;
            Ok((text, changed, waves))
        })?;
        print::write_stdout(text.as_bytes())?;
        // The waves an upgrade would take, on stderr beside the other progress lines.
        for (i, w) in waves.iter().enumerate() {
            eprintln!("wave     {}", deploy::waves::describe(i, waves.len(), w));
        }
        Ok(if changed { Outcome::Changes } else { Outcome::Success })
    }
}
