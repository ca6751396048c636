//! `ethwasm rollback`: re-apply an earlier revision.

use crate::cli::args::{self, block_on, ReleaseArgs, RolloutArgs};
use crate::cli::{print, Globals, Outcome};
use clap::Args;
use ethwasm::deploy;

/// Re-apply an earlier revision's objects (default: the one before the deployed one), prune
/// the rest, and record the result as a new revision.
#[derive(Debug, Args)]
pub struct RollbackCommand {
    /// The revision to return to.
    #[arg(value_name = "REVISION")]
    pub revision: Option<u32>,
    #[command(flatten)]
    pub target: ReleaseArgs,
    #[command(flatten)]
    pub rollout: RolloutArgs,
}

impl RollbackCommand {
    /// Runs the rollback.
    pub fn execute(self, g: &Globals) -> ethwasm::Result<Outcome> {
        let report = block_on(async {
            let cluster = args::connect(g).await?;
            let (ns, release) = self.target.resolve(g, &cluster).await?;
            deploy::rollback(&cluster, &ns, &release, self.revision, &self.rollout.options("rollback")).await
        })?;
        print::report(&report)?;
        Ok(Outcome::Success)
    }
}
