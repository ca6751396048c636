//! Waiting for workloads: Deployments, StatefulSets and DaemonSets rolled out as `kubectl
//! rollout status` means it, Jobs complete; a new pod that cannot start ([`super::stuck`])
//! fails the wait at once. Progress goes out as events; the caller shows it.

use super::apply::Target;
pub use super::readiness::{readiness, Readiness};
use super::{Event, Events};
use crate::cluster::{Cluster, ObjectError};
use crate::manifest::ObjectKey;
use std::time::{Duration, Instant};

/// Kinds `--wait` waits for.
pub const WORKLOADS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet", "Job"];

/// Workloads did not become ready in time, or a Job failed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct WaitError(pub String);

/// Sends readiness events, and the end of the wait when dropped (whatever the way out).
struct Reporter<'a>(&'a Events);

impl Reporter<'_> {
    fn update(&self, index: usize, key: &ObjectKey, state: &Readiness) {
        self.0.send(Event::Readiness { index, key, state });
    }
}

impl Drop for Reporter<'_> {
    fn drop(&mut self) {
        self.0.send(Event::WaitFinished);
    }
}

/// Waits until every workload among `targets` is ready, polling every `interval`; progress
/// goes to `events`.
pub async fn wait<C: Cluster>(
    c: &C,
    targets: &[Target],
    timeout: Duration,
    interval: Duration,
    events: &Events,
) -> crate::error::Result<()> {
    let workloads: Vec<&Target> = targets.iter().filter(|t| WORKLOADS.contains(&t.key.kind.as_str())).collect();
    if workloads.is_empty() {
        return Ok(());
    }
    let start = Instant::now();
    let keys: Vec<ObjectKey> = workloads.iter().map(|t| t.key.clone()).collect();
    events.send(Event::WaitStarted(&keys));
    let reporter = Reporter(events);
    let mut states: Vec<Readiness> = vec![Readiness::Pending("not yet seen".into()); workloads.len()];
    loop {
        // Every workload not yet ready, read at once.
        let pending: Vec<usize> = (0..workloads.len()).filter(|i| !states[*i].is_ready()).collect();
        let reads = futures::future::join_all(pending.iter().map(|&i| {
            let t = workloads[i];
            c.get(&t.rt, &t.key.namespace, &t.key.name)
        }))
        .await;
        for (&i, live) in pending.iter().zip(reads) {
            let t = workloads[i];
            let live = live.map_err(|e| ObjectError::new("wait for", &t.key, e))?;
            states[i] = match &live {
                Some(live) => readiness(&t.key.kind, live),
                None => Readiness::Pending("not found".into()),
            };
            if let (Readiness::Pending(_), Some(live)) = (&states[i], &live) {
                if let Some(why) = super::stuck::stuck(c, &t.key, live).await? {
                    states[i] = Readiness::Failed(format!("cannot roll out: {why}"));
                }
            }
            reporter.update(i, &t.key, &states[i]);
            if let Readiness::Failed(why) = &states[i] {
                return Err(WaitError(format!("{} {why}", t.key)).into());
            }
        }
        if states.iter().all(Readiness::is_ready) {
            return Ok(());
        }
        if start.elapsed() >= timeout {
            let waiting: Vec<String> = workloads
                .iter()
                .zip(&states)
                .filter(|(_, s)| !s.is_ready())
                .map(|(t, s)| format!("{} ({})", t.key, s.text()))
                .collect();
            return Err(WaitError(format!(
                "timed out after {} waiting for {}; see `kubectl describe` and `kubectl get events` in the namespace",
                crate::units::format_duration(timeout),
                waiting.join(", ")
            ))
            .into());
        }
        tokio::time::sleep(interval.min(timeout.saturating_sub(start.elapsed())).max(Duration::from_millis(10))).await;
    }
}

crate::error::classify!(WaitError => Cluster);
