//! The release lock: a coordination.k8s.io Lease named after the release. Deploy, rollback and
//! uninstall hold it, renewing it while they run; a second operation fails at once naming the
//! holder and the expiry, and the lease of a crashed operation expires by itself.

use crate::cluster::{builtin, Cluster, ClusterError, ObjectError};
use jiff::Timestamp;
use serde_json::{json, Value};
use std::future::Future;
use std::time::Duration;

/// How long a lease lasts without renewal.
pub const LEASE_DURATION: Duration = Duration::from_secs(60);

/// Another operation holds the release.
#[derive(Debug, thiserror::Error)]
#[error(
    "release `{release}` is locked by {holder} (Lease {namespace}/{lease}) until {expires}; \
     wait for that operation to finish, or for the lock to expire if it crashed"
)]
pub struct LockHeld {
    pub release: String,
    pub namespace: String,
    pub lease: String,
    pub holder: String,
    /// RFC 3339.
    pub expires: String,
}

/// The Lease's name for a release.
pub fn lease_name(release: &str) -> String {
    format!("ethwasm.lock.{release}")
}

/// Who this process is, for `holderIdentity`: user@host, pid and operation.
pub fn holder_identity(operation: &str) -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into());
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok().map(|h| h.trim().to_string()))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".into());
    format!("{user}@{host} pid {} ({operation})", std::process::id())
}

fn micro_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// When a Lease expires: renewTime (or acquireTime) plus its duration.
fn expiry(lease: &Value) -> Option<Timestamp> {
    let spec = lease.get("spec")?;
    let at = spec.get("renewTime").or_else(|| spec.get("acquireTime"))?.as_str()?.parse::<Timestamp>().ok()?;
    let secs = spec.get("leaseDurationSeconds")?.as_i64()?;
    at.checked_add(jiff::SignedDuration::from_secs(secs)).ok()
}

fn lease_holder(lease: &Value) -> String {
    lease.pointer("/spec/holderIdentity").and_then(Value::as_str).unwrap_or("an unknown holder").to_string()
}

/// A held lock.
#[derive(Debug)]
pub struct Lock {
    namespace: String,
    name: String,
    holder: String,
    duration: Duration,
    /// The Lease's resourceVersion after our last write: release deletes only that version.
    version: std::sync::Mutex<String>,
}

fn version_of(lease: &Value) -> String {
    lease.pointer("/metadata/resourceVersion").and_then(Value::as_str).unwrap_or_default().to_string()
}

impl Lock {
    /// Takes the release's lock, or fails naming who holds it.
    pub async fn acquire<C: Cluster>(
        c: &C,
        namespace: &str,
        release: &str,
        holder: &str,
        duration: Duration,
    ) -> anyhow::Result<Lock> {
        let name = lease_name(release);
        let rt = builtin::lease();
        let now = Timestamp::now();
        let mut body = json!({
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": name, "namespace": namespace, "labels": {
                "app.kubernetes.io/managed-by": "ethwasm", "ethwasm.io/release": release}},
            "spec": {"holderIdentity": holder, "leaseDurationSeconds": duration.as_secs().max(1),
                     "acquireTime": micro_time(now), "renewTime": micro_time(now)},
        });
        let object = format!("Lease {namespace}/{name}");
        let lock = |lease: &Value| Lock {
            namespace: namespace.into(),
            name: name.clone(),
            holder: holder.into(),
            duration,
            version: std::sync::Mutex::new(version_of(lease)),
        };
        match c.create(&rt, namespace, &body).await {
            Ok(created) => return Ok(lock(&created)),
            Err(e) if e.is_conflict() => {}
            Err(e) => return Err(ObjectError::new("lock: create", &object, e).into()),
        }
        let current = c
            .get(&rt, namespace, &name)
            .await
            .map_err(|e| ObjectError::new("lock: read", &object, e))?
            .ok_or_else(|| ObjectError::new("lock: read", &object, gone()))?;
        let held = |lease: &Value| LockHeld {
            release: release.into(),
            namespace: namespace.into(),
            lease: name.clone(),
            holder: lease_holder(lease),
            expires: expiry(lease).map_or_else(|| "an unknown time".into(), |t| t.to_string()),
        };
        if expiry(&current).is_some_and(|t| t > now) {
            return Err(held(&current).into());
        }
        // Expired: take it over, guarded by its resourceVersion.
        body["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"].clone();
        match c.replace(&rt, namespace, &name, &body).await {
            Ok(taken) => {
                tracing::warn!("took over the expired lock of {}", lease_holder(&current));
                Ok(lock(&taken))
            }
            Err(e) if e.is_conflict() => {
                let now_held = c.get(&rt, namespace, &name).await.ok().flatten().unwrap_or(current);
                Err(held(&now_held).into())
            }
            Err(e) => Err(ObjectError::new("lock: take over", &object, e).into()),
        }
    }

    /// Extends the lease from now.
    pub async fn renew<C: Cluster>(&self, c: &C) -> Result<(), ClusterError> {
        let rt = builtin::lease();
        let mut lease = c.get(&rt, &self.namespace, &self.name).await?.ok_or_else(gone)?;
        if lease_holder(&lease) != self.holder {
            return Err(ClusterError::Transport(format!("the lock was taken over by {}", lease_holder(&lease))));
        }
        lease["spec"]["renewTime"] = micro_time(Timestamp::now()).into();
        let renewed = c.replace(&rt, &self.namespace, &self.name, &lease).await?;
        *self.version.lock().expect("lock version") = version_of(&renewed);
        Ok(())
    }

    /// Gives the lock up: deletes the Lease, unless someone changed it since our last write
    /// (then it is no longer ours to delete).
    pub async fn release<C: Cluster>(self, c: &C) {
        let version = self.version.lock().expect("lock version").clone();
        match c.delete_at(&builtin::lease(), &self.namespace, &self.name, &version).await {
            Ok(_) => {}
            Err(e) if e.is_conflict() => {
                tracing::warn!("the lock Lease {}/{} changed hands; left it", self.namespace, self.name)
            }
            Err(e) => tracing::warn!("could not release the lock Lease {}/{}: {e}", self.namespace, self.name),
        }
    }

    /// Runs `op` while holding this lock, renewing it every third of its duration; the lock is
    /// released afterwards, whatever the outcome.
    pub async fn hold<C: Cluster, T>(self, c: &C, op: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
        let renew = async {
            loop {
                tokio::time::sleep(self.duration / 3).await;
                if let Err(e) = self.renew(c).await {
                    tracing::warn!("could not renew the release lock: {e}");
                }
            }
        };
        let out = tokio::select! {
            r = op => r,
            _ = renew => unreachable!("the renewal loop never ends"),
            // Ctrl-C: stop between requests and give the lock back rather than leave it to
            // expire; a revision recorded as pending is marked failed by the next deploy.
            Ok(()) = tokio::signal::ctrl_c() => Err(crate::deploy::Failed(format!(
                "interrupted; the lock on Lease {}/{} is released, and a revision left pending is marked failed \
                 (and its objects pruned) by the next deploy",
                self.namespace, self.name
            ))
            .into()),
        };
        self.release(c).await;
        out
    }
}

fn gone() -> ClusterError {
    ClusterError::Api {
        code: 404,
        reason: "NotFound".into(),
        message: "the lock Lease vanished".into(),
        causes: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_times_are_micro_times_and_expiry_adds_the_duration() {
        let t: Timestamp = "2026-11-25T22:44:19.123456789Z".parse().unwrap();
        assert_eq!(micro_time(t), "2026-11-25T22:44:19.123456Z");
        let lease = json!({"spec": {"holderIdentity": "h", "leaseDurationSeconds": 60, "renewTime": micro_time(t)}});
        assert_eq!(expiry(&lease).unwrap().to_string(), "2026-11-25T22:45:19.123456Z");
        assert_eq!(lease_holder(&lease), "h");
    }
}
