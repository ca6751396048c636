//! `ethwasm deploy`: install or upgrade a release.

use crate::cli::{block_on, ClusterArgs, RuntimeArgs, SourceArgs, ValuesArgs};
use crate::cluster::Cluster;
use crate::deploy::{self, DryRun, Options, Revision, SeedChoice};
use crate::exit::Outcome;
use crate::job::Job;
use crate::release::{ChartRef, PluginDigest};
use crate::units::parse_duration;
use clap::Args;
use std::time::Duration;

/// Flags shared by deploy and rollback.
#[derive(Debug, Clone, Args)]
pub struct RolloutArgs {
    /// Take ownership of fields another field manager set (server-side apply `force`);
    /// otherwise such a conflict stops the deploy and names the field and the manager.
    #[arg(long)]
    pub force_conflicts: bool,
    /// Wait until Deployments, StatefulSets and DaemonSets are ready and Jobs complete.
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits (e.g. 5m, 90s).
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Revisions to keep in the release's history (older ones are deleted).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub history_max: usize,
    /// Requests in flight at once within an install stage.
    #[arg(long, value_name = "N", default_value_t = 8, hide = true)]
    pub parallelism: usize,
}

impl RolloutArgs {
    /// Deploy options from these flags.
    pub fn options(&self, operation: &str) -> Options {
        Options {
            force_conflicts: self.force_conflicts,
            wait: self.wait,
            timeout: self.timeout,
            history_max: self.history_max,
            parallelism: self.parallelism.max(1),
            holder: deploy::lock::holder_identity(operation),
            verbose_output: true,
            ..Options::default()
        }
    }
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
    pub cluster: ClusterArgs,
    /// Create the namespace if it does not exist.
    #[arg(long)]
    pub create_namespace: bool,
    /// Change nothing: `client` plans without sending writes, `server` sends every write
    /// with dryRun=All so the API server validates it.
    #[arg(long, value_enum, value_name = "MODE", num_args = 0..=1, default_missing_value = "client")]
    pub dry_run: Option<DryRun>,
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

/// Renders a revision for a cluster command: the release's seed and revision number fixed.
pub fn render_revision(
    source: &SourceArgs,
    values: &ValuesArgs,
    runtime: &RuntimeArgs,
    namespace: &str,
    release: &str,
    seed_hex: &str,
    revision: u32,
) -> anyhow::Result<Revision> {
    let mut source = source.clone();
    source.namespace = Some(namespace.into());
    source.release = Some(release.into());
    source.seed = Some(seed_hex.into());
    let mut job = Job::resolve(&source, values, runtime)?;
    job.request.release.revision = revision;
    let rendered = crate::render::render(&job.request)?;
    Ok(Revision {
        objects: rendered.objects.into_iter().map(|o| o.body).collect(),
        notes: rendered.notes,
        values: job.user_values,
        chart: job.chart.as_ref().map(|c| ChartRef { name: c.file.name.clone(), version: c.file.version.clone() }),
        plugins: job
            .request
            .plugins
            .iter()
            .map(|p| PluginDigest {
                name: p.name().to_string(),
                version: p.info.version.clone(),
                sha256: p.sha256.clone(),
            })
            .collect(),
    })
}

/// `render_revision` over owned copies of the flags: a render a blocking thread can run.
pub fn renderer(
    source: &SourceArgs,
    values: &ValuesArgs,
    runtime: &RuntimeArgs,
    namespace: &str,
    release: &str,
) -> impl FnOnce(&str, u32) -> anyhow::Result<Revision> + Send + 'static {
    let (source, values, runtime) = (source.clone(), values.clone(), runtime.clone());
    let (namespace, release) = (namespace.to_string(), release.to_string());
    move |seed_hex: &str, revision: u32| {
        render_revision(&source, &values, &runtime, &namespace, &release, seed_hex, revision)
    }
}

impl DeployCommand {
    /// Runs the deploy.
    pub fn execute(self) -> anyhow::Result<Outcome> {
        let release = crate::job::release_name(&self.source, None)?;
        let report = block_on(async {
            let cluster = self.cluster.connect().await?;
            let ns = self.source.namespace.clone().unwrap_or_else(|| cluster.default_namespace());
            crate::job::check_namespace(&ns)?;
            let opts = Options {
                dry_run: self.dry_run,
                create_namespace: self.create_namespace,
                rollback_on_failure: self.rollback_on_failure,
                ..self.rollout.options("deploy")
            };
            let seed = SeedChoice { given: self.source.seed.clone(), rotate: self.rotate_keys };
            let render = renderer(&self.source, &self.values, &self.runtime, &ns, &release);
            let report = deploy::deploy(&cluster, &ns, &release, seed, render, &opts).await?;
            anyhow::Ok((ns, report))
        })?;
        let (ns, report) = report;
        if self.dry_run.is_none() {
            println!(
                "release {release} in namespace {ns}: revision {} {}: {} applied, {} pruned{}",
                report.revision,
                report.description.to_lowercase(),
                report.applied.len(),
                report.pruned.len(),
                if report.skipped.is_empty() {
                    String::new()
                } else {
                    format!(", {} left in place (not created by ethwasm)", report.skipped.len())
                }
            );
            if !self.no_notes {
                crate::commands::render::print_notes(&report.notes);
            }
        }
        Ok(Outcome::Success)
    }
}
