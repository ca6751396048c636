//! The release lock: a coordination.k8s.io Lease named after the release. Deploy, rollback and
//! uninstall hold it, renewing it while they run, as client-go's leader election does: a lease
//! of 15 s, renewed every 2 s; a holder that cannot renew for 10 s stops writing and fails, so
//! it has stopped 5 s before anyone may take the lease over.
//!
//! A second operation that finds the lease held watches it: if the holder renews it (it is
//! alive), the second operation fails at once naming the holder; if the lease runs out
//! unrenewed (its holder crashed or was killed), the second one takes it over, guarded by the
//! resourceVersion it saw. Expiry is judged by this machine's clock against the lease's
//! renewTime, so the guarantee holds while clocks differ by less than the 5 s margin.

use crate::cluster::{builtin, Cluster, ClusterError, ObjectError};
use jiff::Timestamp;
use serde_json::{json, Value};
use std::future::Future;
use std::time::{Duration, Instant};

/// How long a lease lasts without renewal (client-go's leader election default).
pub(crate) const LEASE_DURATION: Duration = Duration::from_secs(15);

/// How often a held lease is renewed: 2 s of a 15 s lease.
fn renew_period(duration: Duration) -> Duration {
    duration * 2 / 15
}

/// How long a holder goes on without a successful renewal before it stops writing: 10 s of a
/// 15 s lease, leaving a third of the lease as margin before a contender may take over.
fn renew_deadline(duration: Duration) -> Duration {
    duration * 2 / 3
}

/// The operation lost its lock while it ran (it could not renew the lease in time, or someone
/// took the lease over); it stopped writing.
#[derive(Debug, thiserror::Error)]
#[error(
    "lost the lock on Lease {namespace}/{lease}: {why}; stopped before the next write. A revision left \
     pending is marked failed (and its objects pruned) by the next deploy"
)]
pub struct LockLost {
    pub namespace: String,
    pub lease: String,
    pub why: String,
}

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
pub(crate) fn lease_name(release: &str) -> String {
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
    /// When the request of our last successful write was sent: the lease runs from no earlier.
    renewed: std::sync::Mutex<Instant>,
    /// The acquireTime we wrote: with our holder identity, it names our tenure of the lease.
    acquired: String,
}

fn version_of(lease: &Value) -> String {
    lease.pointer("/metadata/resourceVersion").and_then(Value::as_str).unwrap_or_default().to_string()
}

/// Reads a mutex's value; a panic elsewhere cannot leave a String or Instant half-written.
fn read<T: Clone>(m: &std::sync::Mutex<T>) -> T {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
}

fn write<T>(m: &std::sync::Mutex<T>, value: T) {
    *m.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = value;
}

/// What watching a held lease came to.
enum Watched {
    /// Deleted (its holder finished): try to create it again.
    Vanished,
    /// Renewed or taken by another: its holder is alive.
    Renewed(Value),
    /// Ran out unrenewed: its holder died. The lease as last read, to take over.
    RanOut(Value),
}

/// Watches a held lease until it is renewed, deleted or runs out, reading it every `poll`.
async fn watch<C: Cluster>(c: &C, namespace: &str, name: &str, poll: Duration) -> Result<Watched, ClusterError> {
    let rt = builtin::lease();
    let Some(mut current) = c.get(&rt, namespace, name).await? else { return Ok(Watched::Vanished) };
    let mut told = false;
    loop {
        let now = Timestamp::now();
        let Some(expires) = expiry(&current).filter(|t| *t > now) else { return Ok(Watched::RanOut(current)) };
        if !told {
            tracing::info!(
                "locked by {} until {expires}; waiting to see whether it is renewed",
                lease_holder(&current)
            );
            told = true;
        }
        let left = Duration::try_from(expires.duration_since(now)).unwrap_or_default();
        tokio::time::sleep(poll.min(left)).await;
        let Some(next) = c.get(&rt, namespace, name).await? else { return Ok(Watched::Vanished) };
        if version_of(&next) != version_of(&current) {
            return Ok(Watched::Renewed(next));
        }
        current = next;
    }
}

impl Lock {
    /// Takes the release's lock. When another operation holds it, watches the lease: fails as
    /// soon as the holder renews it (naming the holder), and takes it over once it has run out
    /// unrenewed (its holder died), which takes at most one lease duration.
    pub async fn acquire<C: Cluster>(
        c: &C,
        namespace: &str,
        release: &str,
        holder: &str,
        duration: Duration,
    ) -> crate::error::Result<Lock> {
        let name = lease_name(release);
        let rt = builtin::lease();
        let object = format!("Lease {namespace}/{name}");
        let body = |now: &str| {
            json!({
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {"name": name, "namespace": namespace, "labels": {
                    "app.kubernetes.io/managed-by": "ethwasm", "ethwasm.io/release": release}},
                "spec": {"holderIdentity": holder, "leaseDurationSeconds": duration.as_secs().max(1),
                         "acquireTime": now, "renewTime": now},
            })
        };
        let lock = |lease: &Value, sent: Instant, acquired: String| Lock {
            namespace: namespace.into(),
            name: name.clone(),
            holder: holder.into(),
            duration,
            version: std::sync::Mutex::new(version_of(lease)),
            renewed: std::sync::Mutex::new(sent),
            acquired,
        };
        let held = |lease: &Value| LockHeld {
            release: release.into(),
            namespace: namespace.into(),
            lease: name.clone(),
            holder: lease_holder(lease),
            expires: expiry(lease).map_or_else(|| "an unknown time".into(), |t| t.to_string()),
        };
        // Watching a held lease: often enough to see a live holder's renewals.
        let poll = (duration / 15).clamp(Duration::from_millis(100), Duration::from_secs(1));
        'create: loop {
            let sent = Instant::now();
            let now = micro_time(Timestamp::now());
            match c.create(&rt, namespace, &body(&now)).await {
                Ok(created) => return Ok(lock(&created, sent, now)),
                Err(e) if e.is_conflict() => {}
                Err(e) => return Err(ObjectError::new("lock: create", &object, e).into()),
            }
            let current =
                match watch(c, namespace, &name, poll).await.map_err(|e| ObjectError::new("lock: read", &object, e))? {
                    Watched::Vanished => continue 'create,
                    Watched::Renewed(next) => return Err(held(&next).into()),
                    Watched::RanOut(current) => current,
                };
            // Run out unrenewed: take it over, guarded by the resourceVersion we saw.
            let now = micro_time(Timestamp::now());
            let mut taking = body(&now);
            taking["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"].clone();
            let sent = Instant::now();
            return match c.replace(&rt, namespace, &name, &taking).await {
                Ok(taken) => {
                    tracing::warn!("took over the expired lock of {}", lease_holder(&current));
                    Ok(lock(&taken, sent, now))
                }
                Err(e) if e.is_conflict() => {
                    let now_held = c.get(&rt, namespace, &name).await.ok().flatten().unwrap_or(current);
                    Err(held(&now_held).into())
                }
                Err(e) if e.is_not_found() => continue 'create,
                Err(e) => Err(ObjectError::new("lock: take over", &object, e).into()),
            };
        }
    }

    /// Extends the lease from now. Fails with [`LockLost`] when the lease is no longer ours.
    pub async fn renew<C: Cluster>(&self, c: &C) -> Result<(), RenewError> {
        let rt = builtin::lease();
        let lost = |why: String| {
            RenewError::Lost(LockLost { namespace: self.namespace.clone(), lease: self.name.clone(), why })
        };
        let sent = Instant::now();
        let mut lease = match c.get(&rt, &self.namespace, &self.name).await? {
            Some(lease) => lease,
            None => return Err(lost("the Lease was deleted".into())),
        };
        // Ours while it names our holder and our acquireTime (its version may have moved on by a
        // renewal of ours whose answer was lost on the way).
        let acquired = lease.pointer("/spec/acquireTime").and_then(Value::as_str);
        if lease_holder(&lease) != self.holder || acquired != Some(self.acquired.as_str()) {
            return Err(lost(format!("it was taken over by {}", lease_holder(&lease))));
        }
        lease["spec"]["renewTime"] = micro_time(Timestamp::now()).into();
        match c.replace(&rt, &self.namespace, &self.name, &lease).await {
            Ok(renewed) => {
                write(&self.version, version_of(&renewed));
                write(&self.renewed, sent);
                Ok(())
            }
            Err(e) if e.is_conflict() => Err(lost("it was changed by another writer".into())),
            Err(e) => Err(e.into()),
        }
    }

    /// Gives the lock up: deletes the Lease, unless someone changed it since our last write
    /// (then it is no longer ours to delete).
    pub async fn release<C: Cluster>(self, c: &C) {
        let version = read(&self.version);
        // Bounded: an unanswered delete leaves the lease to expire rather than hang the exit.
        let rt = builtin::lease();
        let delete = c.delete_at(&rt, &self.namespace, &self.name, &version);
        match tokio::time::timeout(renew_period(self.duration) * 2, delete).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) if e.is_conflict() => {
                tracing::warn!("the lock Lease {}/{} changed hands; left it", self.namespace, self.name)
            }
            Ok(Err(e)) => tracing::warn!("could not release the lock Lease {}/{}: {e}", self.namespace, self.name),
            Err(_) => tracing::warn!("no answer releasing the lock Lease {}/{}; it expires", self.namespace, self.name),
        }
    }

    /// Renews the lease until it is lost: returns why once it is taken over, or once no renewal
    /// has succeeded for the renew deadline.
    async fn keep<C: Cluster>(&self, c: &C) -> LockLost {
        let deadline = renew_deadline(self.duration);
        let lost = |why: String| LockLost { namespace: self.namespace.clone(), lease: self.name.clone(), why };
        loop {
            tokio::time::sleep(renew_period(self.duration)).await;
            // A renewal that hangs must not carry the operation past the deadline.
            let left = deadline.saturating_sub(read(&self.renewed).elapsed());
            match tokio::time::timeout(left, self.renew(c)).await {
                Ok(Ok(())) => continue,
                Ok(Err(RenewError::Lost(l))) => return l,
                Ok(Err(RenewError::Cluster(e))) => {
                    let since = read(&self.renewed).elapsed();
                    if since >= deadline {
                        return lost(format!("could not renew it for {}s ({e})", since.as_secs()));
                    }
                    tracing::warn!("could not renew the release lock (will retry): {e}");
                }
                Err(_) => {
                    let since = read(&self.renewed).elapsed().as_secs();
                    return lost(format!("could not renew it for {since}s (the API server did not answer)"));
                }
            }
        }
    }

    /// Runs `op` while holding this lock, renewing it; the lock is released afterwards, whatever
    /// the outcome. If the lock is lost, `op` is stopped (dropped between requests) and the
    /// result is [`LockLost`].
    pub async fn hold<C: Cluster, T>(
        self,
        c: &C,
        op: impl Future<Output = crate::error::Result<T>>,
    ) -> crate::error::Result<T> {
        let out = tokio::select! {
            r = op => r,
            lost = self.keep(c) => Err(lost.into()),
            // Ctrl-C: stop between requests and give the lock back rather than leave it to
            // expire; a revision recorded as pending is marked failed by the next deploy.
            Ok(()) = tokio::signal::ctrl_c() => Err(crate::error::Error::cluster(format!(
                "interrupted; the lock on Lease {}/{} is released, and a revision left pending is marked failed \
                 (and its objects pruned) by the next deploy",
                self.namespace, self.name
            ))),
        };
        self.release(c).await;
        out
    }
}

/// Why a renewal failed.
#[derive(Debug, thiserror::Error)]
pub enum RenewError {
    /// The lease is no longer ours.
    #[error(transparent)]
    Lost(LockLost),
    /// The request failed; the lease may still be ours.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
}

crate::error::classify!(LockHeld => Cluster);

crate::error::classify!(LockLost => Cluster);

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

    #[test]
    fn a_fifteen_second_lease_is_renewed_every_two_and_given_up_after_ten() {
        assert_eq!(renew_period(LEASE_DURATION), Duration::from_secs(2));
        assert_eq!(renew_deadline(LEASE_DURATION), Duration::from_secs(10));
    }
}
