//! Releases in a cluster: deploy (install or upgrade), rollback, uninstall, status, history
//! and diff, over any [`Cluster`]. The commands in `crate::commands` are thin wrappers.
//!
//! A deploy takes the release's Lease, reads the release's records to learn the seed and the
//! next revision, renders, resolves every kind, records the revision as pending, applies in
//! install order, prunes what the previous revision had and this one does not, optionally
//! waits, records the outcome and gives the Lease back.

pub mod apply;
pub mod diff;
pub mod lock;
pub mod store;
pub mod wait;

use crate::cluster::{builtin, Cluster, ClusterError, ObjectError, WriteOptions};
use crate::exit::UsageError;
use crate::manifest::ObjectKey;
use crate::release::{to_prune, to_trim, ChartRef, PluginDigest, Record, Status};
use apply::{Applied, Target};
use lock::Lock;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Duration;
use store::Store;

/// What a render produced for a revision.
#[derive(Debug, Clone)]
pub struct Revision {
    /// Object bodies, in install order.
    pub objects: Vec<Value>,
    pub notes: Vec<(String, String)>,
    /// The values the user gave (not the chart's defaults).
    pub values: Value,
    pub chart: Option<ChartRef>,
    pub plugins: Vec<PluginDigest>,
}

/// `--dry-run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DryRun {
    /// Render, discover and plan; send nothing that changes the cluster.
    Client,
    /// Send every apply and delete with dryRun=All: the server validates, stores nothing.
    Server,
}

/// How a deploy, rollback or uninstall runs.
#[derive(Debug, Clone)]
pub struct Options {
    pub dry_run: Option<DryRun>,
    pub force_conflicts: bool,
    pub create_namespace: bool,
    pub wait: bool,
    pub timeout: Duration,
    pub rollback_on_failure: bool,
    pub history_max: usize,
    /// Requests in flight at once inside an install stage.
    pub parallelism: usize,
    pub poll_interval: Duration,
    pub lock_duration: Duration,
    /// `holderIdentity` of the lock.
    pub holder: String,
    /// Print what happens on stdout.
    pub verbose_output: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dry_run: None,
            force_conflicts: false,
            create_namespace: false,
            wait: false,
            timeout: Duration::from_secs(300),
            rollback_on_failure: false,
            history_max: 10,
            parallelism: 8,
            poll_interval: Duration::from_secs(2),
            lock_duration: lock::LEASE_DURATION,
            holder: lock::holder_identity("ethwasm"),
            verbose_output: false,
        }
    }
}

/// What a deploy, rollback or uninstall did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub revision: u32,
    pub applied: Vec<ObjectKey>,
    pub pruned: Vec<ObjectKey>,
    /// Objects prune or uninstall left alone because ethwasm did not create them.
    pub skipped: Vec<ObjectKey>,
    pub description: String,
    /// The plugins' notes of the revision deployed.
    pub notes: Vec<(String, String)>,
}

/// The release does not exist.
#[derive(Debug, thiserror::Error)]
#[error("release `{release}` not found in namespace {namespace}; `ethwasm list -A` shows the releases")]
pub struct NotFound {
    pub release: String,
    pub namespace: String,
}

/// A cluster-side failure with its own message (a failed deploy, a changed release).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Failed(pub String);

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn say(opts: &Options, line: impl AsRef<str>) {
    if opts.verbose_output {
        println!("{}", line.as_ref());
    }
}

/// The release name when `--release` is not given: the only release in the namespace.
pub async fn default_release<C: Cluster>(c: &C, namespace: &str) -> anyhow::Result<String> {
    let mut names: Vec<String> = store::list_releases(c, Some(namespace)).await?.into_iter().map(|r| r.name).collect();
    names.sort();
    names.dedup();
    match names.len() {
        1 => Ok(names.remove(0)),
        0 => {
            Err(UsageError(format!("no ethwasm release in namespace {namespace}; pass -n NAMESPACE or --release"))
                .into())
        }
        _ => Err(UsageError(format!(
            "namespace {namespace} holds several releases ({}); pass --release NAME",
            names.join(", ")
        ))
        .into()),
    }
}

/// Checks the namespace exists, creating it with --create-namespace.
async fn ensure_namespace<C: Cluster>(c: &C, namespace: &str, opts: &Options) -> anyhow::Result<()> {
    let rt = builtin::namespace();
    let exists = c
        .get(&rt, "", namespace)
        .await
        .map_err(|e| ObjectError::new("read", format!("Namespace {namespace}"), e))?
        .is_some();
    if exists {
        return Ok(());
    }
    if !opts.create_namespace {
        return Err(
            UsageError(format!("namespace {namespace} does not exist; create it or pass --create-namespace")).into()
        );
    }
    let body = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}});
    c.apply(&rt, "", namespace, &body, WriteOptions::default())
        .await
        .map_err(|e| ObjectError::new("create", format!("Namespace {namespace}"), e))?;
    say(opts, format!("created namespace {namespace}"));
    Ok(())
}

/// Targets for keys a record holds (for prune and uninstall), found among its manifests.
/// Kinds the cluster no longer serves cannot have live objects: they are skipped.
async fn targets_for<C: Cluster>(c: &C, keys: &[ObjectKey], records: &[&Record]) -> anyhow::Result<Vec<Target>> {
    let mut out = Vec::new();
    for key in keys {
        let body = records.iter().flat_map(|r| r.manifests.iter()).find(|m| apply::key_of(m) == *key).cloned();
        let Some(body) = body else {
            tracing::warn!("{key}: no manifest recorded; cannot find its API version, left in place");
            continue;
        };
        let av = body.get("apiVersion").and_then(Value::as_str).unwrap_or_default().to_string();
        match c.resource(&av, &key.kind).await {
            Ok(rt) => out.push(Target { key: key.clone(), rt, body }),
            Err(ClusterError::Unserved { .. }) => tracing::debug!("{key}: {av} no longer served"),
            Err(e) => return Err(ObjectError::new("discover", key, e).into()),
        }
    }
    Ok(out)
}

/// What a rollout should leave behind: apply `targets`, then prune `prune`.
struct Rollout<'a> {
    targets: &'a [Target],
    prune: &'a [Target],
}

/// Applies, prunes and waits. On failure returns the error and what was applied.
async fn roll_out<C: Cluster>(
    c: &C,
    release: &str,
    plan: &Rollout<'_>,
    opts: &Options,
    force: bool,
) -> (Report, Option<anyhow::Error>) {
    let mut report = Report::default();
    let wopts = WriteOptions { force, dry_run: false };
    let Applied { applied, error } =
        apply::apply_all(c, plan.targets, wopts, opts.parallelism, |k| say(opts, format!("applied  {k}"))).await;
    report.applied = applied;
    if let Some(e) = error {
        return (report, Some(e));
    }
    match apply::delete_all(c, plan.prune, release, WriteOptions::default(), opts.parallelism).await {
        Ok(d) => {
            for k in &d.deleted {
                say(opts, format!("pruned   {k}"));
            }
            report.pruned = d.deleted;
            report.skipped = d.skipped;
        }
        Err(e) => return (report, Some(e)),
    }
    if opts.wait {
        if let Err(e) = wait::wait(c, plan.targets, opts.timeout, opts.poll_interval, opts.verbose_output).await {
            return (report, Some(e));
        }
    }
    (report, None)
}

/// Marks other deployed revisions superseded and trims history to `history_max`.
async fn finish_history<C: Cluster>(
    store: &mut Store<'_, C>,
    history: &[Record],
    current: &Record,
    opts: &Options,
) -> anyhow::Result<()> {
    // Under the lock no other operation runs: a pending revision is one a crashed operation
    // left behind.
    let stale = |s: Status| matches!(s, Status::PendingInstall | Status::PendingUpgrade | Status::PendingRollback);
    for r in history.iter().filter(|r| r.revision != current.revision) {
        let mut r = r.clone();
        if r.status == Status::Deployed {
            r.status = Status::Superseded;
        } else if stale(r.status) {
            r.status = Status::Failed;
            r.description = format!("{} (interrupted)", r.description);
        } else {
            continue;
        }
        store.save(&r).await?;
    }
    let mut revisions: Vec<(u32, Status)> = history
        .iter()
        .filter(|r| r.revision != current.revision)
        .map(|r| (r.revision, if r.status == Status::Deployed { Status::Superseded } else { r.status }))
        .collect();
    revisions.push((current.revision, current.status));
    for rev in to_trim(&revisions, opts.history_max) {
        store.delete(rev).await?;
    }
    Ok(())
}

fn keys(targets: &[Target]) -> Vec<ObjectKey> {
    targets.iter().map(|t| t.key.clone()).collect()
}

/// The inventory prune compares against: the deployed revision's and, when a later revision
/// failed or was interrupted, that one's too (it may have applied objects).
fn previous_inventory(history: &[Record]) -> (Vec<ObjectKey>, Vec<&Record>) {
    let mut keys: Vec<ObjectKey> = Vec::new();
    let mut from: Vec<&Record> = Vec::new();
    let deployed = history.iter().rev().find(|r| r.status == Status::Deployed);
    let latest = history.last();
    for r in [deployed, latest].into_iter().flatten() {
        if from.iter().any(|f| f.revision == r.revision) || r.status == Status::Uninstalled {
            continue;
        }
        from.push(r);
        for k in &r.inventory {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    (keys, from)
}

/// Everything a deploy or diff decides before touching the cluster.
#[derive(Debug)]
pub struct Plan<'c, C> {
    /// The release's records, as read by `plan`.
    pub store: Store<'c, C>,
    pub history: Vec<Record>,
    pub seed_hex: String,
    pub revision: u32,
    /// Whether a deployed revision exists.
    pub upgrade: bool,
    pub rendered: Revision,
    pub targets: Vec<Target>,
    /// Objects of the previous revision that this one drops.
    pub prune: Vec<Target>,
}

impl<C> Plan<'_, C> {
    /// "install" or "upgrade".
    pub fn what(&self) -> &'static str {
        if self.upgrade {
            "upgrade"
        } else {
            "install"
        }
    }
}

/// Reads the release's records, chooses the seed and revision, renders with
/// `render(seed_hex, revision)` on a blocking thread (while discovery fetches the
/// group-versions the previous revision used), resolves every kind and works out what to prune.
pub async fn plan<'c, C: Cluster>(
    c: &'c C,
    namespace: &str,
    release: &str,
    seed: SeedChoice,
    render: impl FnOnce(&str, u32) -> anyhow::Result<Revision> + Send + 'static,
) -> anyhow::Result<Plan<'c, C>> {
    let mut store = Store::new(c, namespace, release);
    let history = store.load().await?;
    let seed_hex = choose_seed(release, &history, seed)?;
    let revision = history.last().map_or(1, |r| r.revision + 1);
    let upgrade = history.iter().any(|r| r.status == Status::Deployed);
    let seed_for_render = seed_hex.clone();
    let rendering = tokio::task::spawn_blocking(move || render(&seed_for_render, revision));
    // Meanwhile: one kind of each group-version the last revision applied (an upgrade usually
    // needs the same ones); answers land in the cluster's discovery cache.
    let mut known: std::collections::BTreeMap<&str, &str> = std::collections::BTreeMap::new();
    for m in history.last().map(|r| r.manifests.as_slice()).unwrap_or_default() {
        if let (Some(av), Some(kind)) =
            (m.get("apiVersion").and_then(Value::as_str), m.get("kind").and_then(Value::as_str))
        {
            known.entry(av).or_insert(kind);
        }
    }
    let prefetch = futures::future::join_all(known.iter().map(|(av, kind)| c.resource(av, kind)));
    let (rendered, _) = futures::join!(rendering, prefetch);
    let rendered = rendered.map_err(|e| anyhow::anyhow!("the render thread failed: {e}"))??;
    let targets = apply::discover(c, &rendered.objects).await?;
    let (prev_keys, prev_records) = previous_inventory(&history);
    let gone = to_prune(&prev_keys, &keys(&targets));
    let prune = targets_for(c, &gone, &prev_records).await?;
    Ok(Plan { store, history, seed_hex, revision, upgrade, rendered, targets, prune })
}

/// Takes the release's lock. Where the namespace does not exist yet, a deploy (`create`)
/// creates it with --create-namespace or says to; any other operation finds no release.
async fn lock_release<C: Cluster>(
    c: &C,
    namespace: &str,
    release: &str,
    opts: &Options,
    create: bool,
) -> anyhow::Result<Lock> {
    match Lock::acquire(c, namespace, release, &opts.holder, opts.lock_duration).await {
        Err(e) if e.downcast_ref::<ObjectError>().is_some_and(|o| o.cause.is_not_found()) => {
            if !create {
                return Err(NotFound { release: release.into(), namespace: namespace.into() }.into());
            }
            ensure_namespace(c, namespace, opts).await?;
            Lock::acquire(c, namespace, release, &opts.holder, opts.lock_duration).await
        }
        other => other,
    }
}

/// Install or upgrade. `render(seed_hex, revision)` renders the revision once the seed and
/// revision number are known.
pub async fn deploy<C: Cluster>(
    c: &C,
    namespace: &str,
    release: &str,
    seed: SeedChoice,
    render: impl FnOnce(&str, u32) -> anyhow::Result<Revision> + Send + 'static,
    opts: &Options,
) -> anyhow::Result<Report> {
    match opts.dry_run {
        Some(mode) => dry_run(c, plan(c, namespace, release, seed, render).await?, opts, mode).await,
        None => {
            let lock = lock_release(c, namespace, release, opts, true).await?;
            lock.hold(c, async { rollout_revision(c, plan(c, namespace, release, seed, render).await?, opts).await })
                .await
        }
    }
}

/// `--dry-run`: plan, then either print the plan or send it with dryRun=All. No lock, no record.
async fn dry_run<C: Cluster>(c: &C, plan: Plan<'_, C>, opts: &Options, mode: DryRun) -> anyhow::Result<Report> {
    let what = plan.what();
    let Plan { revision, targets, prune, store, .. } = plan;
    let (namespace, release) = (store.namespace.as_str(), store.release.as_str());
    match mode {
        DryRun::Client => {
            println!("release {release} in {namespace}: revision {revision} ({what}), client dry run: nothing sent");
            for t in &targets {
                println!("would apply  {}", t.key);
            }
            for t in &prune {
                println!("would prune  {}", t.key);
            }
            Ok(Report { revision, applied: keys(&targets), pruned: keys(&prune), ..Report::default() })
        }
        DryRun::Server => {
            let wopts = WriteOptions { force: opts.force_conflicts, dry_run: true };
            let applied = apply::apply_all(c, &targets, wopts, opts.parallelism, |_| {}).await;
            if let Some(e) = applied.error {
                return Err(e);
            }
            let deleted = apply::delete_all(c, &prune, release, wopts, opts.parallelism).await?;
            println!("release {release} in {namespace}: revision {revision} ({what}), server dry run: nothing stored");
            for k in &applied.applied {
                println!("valid        {k}");
            }
            for k in &deleted.deleted {
                println!("would prune  {k}");
            }
            Ok(Report { revision, applied: applied.applied, pruned: deleted.deleted, ..Report::default() })
        }
    }
}

/// The real deploy, under the lock: plan, record pending, apply, prune, wait, record.
async fn rollout_revision<C: Cluster>(c: &C, plan: Plan<'_, C>, opts: &Options) -> anyhow::Result<Report> {
    let what = plan.what();
    let Plan { mut store, history, seed_hex, revision, upgrade, rendered: rev, targets, prune } = plan;
    let (namespace, release) = (store.namespace.clone(), store.release.clone());
    let (namespace, release) = (namespace.as_str(), release.as_str());
    let t = now();
    let mut record = Record {
        name: release.into(),
        namespace: namespace.into(),
        revision,
        chart: rev.chart,
        plugins: rev.plugins,
        values: rev.values,
        seed: seed_hex,
        inventory: keys(&targets),
        manifests: rev.objects,
        status: if upgrade { Status::PendingUpgrade } else { Status::PendingInstall },
        first_deployed: history.first().map_or(t, |r| r.first_deployed),
        last_deployed: t,
        description: format!("{what} in progress"),
        notes: rev.notes,
    };
    store.save(&record).await?;
    let plan = Rollout { targets: &targets, prune: &prune };
    let (mut report, error) = roll_out(c, release, &plan, opts, opts.force_conflicts).await;
    report.revision = revision;
    report.notes = record.notes.clone();
    match error {
        None => {
            record.status = Status::Deployed;
            record.description = format!("{} complete", capitalise(what));
            store.save(&record).await?;
            finish_history(&mut store, &history, &record, opts).await?;
            report.description = record.description.clone();
            Ok(report)
        }
        Some(err) => {
            record.status = Status::Failed;
            record.description = format!("{} failed: {err:#}", capitalise(what));
            if let Err(e) = store.save(&record).await {
                tracing::warn!("could not record revision {revision} as failed: {e:#}");
            }
            if !opts.rollback_on_failure {
                return Err(err.context(format!("{what} of release `{release}` revision {revision} failed")));
            }
            let previous = history.iter().rev().find(|r| r.status == Status::Deployed);
            let outcome = match previous {
                Some(prev) => {
                    let back = revert(c, &mut store, &history, &record, prev, opts).await;
                    back.map(|r| format!("rolled back to revision {} (recorded as revision {})", prev.revision, r))
                }
                None => {
                    let applied: Vec<Target> =
                        targets.iter().filter(|t| report.applied.contains(&t.key)).cloned().collect();
                    let d = apply::delete_all(c, &applied, release, WriteOptions::default(), opts.parallelism).await;
                    d.map(|d| format!("rolled back by deleting the {} objects it had applied", d.deleted.len()))
                }
            };
            let msg = match outcome {
                Ok(m) => m,
                Err(e) => format!("the rollback failed too: {e:#}"),
            };
            Err(err.context(format!("{what} of release `{release}` revision {revision} failed; {msg}")))
        }
    }
}

/// Restores `to` after `failed` went wrong (without waiting, forcing ownership back).
/// Returns the revision that records it.
async fn revert<C: Cluster>(
    c: &C,
    store: &mut Store<'_, C>,
    history: &[Record],
    failed: &Record,
    to: &Record,
    opts: &Options,
) -> anyhow::Result<u32> {
    let mut all: Vec<Record> = history.to_vec();
    all.push(failed.clone());
    let description = format!("Rollback to {} after revision {} failed", to.revision, failed.revision);
    let no_wait = Options { wait: false, ..opts.clone() };
    Ok(restore(c, store, &all, to, &no_wait, true, description).await?.revision)
}

/// Re-applies `to`'s objects as a new revision, pruning what the latest revisions in
/// `history` applied beyond them, and records the outcome (`description` names it).
async fn restore<C: Cluster>(
    c: &C,
    store: &mut Store<'_, C>,
    history: &[Record],
    to: &Record,
    opts: &Options,
    force: bool,
    description: String,
) -> anyhow::Result<Report> {
    if to.manifests.is_empty() {
        return Err(UsageError(format!("revision {} of `{}` recorded no manifests", to.revision, to.name)).into());
    }
    let targets = apply::discover(c, &to.manifests).await?;
    let (prev_keys, prev_records) = previous_inventory(history);
    let gone = to_prune(&prev_keys, &keys(&targets));
    let prune = targets_for(c, &gone, &prev_records).await?;
    let mut record = to.clone();
    record.revision = history.last().map_or(1, |r| r.revision + 1);
    record.status = Status::PendingRollback;
    record.last_deployed = now();
    record.description = format!("{description} in progress");
    store.save(&record).await?;
    let (mut report, error) = roll_out(c, &to.name, &Rollout { targets: &targets, prune: &prune }, opts, force).await;
    report.revision = record.revision;
    if let Some(e) = error {
        record.status = Status::Failed;
        record.description = format!("{description} failed: {e:#}");
        store.save(&record).await?;
        return Err(e.context(format!("rollback of `{}` to revision {} failed", to.name, to.revision)));
    }
    record.status = Status::Deployed;
    record.description = description;
    store.save(&record).await?;
    finish_history(store, history, &record, opts).await?;
    report.description = record.description;
    Ok(report)
}

/// How the seed is chosen.
#[derive(Debug, Clone, Default)]
pub struct SeedChoice {
    /// `--seed`, hex.
    pub given: Option<String>,
    /// `--rotate-keys`: on upgrade, use `given` or a fresh seed instead of the recorded one.
    pub rotate: bool,
}

/// The recorded seed on upgrade (a different --seed is an error unless rotating), else --seed
/// or a fresh one.
pub fn choose_seed(release: &str, history: &[Record], choice: SeedChoice) -> anyhow::Result<String> {
    use crate::plugin::Seed;
    let given = match &choice.given {
        Some(h) => Some(Seed::from_hex(h).map_err(|e| UsageError(format!("--seed: {e}")))?.to_hex()),
        None => None,
    };
    let recorded = history.last().map(|r| r.seed.clone());
    match (recorded, given) {
        (Some(rec), Some(given)) if rec != given && !choice.rotate => Err(UsageError(format!(
            "--seed differs from the seed release `{release}` was installed with; upgrades reuse the recorded seed \
             so keys do not rotate. Drop --seed, or add --rotate-keys to replace every derived key"
        ))
        .into()),
        (Some(_), Some(given)) => Ok(given),
        (Some(rec), None) if !choice.rotate => Ok(rec),
        (_, Some(given)) => Ok(given),
        (_, None) => {
            Ok(Seed::random().map_err(|e| anyhow::anyhow!("cannot read OS randomness for a seed: {e}"))?.to_hex())
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// Re-applies revision `to` (default: the one before the deployed one), prunes the rest and
/// records a new revision.
pub async fn rollback<C: Cluster>(
    c: &C,
    namespace: &str,
    release: &str,
    to: Option<u32>,
    opts: &Options,
) -> anyhow::Result<Report> {
    let lock = lock_release(c, namespace, release, opts, false).await?;
    lock.hold(c, async {
        let mut store = Store::new(c, namespace, release);
        let history = store.load().await?;
        let latest = history.last().ok_or_else(|| NotFound { release: release.into(), namespace: namespace.into() })?;
        let current = history.iter().rev().find(|r| r.status == Status::Deployed).unwrap_or(latest);
        let target = match to {
            Some(rev) => history.iter().find(|r| r.revision == rev).ok_or_else(|| {
                let have: Vec<String> = history.iter().map(|r| r.revision.to_string()).collect();
                UsageError(format!("release `{release}` has no revision {rev} (it has {})", have.join(", ")))
            })?,
            None => history
                .iter()
                .rev()
                .find(|r| r.revision < current.revision && r.status == Status::Superseded)
                .ok_or_else(|| UsageError(format!("release `{release}` has no earlier revision to roll back to")))?,
        };
        let description = format!("Rollback to {}", target.revision);
        restore(c, &mut store, &history, target, opts, opts.force_conflicts, description).await
    })
    .await
}

/// Deletes the release's objects in reverse install order, then its records (or, with
/// `keep_history`, marks the latest one uninstalled).
pub async fn uninstall<C: Cluster>(
    c: &C,
    namespace: &str,
    release: &str,
    keep_history: bool,
    opts: &Options,
) -> anyhow::Result<Report> {
    let lock = lock_release(c, namespace, release, opts, false).await?;
    lock.hold(c, async {
        let mut store = Store::new(c, namespace, release);
        let history = store.load().await?;
        let Some(latest) = history.last() else {
            return Err(NotFound { release: release.into(), namespace: namespace.into() }.into());
        };
        let (inventory, from) = previous_inventory(&history);
        let targets = targets_for(c, &inventory, &from).await?;
        let mut record = latest.clone();
        if record.status != Status::Uninstalled {
            record.status = Status::Uninstalling;
            record.description = "Uninstall in progress".into();
            store.save(&record).await?;
        }
        let deleted = apply::delete_all(c, &targets, release, WriteOptions::default(), opts.parallelism).await?;
        for k in &deleted.deleted {
            say(opts, format!("deleted  {k}"));
        }
        if keep_history {
            record.status = Status::Uninstalled;
            record.description = "Uninstalled; history kept".into();
            store.save(&record).await?;
        } else {
            for r in &history {
                store.delete(r.revision).await?;
            }
        }
        Ok(Report {
            revision: record.revision,
            pruned: deleted.deleted,
            skipped: deleted.skipped,
            description: "Uninstalled".into(),
            ..Report::default()
        })
    })
    .await
}

/// The latest record and the readiness of each of its workloads.
pub async fn status<C: Cluster>(
    c: &C,
    namespace: &str,
    release: &str,
) -> anyhow::Result<(Record, Vec<(ObjectKey, wait::Readiness)>)> {
    let mut store = Store::new(c, namespace, release);
    let history = store.load().await?;
    let latest =
        history.last().cloned().ok_or_else(|| NotFound { release: release.into(), namespace: namespace.into() })?;
    let workloads: Vec<ObjectKey> =
        latest.inventory.iter().filter(|k| wait::WORKLOADS.contains(&k.kind.as_str())).cloned().collect();
    let targets = targets_for(c, &workloads, &[&latest]).await?;
    let mut out = Vec::new();
    let seen: HashSet<&ObjectKey> = targets.iter().map(|t| &t.key).collect();
    for t in &targets {
        let live =
            c.get(&t.rt, &t.key.namespace, &t.key.name).await.map_err(|e| ObjectError::new("read", &t.key, e))?;
        let state = match live {
            Some(l) => wait::readiness(&t.key.kind, &l),
            None => wait::Readiness::Pending("missing".into()),
        };
        out.push((t.key.clone(), state));
    }
    for k in workloads.iter().filter(|k| !seen.contains(k)) {
        out.push((k.clone(), wait::Readiness::Pending("kind not served".into())));
    }
    Ok((latest, out))
}

/// Every revision of a release, oldest first.
pub async fn history<C: Cluster>(c: &C, namespace: &str, release: &str) -> anyhow::Result<Vec<Record>> {
    let records = Store::new(c, namespace, release).load().await?;
    if records.is_empty() {
        return Err(NotFound { release: release.into(), namespace: namespace.into() }.into());
    }
    Ok(records)
}

#[cfg(test)]
mod tests;
