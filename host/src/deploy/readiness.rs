//! Where a workload stands ([`Readiness`]), judged from its live object as `kubectl rollout
//! status` judges it ([`readiness`]).

use serde_json::Value;

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

/// Readiness of a live workload, as `kubectl rollout status` judges it (kubectl v1.28,
/// `pkg/polymorphichelpers/rollout_status.go`): the controller has seen the latest spec, and
/// - a Deployment has every wanted replica updated, no old replica left, and every updated
///   one available; a `ProgressDeadlineExceeded` condition fails it;
/// - a StatefulSet has every replica ready, the partition's share updated, and (without a
///   partition) its current revision at the update revision;
/// - a DaemonSet has every scheduled pod updated and available;
/// - a Job is complete, or has failed.
pub fn readiness(kind: &str, live: &Value) -> Readiness {
    let stale = int(live, "/status/observedGeneration") < int(live, "/metadata/generation");
    match kind {
        "Deployment" => deployment(live, stale),
        // A StatefulSet's controller has not looked at all while observedGeneration is 0.
        "StatefulSet" => stateful_set(live, stale || int(live, "/status/observedGeneration") == 0),
        "DaemonSet" => daemon_set(live, stale),
        "Job" => job(live),
        _ => Readiness::Ready("exists".into()),
    }
}

/// `spec.replicas` (1 when left out).
fn replicas(live: &Value) -> i64 {
    live.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1)
}

fn not_seen() -> Readiness {
    Readiness::Pending("waiting for the controller to see the new spec".into())
}

/// A Deployment: past its progress deadline fails; else every replica updated and available,
/// and no old one left.
fn deployment(live: &Value, stale: bool) -> Readiness {
    if let Some(why) = condition(live, "Progressing", "False")
        .filter(|c| c.get("reason").and_then(Value::as_str) == Some("ProgressDeadlineExceeded"))
    {
        let msg = why.get("message").and_then(Value::as_str).unwrap_or("no progress");
        return Readiness::Failed(format!("exceeded its progress deadline: {msg}"));
    }
    if stale {
        return not_seen();
    }
    let want = replicas(live);
    let (total, updated, available) =
        (int(live, "/status/replicas"), int(live, "/status/updatedReplicas"), int(live, "/status/availableReplicas"));
    if updated < want {
        Readiness::Pending(format!("{updated}/{want} updated"))
    } else if total > updated {
        Readiness::Pending(format!("{} old replicas pending termination", total - updated))
    } else if available < updated {
        Readiness::Pending(format!("{available}/{updated} updated replicas available"))
    } else {
        Readiness::Ready(format!("{available}/{want} available"))
    }
}

/// A StatefulSet: every replica ready, and the current revision at the update revision (with a
/// partition, its share updated).
fn stateful_set(live: &Value, stale: bool) -> Readiness {
    if stale {
        return not_seen();
    }
    let want = replicas(live);
    let ready = int(live, "/status/readyReplicas");
    let partition = live.pointer("/spec/updateStrategy/rollingUpdate/partition").and_then(Value::as_i64);
    let (current, update) = (
        live.pointer("/status/currentRevision").and_then(Value::as_str),
        live.pointer("/status/updateRevision").and_then(Value::as_str),
    );
    let updated = int(live, "/status/updatedReplicas");
    if ready < want {
        Readiness::Pending(format!("{ready}/{want} ready"))
    } else if let Some(p) = partition.filter(|p| *p > 0) {
        if updated < want - p {
            Readiness::Pending(format!("{updated}/{} updated (partition {p})", want - p))
        } else {
            Readiness::Ready(format!("{ready}/{want} ready, partition {p} rolled out"))
        }
    } else if current != update {
        Readiness::Pending(format!("{ready}/{want} ready, {updated}/{want} at the update revision"))
    } else {
        Readiness::Ready(format!("{ready}/{want} ready"))
    }
}

/// A DaemonSet: every scheduled pod updated and available.
fn daemon_set(live: &Value, stale: bool) -> Readiness {
    if stale {
        return not_seen();
    }
    let want = int(live, "/status/desiredNumberScheduled");
    let (updated, available) = (int(live, "/status/updatedNumberScheduled"), int(live, "/status/numberAvailable"));
    if updated < want {
        Readiness::Pending(format!("{updated}/{want} updated"))
    } else if available < want {
        Readiness::Pending(format!("{available}/{want} available"))
    } else {
        Readiness::Ready(format!("{available}/{want} available"))
    }
}

/// A Job: complete, or failed.
fn job(live: &Value) -> Readiness {
    if let Some(c) = condition(live, "Failed", "True") {
        let why = c.get("message").and_then(Value::as_str).unwrap_or("failed");
        return Readiness::Failed(format!("failed: {why}"));
    }
    let want = live.pointer("/spec/completions").and_then(Value::as_i64).unwrap_or(1);
    let done = int(live, "/status/succeeded");
    if condition(live, "Complete", "True").is_some() || done >= want {
        Readiness::Ready(format!("{done}/{want} complete"))
    } else {
        Readiness::Pending(format!("{done}/{want} complete"))
    }
}

/// The status condition of `type` with `status`, if there is one.
fn condition<'a>(live: &'a Value, kind: &str, status: &str) -> Option<&'a Value> {
    live.pointer("/status/conditions").and_then(Value::as_array)?.iter().find(|c| {
        c.get("type").and_then(Value::as_str) == Some(kind) && c.get("status").and_then(Value::as_str) == Some(status)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statefulsets_are_ready_at_the_update_revision() {
        let mut s = json!({"metadata": {"generation": 2}, "spec": {"replicas": 2},
                           "status": {"observedGeneration": 1, "readyReplicas": 2, "updatedReplicas": 2,
                                      "currentRevision": "a", "updateRevision": "b"}});
        assert!(matches!(readiness("StatefulSet", &s), Readiness::Pending(t) if t.contains("controller")));
        s["status"]["observedGeneration"] = 2.into();
        assert_eq!(readiness("StatefulSet", &s), Readiness::Pending("2/2 ready, 2/2 at the update revision".into()));
        s["status"]["currentRevision"] = "b".into();
        assert_eq!(readiness("StatefulSet", &s), Readiness::Ready("2/2 ready".into()));
        s["status"]["readyReplicas"] = 1.into();
        assert_eq!(readiness("StatefulSet", &s), Readiness::Pending("1/2 ready".into()));
        s["status"]["readyReplicas"] = 2.into();
        s["status"]["updatedReplicas"] = 0.into();
        s["spec"]["updateStrategy"] = json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 1}});
        assert_eq!(readiness("StatefulSet", &s), Readiness::Pending("0/1 updated (partition 1)".into()));
    }

    /// The case a ready count alone misses: the old ReplicaSet's pod is ready, the new one is not.
    #[test]
    fn a_deployment_with_old_replicas_left_is_not_rolled_out() {
        let mut d = json!({"metadata": {"generation": 3}, "spec": {"replicas": 1},
            "status": {"observedGeneration": 3, "replicas": 2, "updatedReplicas": 1, "readyReplicas": 1,
                       "availableReplicas": 1}});
        assert_eq!(readiness("Deployment", &d), Readiness::Pending("1 old replicas pending termination".into()));
        d["status"]["replicas"] = 1.into();
        d["status"]["availableReplicas"] = 0.into();
        assert_eq!(readiness("Deployment", &d), Readiness::Pending("0/1 updated replicas available".into()));
        d["status"]["availableReplicas"] = 1.into();
        assert_eq!(readiness("Deployment", &d), Readiness::Ready("1/1 available".into()));
        d["status"]["observedGeneration"] = 2.into();
        assert!(matches!(readiness("Deployment", &d), Readiness::Pending(t) if t.contains("controller")));
        d["status"]["conditions"] = json!([{"type": "Progressing", "status": "False",
            "reason": "ProgressDeadlineExceeded", "message": "ReplicaSet \"x\" has timed out progressing."}]);
        assert!(matches!(readiness("Deployment", &d), Readiness::Failed(t) if t.contains("progress deadline")));
    }

    #[test]
    fn jobs_complete_or_fail() {
        let j = json!({"status": {"succeeded": 1}});
        assert!(readiness("Job", &j).is_ready());
        let f = json!({"status": {"conditions": [{"type": "Failed", "status": "True", "message": "BackoffLimitExceeded"}]}});
        assert_eq!(readiness("Job", &f), Readiness::Failed("failed: BackoffLimitExceeded".into()));
    }

    #[test]
    fn daemonsets_count_updated_and_available_pods() {
        let mut d = json!({"metadata": {"generation": 1}, "status": {"observedGeneration": 1, "desiredNumberScheduled": 3,
                       "numberAvailable": 2, "updatedNumberScheduled": 3}});
        assert_eq!(readiness("DaemonSet", &d), Readiness::Pending("2/3 available".into()));
        d["status"]["numberAvailable"] = 3.into();
        assert!(readiness("DaemonSet", &d).is_ready());
    }
}
