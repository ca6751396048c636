//! The write half every action shares: take the release's lock, apply a revision's objects,
//! prune what it drops, wait, and record the outcome in the release's history.

use super::apply::{self, Target};
use super::lock::Lock;
use super::plan::prune_targets;
use super::record::Store;
use super::{now, stop, wait, waves, Event, NotFound, Options, Report};
use crate::cluster::{builtin, Cluster, ObjectError, WriteOptions};
use crate::error::{Context, Error, Result};
use crate::manifest::ObjectKey;
use crate::release::{to_trim, Record, Status};
use serde_json::json;
use std::collections::BTreeSet;

/// A server dry run stores nothing, so it cannot create the namespace it would validate in:
/// a missing one is named, as a deploy names it.
pub(crate) async fn namespace_for_server_dry_run<C: Cluster>(c: &C, namespace: &str) -> Result<()> {
    let exists = c
        .get(&builtin::namespace(), "", namespace)
        .await
        .map_err(|e| ObjectError::new("read", format!("Namespace {namespace}"), e))?
        .is_some();
    if exists {
        return Ok(());
    }
    Err(Error::usage(format!(
        "namespace {namespace} does not exist, and a server dry run stores nothing, so it cannot create it to \
         validate objects in it: create it first (kubectl create namespace {namespace}), or use --dry-run=client"
    )))
}

/// Checks the namespace exists, creating it with --create-namespace.
async fn ensure_namespace<C: Cluster>(c: &C, namespace: &str, opts: &Options) -> Result<()> {
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
        return Err(Error::usage(format!(
            "namespace {namespace} does not exist; create it or pass --create-namespace"
        )));
    }
    let body = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}});
    c.apply(&rt, "", namespace, &body, WriteOptions::default())
        .await
        .map_err(|e| ObjectError::new("create", format!("Namespace {namespace}"), e))?;
    opts.events.send(Event::NamespaceCreated(namespace));
    Ok(())
}

/// Takes the release's lock. Where the namespace does not exist yet, a deploy (`create`)
/// creates it with --create-namespace or says to; any other operation finds no release.
pub(crate) async fn lock_release<C: Cluster>(
    c: &C,
    namespace: &str,
    release: &str,
    opts: &Options,
    create: bool,
) -> Result<Lock> {
    if create && opts.create_namespace {
        // Ask first: a lock created in a missing namespace is refused only after the API server's
        // namespace admission waits (about 50 ms) for the namespace to appear.
        ensure_namespace(c, namespace, opts).await?;
    }
    match Lock::acquire(c, namespace, release, &opts.holder, opts.lock_duration).await {
        Err(e) if e.find::<ObjectError>().is_some_and(|o| o.cause.is_not_found()) => {
            if !create {
                return Err(NotFound { release: release.into(), namespace: namespace.into() }.into());
            }
            ensure_namespace(c, namespace, opts).await?;
            Lock::acquire(c, namespace, release, &opts.holder, opts.lock_duration).await
        }
        other => other,
    }
}

/// What a rollout should leave behind: apply `targets`, then prune `prune`, over what
/// `previous` (the live revision) applied.
pub struct Rollout<'a> {
    pub targets: &'a [Target],
    pub prune: &'a [Target],
    pub previous: Option<&'a Record>,
}

/// Stops what must stop before a change, applies (CustomResourceDefinitions first, each
/// Established before the rest), in waves when the plugins' budgets ask for them
/// ([`waves`](super::waves)), prunes and waits. On failure returns the error and what was
/// applied.
pub(crate) async fn roll_out<C: Cluster>(
    c: &C,
    release: &str,
    plan: &Rollout<'_>,
    opts: &Options,
    force: bool,
) -> (Report, Option<Error>) {
    let mut report = Report::default();
    let error = roll_out_into(c, release, plan, opts, force, &mut report).await.err();
    (report, error)
}

/// [`roll_out`], filling `report` as it goes.
async fn roll_out_into<C: Cluster>(
    c: &C,
    release: &str,
    plan: &Rollout<'_>,
    opts: &Options,
    force: bool,
    report: &mut Report,
) -> Result<()> {
    let waves = waves::plan(plan.previous, plan.targets)?;
    if waves.is_empty() {
        stop::stop_changed(c, plan.previous, plan.targets, opts, |_, _| true).await?;
        apply_some(c, plan.targets, opts, force, report).await?;
    } else {
        // What moves between the members of a stop-before-change group stops everywhere first.
        let moving = stop::moving_groups(plan.previous, plan.targets);
        let moves = |old: &serde_json::Value| stop::group_of(old).is_some_and(|g| moving.contains(g));
        stop::stop_changed(c, plan.previous, plan.targets, opts, |_, old| moves(old)).await?;
        let later: BTreeSet<&ObjectKey> = waves.iter().skip(1).flat_map(|w| &w.keys).collect();
        for (i, wave) in waves.iter().enumerate() {
            opts.events.send(Event::Wave(&waves::describe(i, waves.len(), wave)));
            let in_wave = |k: &ObjectKey| if i == 0 { !later.contains(k) } else { wave.keys.contains(k) };
            stop::stop_changed(c, plan.previous, plan.targets, opts, |k, _| in_wave(k)).await?;
            let targets: Vec<Target> = plan.targets.iter().filter(|t| in_wave(&t.key)).cloned().collect();
            apply_some(c, &targets, opts, force, report).await?;
            let restarted: Vec<Target> = plan.targets.iter().filter(|t| wave.keys.contains(&t.key)).cloned().collect();
            wait::wait(c, &restarted, opts.timeout, opts.poll_interval, &opts.events).await.with_context(|| {
                format!("wave {} of {} did not become ready; the later waves were not applied", i + 1, waves.len())
            })?;
        }
    }
    let d = apply::delete_all(c, plan.prune, release, WriteOptions::default(), opts.parallelism).await?;
    for k in &d.deleted {
        opts.events.send(Event::Pruned(k));
    }
    report.pruned = d.deleted;
    report.skipped = d.skipped;
    if opts.wait {
        wait::wait(c, plan.targets, opts.timeout, opts.poll_interval, &opts.events).await?;
    }
    Ok(())
}

/// Applies `targets`, adding what was applied to `report`.
async fn apply_some<C: Cluster>(
    c: &C,
    targets: &[Target],
    opts: &Options,
    force: bool,
    report: &mut Report,
) -> Result<()> {
    let wopts = WriteOptions { force, dry_run: false };
    let events = &opts.events;
    let applied =
        apply::apply_all(c, targets, wopts, opts.parallelism, opts.timeout, |k| events.send(Event::Applied(k))).await;
    report.applied.extend(applied.applied);
    match applied.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Marks other deployed revisions superseded, interrupted ones failed, and trims history to
/// `history_max`.
pub(crate) async fn finish_history<C: Cluster>(
    store: &mut Store<'_, C>,
    history: &[Record],
    current: &Record,
    opts: &Options,
) -> Result<()> {
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
    // A damaged revision counts as a failed one: trimmed in its turn.
    revisions.extend(store.damaged.iter().map(|d| (d.revision, Status::Failed)));
    for rev in to_trim(&revisions, opts.history_max) {
        store.delete(rev).await?;
    }
    Ok(())
}

/// Re-applies `to`'s objects as a new revision, pruning what the latest revisions in
/// `history` applied beyond them, and records the outcome (`description` names it).
pub(crate) async fn restore<C: Cluster>(
    c: &C,
    store: &mut Store<'_, C>,
    history: &[Record],
    to: &Record,
    opts: &Options,
    force: bool,
    description: String,
) -> Result<Report> {
    if to.manifests.is_empty() {
        return Err(Error::usage(format!("revision {} of `{}` recorded no manifests", to.revision, to.name)));
    }
    let targets = apply::discover(c, &to.manifests).await?;
    let prune = prune_targets(c, history, &targets).await?;
    let mut record = to.clone();
    record.revision = history.last().map_or(1, |r| r.revision + 1);
    record.status = Status::PendingRollback;
    record.last_deployed = now();
    record.description = format!("{description} in progress");
    store.save(&record).await?;
    let rollout = Rollout { targets: &targets, prune: &prune, previous: super::chain::live_record(history) };
    let (mut report, error) = roll_out(c, &to.name, &rollout, opts, force).await;
    report.revision = record.revision;
    report.action = "rollback";
    report.namespace = record.namespace.clone();
    report.release = record.name.clone();
    if let Some(e) = error {
        record.status = Status::Failed;
        record.description = format!("{description} failed: {e:#}");
        store.save(&record).await?;
        return Err(e).context(format!("rollback of `{}` to revision {} failed", to.name, to.revision));
    }
    record.status = Status::Deployed;
    record.description = description;
    store.save(&record).await?;
    finish_history(store, history, &record, opts).await?;
    report.description = record.description;
    report.notes = record.notes.clone();
    Ok(report)
}
