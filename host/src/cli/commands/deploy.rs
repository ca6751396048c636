//! `ethwasm deploy`: install or upgrade a release.

use crate::cli::args::{self, block_on, RolloutArgs, RuntimeArgs, SourceArgs, ValuesArgs};
use crate::cli::{print, Globals, Outcome};
use clap::{Args, ValueEnum};
use ethwasm::deploy::{self, DryRun, Options, SeedChoice};

/// `--dry-run` modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DryRunArg {
    /// Render, discover and plan; send nothing that changes the cluster.
    Client,
    /// Send every apply and delete with dryRun=All: the server validates, stores nothing.
    Server,
}

/// Install or upgrade a release: render, then server-side apply in install order, prune what
/// the previous revision had and this one drops, record the revision.
#[derive(Debug, Args)]
pub struct DeployCommand {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub values: ValuesArgs,
    #[command(flatten)]
    pub reuse: args::ReuseArgs,
    /// Create the namespace if it does not exist.
    #[arg(long)]
    pub create_namespace: bool,
    /// Change nothing: `client` plans without sending writes, `server` sends every write
    /// with dryRun=All so the API server validates it.
    #[arg(long, value_enum, value_name = "MODE", num_args = 0..=1, default_missing_value = "client")]
    pub dry_run: Option<DryRunArg>,
    /// When applying or waiting fails, restore the previous revision (or, on a first install,
    /// delete what was applied) and record the failed revision as failed.
    #[arg(long)]
    pub rollback_on_failure: bool,
    /// On upgrade, derive keys from a new seed (--seed, or a fresh one) instead of the
    /// recorded one: every generated key, password and account changes.
    #[arg(long)]
    pub rotate_keys: bool,
    #[command(flatten)]
    pub rollout: RolloutArgs,
    /// Do not print the plugins' notes on stderr.
    #[arg(long)]
    pub no_notes: bool,
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

impl DeployCommand {
    /// Runs the deploy.
    pub fn execute(self, g: &Globals) -> ethwasm::Result<Outcome> {
        let mut spec = args::spec(g, &self.source, &self.values, &self.runtime)?;
        spec.values.reuse = self.reuse.mode();
        let release = ethwasm::job::release_name(&spec)?;
        let report = block_on(async {
            let cluster = args::connect(g).await?;
            let ns = args::namespace(g, &cluster)?;
            let opts = Options {
                dry_run: self.dry_run.map(|d| match d {
                    DryRunArg::Client => DryRun::Client,
                    DryRunArg::Server => DryRun::Server,
                }),
                create_namespace: self.create_namespace,
                rollback_on_failure: self.rollback_on_failure,
                ..self.rollout.options("deploy")
            };
            let seed = SeedChoice {
                given: self.source.seed.clone(),
                rotate: self.rotate_keys,
                created: spec.created,
                new_chain: opts.new_chain,
            };
            let render = deploy::renderer(&spec, &ns, &release);
            deploy::deploy(&cluster, &ns, &release, seed, render, &opts).await
        })?;
        print::report(&report)?;
        if report.dry_run.is_none() && !self.no_notes {
            print::notes(&report.notes);
        }
        Ok(Outcome::Success)
    }
}
