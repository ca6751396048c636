//! `ethwasm uninstall`: delete a release.

use crate::cli::args::{self, block_on, ReleaseArgs};
use crate::cli::{print, Globals, Outcome};
use clap::Args;
use ethwasm::deploy::{self, Options};

/// Delete a release's objects in reverse install order, then its records. Objects ethwasm did
/// not create for this release, its CustomResourceDefinitions (unless --delete-crds) and the
/// PersistentVolumeClaims its StatefulSets made are left in place, and named.
#[derive(Debug, Args)]
pub struct UninstallCommand {
    #[command(flatten)]
    pub target: ReleaseArgs,
    /// Keep the release's records (its latest revision marked `uninstalled`).
    #[arg(long)]
    pub keep_history: bool,
    /// Delete the release's CustomResourceDefinitions too. Deleting one deletes every resource
    /// of its kinds in every namespace, other releases' too: by default they are kept.
    #[arg(long)]
    pub delete_crds: bool,
}

impl UninstallCommand {
    /// Runs the uninstall.
    pub fn execute(self, g: &Globals) -> ethwasm::Result<Outcome> {
        let report = block_on(async {
            let cluster = args::connect(g).await?;
            let (ns, release) = self.target.resolve(g, &cluster).await?;
            let opts = Options {
                holder: deploy::lock::holder_identity("uninstall"),
                delete_crds: self.delete_crds,
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
        let (crds, claims): (Vec<_>, Vec<_>) = report.kept.iter().partition(|k| k.kind == "CustomResourceDefinition");
        for k in &crds {
            print::lines(format!(
                "kept {k}: deleting it would delete every resource of its kinds in the cluster; \
                 `ethwasm uninstall --delete-crds` deletes it"
            ))?;
        }
        if !claims.is_empty() {
            let names: Vec<&str> = claims.iter().map(|k| k.name.as_str()).collect();
            print::lines(format!(
                "kept {} PersistentVolumeClaims holding the chain's data ({}); delete them with \
                 `kubectl delete pvc -n {} {}`",
                claims.len(),
                names.join(", "),
                report.namespace,
                names.join(" ")
            ))?;
        }
        Ok(Outcome::Success)
    }
}
