//! `ethwasm uninstall`: delete a release.

use crate::cli::args::{self, block_on, ReleaseArgs};
use crate::cli::{print, Globals, Outcome};
use clap::Args;
use ethwasm::deploy::{self, Options};

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
    /// Runs the uninstall.
    pub fn execute(self, g: &Globals) -> ethwasm::Result<Outcome> {
        let report = block_on(async {
            let cluster = args::connect(g).await?;
            let (ns, release) = self.target.resolve(g, &cluster).await?;
            let opts = Options {
                holder: deploy::lock::holder_identity("uninstall"),
                events: print::progress(),
                ..Options::default()
            };
            deploy::uninstall(&cluster, &ns, &release, self.keep_history, &opts).await
        })?;
        print::lines(format!(
            "release {} in namespace {} uninstalled: {} objects deleted",
            report.release,
            report.namespace,
            report.pruned.len()
        ))?;
        Ok(Outcome::Success)
    }
}
