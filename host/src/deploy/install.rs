//! Install or upgrade: plan, take the lock, record the revision as pending, roll it out,
//! record the outcome; on failure optionally restore the previous revision. Dry runs plan (and,
//! for `server`, send every write with dryRun=All) without the lock or a record.

use super::plan::{keys, plan, Plan, SeedChoice};
use super::record::Store;
use super::revision::{ReleaseFacts, Revision};
use super::rollout::{finish_history, lock_release, restore, roll_out, Rollout};
use super::{adopt, apply, changes, waves};
use super::{chain, now, DryRun, Options, Report};
use crate::cluster::{Cluster, WriteOptions};
use crate::error::{Context, Error, Result};
use crate::release::{Record, Status};

/// Install or upgrade. `render(facts)` renders the revision once the seed, revision number
/// and creation time are known.
pub async fn deploy<C: Cluster>(
    c: &C,
    namespace: &str,
    release: &str,
    seed: SeedChoice,
    render: impl FnOnce(&ReleaseFacts) -> Result<Revision> + Send + 'static,
    opts: &Options,
) -> Result<Report> {
    match opts.dry_run {
        Some(mode) => {
            if mode == DryRun::Server {
                super::rollout::namespace_for_server_dry_run(c, namespace).await?;
            }
            let mut plan = plan(c, namespace, release, seed, render).await?;
            guard_genesis(&plan, opts)?;
            adopt::guard(c, &mut plan, opts).await?;
            announce(&plan, opts)?;
            dry_run(c, plan, opts, mode).await
        }
        None => {
            let lock = lock_release(c, namespace, release, opts, true).await?;
            lock.hold(c, async {
                let mut plan = plan(c, namespace, release, seed, render).await?;
                let new_chain = guard_genesis(&plan, opts)?;
                adopt::guard(c, &mut plan, opts).await?;
                announce(&plan, opts)?;
                rollout_revision(c, plan, opts, new_chain).await
            })
            .await
        }
    }
}

/// Refuses a deadline the rollout cannot meet ([`deadlines`](super::deadlines)), then sends what
/// the revision changes that the operator must see ([`changes`]) before anything is applied; a
/// dry run also sends the waves the rollout would take ([`waves`]).
fn announce<C>(plan: &Plan<'_, C>, opts: &Options) -> Result<()> {
    let previous = chain::live_record(&plan.history).filter(|r| r.status != crate::release::Status::Uninstalled);
    // What must be rolled out before when: checked here, with the clock a render lacks.
    let waves = waves::plan(previous, &plan.targets)?;
    super::deadlines::check(previous, &plan.targets, waves.len(), opts.timeout, now())?;
    let rev = &plan.rendered;
    for line in changes::changes(previous, &rev.values, rev.chart_values.as_ref(), &plan.targets, &plan.prune) {
        opts.events.send(super::Event::Change(&line));
    }
    if opts.dry_run.is_some() {
        for (i, w) in waves.iter().enumerate() {
            opts.events.send(super::Event::Wave(&waves::describe(i, waves.len(), w)));
        }
    }
    Ok(())
}

/// Refuses a revision that changes the chain's genesis unless `--new-chain`; true when it
/// does and the old chain's data must go.
fn guard_genesis<C>(plan: &Plan<'_, C>, opts: &Options) -> Result<bool> {
    let what = format!("revision {} of `{}`", plan.revision, plan.store.release);
    match chain::change(&plan.history, &plan.rendered.objects, what) {
        Some(change) if !opts.new_chain => Err(change.into()),
        Some(change) => {
            tracing::info!("{change}: starting a new chain (--new-chain)");
            Ok(true)
        }
        None => Ok(false),
    }
}

/// `--dry-run`: report the plan, sending it with dryRun=All for `server`. No lock, no record.
async fn dry_run<C: Cluster>(c: &C, plan: Plan<'_, C>, opts: &Options, mode: DryRun) -> Result<Report> {
    let action = plan.action();
    let Plan { revision, targets, prune, store, rendered, .. } = plan;
    let base = Report {
        namespace: store.namespace.clone(),
        release: store.release.clone(),
        revision,
        action,
        dry_run: Some(mode),
        notes: rendered.notes,
        ..Report::default()
    };
    match mode {
        DryRun::Client => Ok(Report { applied: keys(&targets), pruned: keys(&prune), ..base }),
        DryRun::Server => {
            // Custom resources whose definition this revision installs cannot be checked
            // before the definition exists: they are listed, not validated.
            let (checkable, unchecked): (Vec<_>, Vec<_>) = targets.into_iter().partition(|t| !t.pending_definition);
            let wopts = WriteOptions { force: opts.force_conflicts, dry_run: true };
            let applied = apply::apply_all(c, &checkable, wopts, opts.parallelism, opts.timeout, |_| {}).await;
            if let Some(e) = applied.error {
                return Err(e);
            }
            let deleted = apply::delete_all(c, &prune, &store.release, wopts, opts.parallelism).await?;
            Ok(Report { applied: applied.applied, skipped: keys(&unchecked), pruned: deleted.deleted, ..base })
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// The real deploy, under the lock: record pending, (for a new chain, delete the old one's
/// nodes and data), apply, prune, wait, record.
async fn rollout_revision<C: Cluster>(c: &C, plan: Plan<'_, C>, opts: &Options, new_chain: bool) -> Result<Report> {
    let action = plan.action();
    let Plan { mut store, history, seed_hex, revision, created, upgrade, rendered: rev, targets, prune } = plan;
    let (namespace, release) = (store.namespace.clone(), store.release.clone());
    let t = now();
    let mut record = Record {
        name: release.clone(),
        namespace: namespace.clone(),
        revision,
        chart: rev.chart,
        plugins: rev.plugins,
        values: rev.values,
        chart_values: rev.chart_values,
        seed: seed_hex,
        inventory: keys(&targets),
        manifests: rev.objects,
        status: if upgrade { Status::PendingUpgrade } else { Status::PendingInstall },
        first_deployed: created,
        last_deployed: t,
        description: format!("{action} in progress"),
        notes: rev.notes,
    };
    store.save(&record).await?;
    let wiped = match chain::live_record(&history).filter(|_| new_chain) {
        Some(old) => chain::wipe(c, &namespace, old, opts).await,
        None => Ok(()),
    };
    // After a new chain's wipe nothing of the old one runs: nothing to stop.
    let previous = chain::live_record(&history).filter(|_| !new_chain);
    let rollout = Rollout { targets: &targets, prune: &prune, previous };
    let (mut report, error) = match wiped {
        Ok(()) => roll_out(c, &release, &rollout, opts, opts.force_conflicts).await,
        Err(e) => (Report::default(), Some(e)),
    };
    report.namespace = namespace.clone();
    report.release = release.clone();
    report.revision = revision;
    report.action = action;
    report.notes = record.notes.clone();
    let Some(err) = error else {
        record.status = Status::Deployed;
        record.description = format!("{} complete", capitalise(action));
        store.save(&record).await?;
        finish_history(&mut store, &history, &record, opts).await?;
        report.description = record.description.clone();
        return Ok(report);
    };
    record.status = Status::Failed;
    record.description = format!("{} failed: {err:#}", capitalise(action));
    if let Err(e) = store.save(&record).await {
        tracing::warn!("could not record revision {revision} as failed: {e:#}");
    }
    if !opts.rollback_on_failure {
        return Err(err).context(format!("{action} of release `{release}` revision {revision} failed"));
    }
    let previous = history.iter().rev().find(|r| r.status == Status::Deployed);
    let outcome = match previous {
        Some(prev) => {
            let back = revert(c, &mut store, &history, &record, prev, opts).await;
            back.map(|r| format!("rolled back to revision {} (recorded as revision {r})", prev.revision))
        }
        None => {
            let applied: Vec<_> = targets.iter().filter(|t| report.applied.contains(&t.key)).cloned().collect();
            let d = apply::delete_all(c, &applied, &release, WriteOptions::default(), opts.parallelism).await;
            d.map(|d| format!("rolled back by deleting the {} objects it had applied", d.deleted.len()))
        }
    };
    let msg = match outcome {
        Ok(m) => m,
        Err(e) => format!("the rollback failed too: {e:#}"),
    };
    Err(err).context(format!("{action} of release `{release}` revision {revision} failed; {msg}"))
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
) -> Result<u32, Error> {
    let mut all: Vec<Record> = history.to_vec();
    all.push(failed.clone());
    let description = format!("Rollback to {} after revision {} failed", to.revision, failed.revision);
    let no_wait = Options { wait: false, ..opts.clone() };
    Ok(restore(c, store, &all, to, &no_wait, true, description).await?.revision)
}
