//! Waiting for workloads: Deployments, StatefulSets and DaemonSets ready and up to date, Jobs
//! complete. Progress goes out as events; the caller shows it.

use super::apply::Target;
use super::{Event, Events};
use crate::cluster::{Cluster, ObjectError};
use crate::manifest::ObjectKey;
use serde_json::Value;
use std::time::{Duration, Instant};

/// Kinds `--wait` waits for.
pub const WORKLOADS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet", "Job"];

/// Where a workload stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready(String),
    Pending(String),
    Failed(String),
}

impl Readiness {
    pub fn text(&self) -> &str {
        match self {
            Readiness::Ready(t) | Readiness::Pending(t) | Readiness::Failed(t) => t,
        }
    }
    pub fn is_ready(&self) -> bool {
        matches!(self, Readiness::Ready(_))
    }
}

fn int(v: &Value, path: &str) -> i64 {
    v.pointer(path).and_then(Value::as_i64).unwrap_or(0)
}

/// Ready when the controller has seen the latest spec and every pod is ready and updated.
fn rolled_out(want: i64, ready: i64, updated: i64, stale: bool) -> Readiness {
    let text = format!("{ready}/{want} ready, {updated}/{want} updated");
    if stale {
        Readiness::Pending(format!("{text}, waiting for the controller"))
    } else if ready >= want && updated >= want {
        Readiness::Ready(format!("{ready}/{want} ready"))
    } else {
        Readiness::Pending(text)
    }
}

/// Readiness of a live workload, as `kubectl rollout status` judges it.
pub fn readiness(kind: &str, live: &Value) -> Readiness {
    let generation = int(live, "/metadata/generation");
    let observed = int(live, "/status/observedGeneration");
    match kind {
        "Deployment" | "StatefulSet" => {
            let want = live.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1);
            let (ready, updated) = (int(live, "/status/readyReplicas"), int(live, "/status/updatedReplicas"));
            rolled_out(want, ready, updated, observed < generation)
        }
        "DaemonSet" => {
            let want = int(live, "/status/desiredNumberScheduled");
            let (ready, updated) = (int(live, "/status/numberReady"), int(live, "/status/updatedNumberScheduled"));
            rolled_out(want, ready, updated, observed < generation)
        }
        "Job" => {
            let conditions = live.pointer("/status/conditions").and_then(Value::as_array).cloned().unwrap_or_default();
            let has = |t: &str| {
                conditions.iter().find(|c| {
                    c.get("type").and_then(Value::as_str) == Some(t)
                        && c.get("status").and_then(Value::as_str) == Some("True")
                })
            };
            if let Some(c) = has("Failed") {
                let why = c.get("message").and_then(Value::as_str).unwrap_or("failed");
                return Readiness::Failed(format!("failed: {why}"));
            }
            let want = live.pointer("/spec/completions").and_then(Value::as_i64).unwrap_or(1);
            let done = int(live, "/status/succeeded");
            if has("Complete").is_some() || done >= want {
                Readiness::Ready(format!("{done}/{want} complete"))
            } else {
                Readiness::Pending(format!("{done}/{want} complete"))
            }
        }
        _ => Readiness::Ready("exists".into()),
    }
}

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
            states[i] = match live {
                Some(live) => readiness(&t.key.kind, &live),
                None => Readiness::Pending("not found".into()),
            };
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

impl crate::error::Classify for WaitError {
    fn class(&self) -> crate::error::Class {
        crate::error::Class::Cluster
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statefulsets_are_ready_when_observed_ready_and_updated() {
        let mut s = json!({"metadata": {"generation": 2}, "spec": {"replicas": 2},
                           "status": {"observedGeneration": 1, "readyReplicas": 2, "updatedReplicas": 2}});
        assert!(matches!(readiness("StatefulSet", &s), Readiness::Pending(t) if t.contains("controller")));
        s["status"]["observedGeneration"] = 2.into();
        assert_eq!(readiness("StatefulSet", &s), Readiness::Ready("2/2 ready".into()));
        s["status"]["readyReplicas"] = 1.into();
        assert_eq!(readiness("StatefulSet", &s), Readiness::Pending("1/2 ready, 2/2 updated".into()));
    }

    #[test]
    fn jobs_complete_or_fail() {
        let j = json!({"status": {"succeeded": 1}});
        assert!(readiness("Job", &j).is_ready());
        let f = json!({"status": {"conditions": [{"type": "Failed", "status": "True", "message": "BackoffLimitExceeded"}]}});
        assert_eq!(readiness("Job", &f), Readiness::Failed("failed: BackoffLimitExceeded".into()));
    }

    #[test]
    fn daemonsets_count_scheduled_pods() {
        let d = json!({"metadata": {"generation": 1}, "status": {"observedGeneration": 1, "desiredNumberScheduled": 3,
                       "numberReady": 2, "updatedNumberScheduled": 3}});
        assert_eq!(readiness("DaemonSet", &d), Readiness::Pending("2/3 ready, 3/3 updated".into()));
    }
}
