//! New pods that cannot start. A rollout whose new pod cannot pull its image, or crash-loops,
//! does not fail by itself until its progress deadline (600 s by default for a Deployment, and
//! never for a StatefulSet), so `--wait` looks at the pods of the workload's current revision
//! and fails at once, naming the pod, container and reason: the first sight of `ErrImagePull`
//! is enough (a registry that failed once usually fails again, and `--rollback-on-failure`
//! wants the answer now).
//!
//! "Current revision": a Deployment's new ReplicaSet (the one the Deployment owns whose
//! `deployment.kubernetes.io/revision` is the Deployment's), a StatefulSet's
//! `status.updateRevision`, a DaemonSet's generation (`pod-template-generation`), every pod of
//! a Job. Old pods are not looked at: an upgrade that fixes a crash-looping pod must not fail
//! because the old one still crashes.

use crate::cluster::{builtin, Cluster, ClusterError, ObjectError};
use crate::error::Result;
use crate::manifest::ObjectKey;
use serde_json::Value;

/// Waiting reasons that do not pass by themselves.
const CANNOT_START: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
];

const REVISION: &str = "deployment.kubernetes.io/revision";

/// Why a pod of `live`'s current revision cannot start, if one cannot.
pub(crate) async fn stuck<C: Cluster>(c: &C, key: &ObjectKey, live: &Value) -> Result<Option<String>> {
    let Some(selector) = current_pods(c, key, live).await? else { return Ok(None) };
    let pods = match c.list(&builtin::pod(), Some(&key.namespace), &selector).await {
        Ok(p) => p,
        Err(e) if unreadable(&e) => return Ok(None),
        Err(e) => return Err(ObjectError::new("list the pods of", key, e).into()),
    };
    Ok(pods.iter().find_map(cannot_start))
}

/// What the operator may not read, or the cluster does not serve: no early answer, the wait
/// goes on as before.
fn unreadable(e: &ClusterError) -> bool {
    matches!(e, ClusterError::Unserved { .. }) || matches!(e.code(), Some(403 | 404))
}

/// Why `pod` cannot start: a container (or init container) waiting for a reason that does
/// not pass by itself.
pub(crate) fn cannot_start(pod: &Value) -> Option<String> {
    let name = pod.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("?");
    for field in ["initContainerStatuses", "containerStatuses"] {
        let statuses = pod.pointer(&format!("/status/{field}")).and_then(Value::as_array);
        for s in statuses.into_iter().flatten() {
            let Some(reason) = s.pointer("/state/waiting/reason").and_then(Value::as_str) else { continue };
            if CANNOT_START.contains(&reason) {
                let container = s.get("name").and_then(Value::as_str).unwrap_or("?");
                let message = s.pointer("/state/waiting/message").and_then(Value::as_str).unwrap_or("");
                let message = if message.is_empty() { String::new() } else { format!(" ({message})") };
                return Some(format!("pod {name} cannot start: container {container} is in {reason}{message}"));
            }
        }
    }
    None
}

/// The label selector of the pods of the workload's current revision, when it can be known.
async fn current_pods<C: Cluster>(c: &C, key: &ObjectKey, live: &Value) -> Result<Option<String>> {
    let Some(base) = live.pointer("/spec/selector").and_then(selector) else { return Ok(None) };
    let with = |label: &str, value: &str| Some(format!("{base},{label}={value}"));
    Ok(match key.kind.as_str() {
        "StatefulSet" => live
            .pointer("/status/updateRevision")
            .and_then(Value::as_str)
            .and_then(|r| with("controller-revision-hash", r)),
        "DaemonSet" => live
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .and_then(|g| with("pod-template-generation", &g.to_string())),
        "Job" => Some(base),
        "Deployment" => new_replica_set_hash(c, key, live, &base).await?.and_then(|h| with("pod-template-hash", &h)),
        _ => None,
    })
}

/// The `pod-template-hash` of a Deployment's new ReplicaSet, once it exists.
async fn new_replica_set_hash<C: Cluster>(c: &C, key: &ObjectKey, live: &Value, base: &str) -> Result<Option<String>> {
    let (Some(uid), Some(revision)) =
        (live.pointer("/metadata/uid").and_then(Value::as_str), crate::manifest::annotation(live, REVISION))
    else {
        return Ok(None);
    };
    let sets = match c.resource("apps/v1", "ReplicaSet").await {
        Ok(rt) => c.list(&rt, Some(&key.namespace), base).await,
        Err(e) => Err(e),
    };
    let sets = match sets {
        Ok(s) => s,
        Err(e) if unreadable(&e) => return Ok(None),
        Err(e) => return Err(ObjectError::new("list the ReplicaSets of", key, e).into()),
    };
    let owned = |rs: &&Value| {
        rs.pointer("/metadata/ownerReferences")
            .and_then(Value::as_array)
            .is_some_and(|o| o.iter().any(|r| r.get("uid").and_then(Value::as_str) == Some(uid)))
    };
    let new = sets.iter().filter(owned).find(|rs| crate::manifest::annotation(rs, REVISION) == Some(revision));
    Ok(new.and_then(|rs| rs.pointer("/metadata/labels/pod-template-hash")).and_then(Value::as_str).map(str::to_string))
}

/// A `LabelSelector` as the list API's `labelSelector` text; `None` for an empty or unreadable
/// one (it would select every pod of the namespace).
fn selector(s: &Value) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for (k, v) in s.get("matchLabels").and_then(Value::as_object).into_iter().flatten() {
        parts.push(format!("{k}={}", v.as_str()?));
    }
    for e in s.get("matchExpressions").and_then(Value::as_array).into_iter().flatten() {
        let key = e.get("key").and_then(Value::as_str)?;
        let values: Vec<&str> =
            e.get("values").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        parts.push(match e.get("operator").and_then(Value::as_str)? {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.to_string(),
            "DoesNotExist" => format!("!{key}"),
            _ => return None,
        });
    }
    (!parts.is_empty()).then(|| parts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selectors_read_as_the_list_api_takes_them() {
        let s = json!({ "matchLabels": { "app": "geth" },
            "matchExpressions": [{ "key": "tier", "operator": "In", "values": ["a", "b"] },
                                 { "key": "canary", "operator": "DoesNotExist" }] });
        assert_eq!(selector(&s).unwrap(), "app=geth,tier in (a,b),!canary");
        assert_eq!(selector(&json!({})), None, "an empty selector would select the whole namespace");
    }

    #[test]
    fn a_pod_that_cannot_pull_or_keeps_crashing_is_named() {
        let pod = |field: &str, reason: &str| {
            json!({ "metadata": { "name": "stats-7d9-x" }, "status": { field: [
                { "name": "ok", "state": { "running": {} } },
                { "name": "ethstats", "state": { "waiting": { "reason": reason, "message": "Back-off pulling image" } } }] } })
        };
        assert_eq!(
            cannot_start(&pod("containerStatuses", "ImagePullBackOff")).unwrap(),
            "pod stats-7d9-x cannot start: container ethstats is in ImagePullBackOff (Back-off pulling image)"
        );
        assert!(cannot_start(&pod("initContainerStatuses", "CrashLoopBackOff")).unwrap().contains("CrashLoopBackOff"));
        // Waits that pass by themselves.
        assert_eq!(cannot_start(&pod("containerStatuses", "ContainerCreating")), None);
        assert_eq!(cannot_start(&pod("initContainerStatuses", "PodInitializing")), None);
    }
}
