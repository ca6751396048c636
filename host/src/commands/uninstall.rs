//! `ethwasm uninstall`: delete a release.

use crate::cli::{block_on, ReleaseArgs};
use crate::deploy::{self, Options};
use crate::exit::Outcome;
use clap::Args;

/// Delete a release's objects in reverse install order, then its records. Objects ethwasm
/// did not create, and PersistentVolumeClaims made by StatefulSets, are left in place.
#[derive(Debug, Args)]
pub struct UninstallCommand {
    #[command(flatten)]
    pub target: ReleaseArgs,
    /// Keep the release's records (its latest revision marked `uninstalled`).
    #[arg(long)]
    pub keep_history: bool,
}

impl UninstallCommand {
    /// Runs it.
    pub fn execute(self) -> anyhow::Result<Outcome> {
        let (ns, release, report) = block_on(async {
            let cluster = self.target.cluster.connect().await?;
            let (ns, release) = self.target.resolve(&cluster).await?;
            let opts = Options {
                holder: deploy::lock::holder_identity("uninstall"),
                verbose_output: true,
                ..Options::default()
            };
            let report = deploy::uninstall(&cluster, &ns, &release, self.keep_history, &opts).await?;
            anyhow::Ok((ns, release, report))
        })?;
        println!("release {release} in namespace {ns} uninstalled: {} objects deleted", report.pruned.len());
        Ok(Outcome::Success)
    }
}
