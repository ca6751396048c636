//! `ethwasm rollback`: re-apply an earlier revision.

use crate::cli::{block_on, ReleaseArgs};
use crate::commands::deploy::RolloutArgs;
use crate::deploy;
use crate::exit::Outcome;
use clap::Args;

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
    /// Runs it.
    pub fn execute(self) -> anyhow::Result<Outcome> {
        let (ns, release, report) = block_on(async {
            let cluster = self.target.cluster.connect().await?;
            let (ns, release) = self.target.resolve(&cluster).await?;
            let report =
                deploy::rollback(&cluster, &ns, &release, self.revision, &self.rollout.options("rollback")).await?;
            anyhow::Ok((ns, release, report))
        })?;
        println!(
            "release {release} in namespace {ns}: revision {}: {}: {} applied, {} pruned",
            report.revision,
            report.description.to_lowercase(),
            report.applied.len(),
            report.pruned.len()
        );
        Ok(Outcome::Success)
    }
}
