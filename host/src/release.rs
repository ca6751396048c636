//! Release records: what a revision deployed, with which plugins, values and seed, and the
//! inventory of objects it applied. In a cluster each revision is stored as Secrets of type
//! `ethwasm.io/release.v1` holding the gzip'd JSON record, split into parts where one Secret
//! would pass Kubernetes' 1 MiB object limit.
//!
//! This module is the pure part (the record, its encoding into Secret payloads and back, and
//! the inventory arithmetic prune, uninstall and history trimming need); talking to the API
//! server is the cluster layer's job.

use crate::manifest::{install_cmp, ObjectKey};
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use std::io::{Read, Write};

/// The `type` of release Secrets.
pub(crate) const SECRET_TYPE: &str = "ethwasm.io/release.v1";
/// Bytes of gzip'd record per Secret: base64 grows them by 4/3, and the Secret needs room
/// for its metadata under the 1 MiB limit.
pub(crate) const MAX_PART_BYTES: usize = 700 * 1024;
/// Label on every release Secret.
pub(crate) const OWNER_LABEL: &str = "ethwasm.io/owner";
/// Annotation carrying the sha256 of the whole gzip'd record.
pub(crate) const DIGEST_ANNOTATION: &str = "ethwasm.io/record-sha256";

/// Why a record could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error("release record {name}: {message}")]
    Corrupt { name: String, message: String },
}

/// Where a revision stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    PendingInstall,
    PendingUpgrade,
    PendingRollback,
    Deployed,
    Superseded,
    Failed,
    Uninstalling,
    /// Uninstalled with `--keep-history`.
    Uninstalled,
}

impl Status {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::PendingInstall => "pending-install",
            Status::PendingUpgrade => "pending-upgrade",
            Status::PendingRollback => "pending-rollback",
            Status::Deployed => "deployed",
            Status::Superseded => "superseded",
            Status::Failed => "failed",
            Status::Uninstalling => "uninstalling",
            Status::Uninstalled => "uninstalled",
        }
    }
}

/// The chart a revision came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartRef {
    pub name: String,
    pub version: String,
    /// Where it came from, when pulled: `oci://HOST/REPO:TAG@sha256:...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// One plugin a revision ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginDigest {
    pub name: String,
    pub version: String,
    pub sha256: String,
    /// Where it came from, when pulled on its own (not inside its chart): `oci://...@sha256:...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// One revision of a release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub name: String,
    pub namespace: String,
    pub revision: u32,
    pub chart: Option<ChartRef>,
    pub plugins: Vec<PluginDigest>,
    /// The values the user supplied (not the chart's defaults).
    pub values: Value,
    /// The chart defaults those values were merged over (for `--reuse-values`); absent in
    /// records made before ethwasm kept them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart_values: Option<Value>,
    /// The release seed, hex: made at install and reused by every upgrade and rollback.
    pub seed: String,
    /// Every object this revision applied.
    pub inventory: Vec<ObjectKey>,
    /// The objects as applied, in install order: what a rollback to this revision re-applies.
    #[serde(default)]
    pub manifests: Vec<Value>,
    pub status: Status,
    /// Unix seconds.
    pub first_deployed: u64,
    /// Unix seconds.
    pub last_deployed: u64,
    pub description: String,
    /// (plugin, notes).
    pub notes: Vec<(String, String)>,
}

impl Record {
    /// A deployed revision 1 of release `eth` in namespace `eth` holding `manifests`, for tests.
    #[cfg(test)]
    pub(crate) fn deployed_with(manifests: Vec<Value>) -> Record {
        Record {
            name: "eth".into(),
            namespace: "eth".into(),
            revision: 1,
            chart: None,
            plugins: vec![],
            values: Value::Object(Default::default()),
            chart_values: None,
            seed: String::new(),
            inventory: vec![],
            manifests,
            status: Status::Deployed,
            first_deployed: 0,
            last_deployed: 0,
            description: String::new(),
            notes: vec![],
        }
    }

    /// What `status`, `history` and `list` print as JSON: no seed, values or manifests (they
    /// hold secrets).
    pub fn summary(&self) -> Value {
        let time =
            |secs: u64| jiff::Timestamp::from_second(secs as i64).map_or_else(|_| secs.to_string(), |t| t.to_string());
        serde_json::json!({
            "name": self.name,
            "namespace": self.namespace,
            "revision": self.revision,
            "status": self.status.as_str(),
            "chart": self.chart,
            "plugins": self.plugins,
            "firstDeployed": time(self.first_deployed),
            "lastDeployed": time(self.last_deployed),
            "description": self.description,
            "objects": self.inventory.len(),
        })
    }
}

/// One Secret's worth of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// A slice of the gzip'd JSON record (stored under the Secret's `release` key).
    pub data: Vec<u8>,
}

/// The name of revision `revision`'s Secret (part `index` of `parts`).
pub(crate) fn secret_name(release: &str, revision: u32, index: usize, parts: usize) -> String {
    if parts <= 1 {
        format!("ethwasm.release.v1.{release}.v{revision}")
    } else {
        format!("ethwasm.release.v1.{release}.v{revision}.{index}")
    }
}

/// Encodes a record into one or more Secret payloads.
pub fn encode(record: &Record) -> Vec<Part> {
    let json = serde_json::to_vec(record).expect("records serialize");
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&json).expect("writing to memory cannot fail");
    let bytes = gz.finish().expect("writing to memory cannot fail");
    let digest = hex::encode(Sha256::digest(&bytes));
    let chunks: Vec<&[u8]> = bytes.chunks(MAX_PART_BYTES).collect();
    let parts = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| {
            let labels = BTreeMap::from([
                (OWNER_LABEL.to_string(), "ethwasm".to_string()),
                ("ethwasm.io/release".to_string(), record.name.clone()),
                ("ethwasm.io/revision".to_string(), record.revision.to_string()),
                ("ethwasm.io/status".to_string(), record.status.as_str().to_string()),
                ("ethwasm.io/part".to_string(), i.to_string()),
                ("ethwasm.io/parts".to_string(), parts.to_string()),
            ]);
            Part {
                name: secret_name(&record.name, record.revision, i, parts),
                labels,
                annotations: BTreeMap::from([(DIGEST_ANNOTATION.to_string(), digest.clone())]),
                data: chunk.to_vec(),
            }
        })
        .collect()
}

/// Decodes the parts of one revision (in any order) back into its record.
pub fn decode(mut parts: Vec<Part>) -> Result<Record, ReleaseError> {
    let name = parts.first().map(|p| p.name.clone()).unwrap_or_else(|| "(none)".into());
    let corrupt = |message: String| ReleaseError::Corrupt { name: name.clone(), message };
    let label = |p: &Part, k: &str| -> Result<usize, ReleaseError> {
        p.labels.get(k).and_then(|v| v.parse().ok()).ok_or_else(|| ReleaseError::Corrupt {
            name: p.name.clone(),
            message: format!("label {k} is missing or not a number"),
        })
    };
    if parts.is_empty() {
        return Err(corrupt("no parts".into()));
    }
    let expected = label(&parts[0], "ethwasm.io/parts")?;
    let mut indices = Vec::new();
    for p in &parts {
        indices.push(label(p, "ethwasm.io/part")?);
    }
    let have: HashSet<usize> = indices.iter().copied().collect();
    if let Some(missing) = (0..expected).find(|i| !have.contains(i)) {
        return Err(corrupt(format!("part {missing} of {expected} is missing")));
    }
    if parts.len() != expected {
        return Err(corrupt(format!("{} parts found, {expected} expected", parts.len())));
    }
    parts.sort_by_key(|p| p.labels.get("ethwasm.io/part").and_then(|v| v.parse::<usize>().ok()));
    let bytes: Vec<u8> = parts.iter().flat_map(|p| p.data.iter().copied()).collect();
    let want = parts[0].annotations.get(DIGEST_ANNOTATION).cloned().unwrap_or_default();
    if hex::encode(Sha256::digest(&bytes)) != want {
        return Err(corrupt("the record's sha256 does not match its annotation".into()));
    }
    let mut json = Vec::new();
    GzDecoder::new(bytes.as_slice()).read_to_end(&mut json).map_err(|e| corrupt(format!("not gzip: {e}")))?;
    serde_json::from_slice(&json).map_err(|e| corrupt(format!("not a release record: {e}")))
}

/// Objects the previous revision applied that the current one does not: what prune deletes,
/// in reverse install order (workloads before the Secrets and ConfigMaps they mount).
pub(crate) fn to_prune(previous: &[ObjectKey], current: &[ObjectKey]) -> Vec<ObjectKey> {
    let keep: HashSet<&ObjectKey> = current.iter().collect();
    let mut gone: Vec<ObjectKey> = previous.iter().filter(|k| !keep.contains(k)).cloned().collect();
    gone.sort_by(|a, b| install_cmp(b, a));
    gone.dedup();
    gone
}

/// Revisions to delete so that at most `max` remain: the oldest first, never the newest nor
/// the one currently deployed.
pub(crate) fn to_trim(revisions: &[(u32, Status)], max: usize) -> Vec<u32> {
    let mut sorted: Vec<(u32, Status)> = revisions.to_vec();
    sorted.sort_by_key(|(r, _)| *r);
    let newest = sorted.last().map(|(r, _)| *r);
    let excess = sorted.len().saturating_sub(max.max(1));
    sorted.iter().filter(|(r, s)| Some(*r) != newest && *s != Status::Deployed).take(excess).map(|(r, _)| *r).collect()
}

crate::error::classify!(ReleaseError => Cluster);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(kind: &str, name: &str) -> ObjectKey {
        let group = if kind == "StatefulSet" { "apps" } else { "" };
        ObjectKey { group: group.into(), kind: kind.into(), namespace: "eth".into(), name: name.into() }
    }

    fn record(values: Value) -> Record {
        Record {
            name: "eth".into(),
            namespace: "eth".into(),
            revision: 3,
            chart: Some(ChartRef { name: "ethereum".into(), version: "0.1.0".into(), source: None }),
            plugins: vec![PluginDigest {
                name: "secrets".into(),
                version: "0.1.0".into(),
                sha256: "ab".repeat(32),
                source: None,
            }],
            values,
            chart_values: None,
            seed: "cd".repeat(32),
            inventory: vec![key("Secret", "s"), key("StatefulSet", "x")],
            manifests: vec![json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}})],
            status: Status::Deployed,
            first_deployed: 1_700_000_000,
            last_deployed: 1_700_000_100,
            description: "upgrade complete".into(),
            notes: vec![("miners".into(), "kubectl ...".into())],
        }
    }

    #[test]
    fn small_records_are_one_secret_and_round_trip() {
        let r = record(json!({"genesis": {"chainId": 7}}));
        let parts = encode(&r);
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].name, "ethwasm.release.v1.eth.v3");
        assert_eq!(parts[0].labels["ethwasm.io/status"], "deployed");
        assert_eq!(parts[0].labels[OWNER_LABEL], "ethwasm");
        assert_eq!(decode(parts).unwrap(), r);
    }

    /// Values that do not compress: a record well over 1 MiB after gzip.
    fn incompressible(len: usize) -> String {
        let mut out = String::with_capacity(len);
        let mut block = Sha256::digest(b"seed").to_vec();
        while out.len() < len {
            block = Sha256::digest(&block).to_vec();
            out.push_str(&hex::encode(&block));
        }
        out
    }

    #[test]
    fn large_records_split_under_the_object_limit_and_round_trip() {
        let r = record(json!({ "blob": incompressible(3 << 20) }));
        let parts = encode(&r);
        assert!(parts.len() >= 2, "{} parts", parts.len());
        for (i, p) in parts.iter().enumerate() {
            assert!(p.data.len() <= MAX_PART_BYTES);
            // base64 in the Secret plus metadata must stay under 1 MiB.
            assert!(p.data.len().div_ceil(3) * 4 + 4096 < 1 << 20);
            assert_eq!(p.name, format!("ethwasm.release.v1.eth.v3.{i}"));
        }
        let mut shuffled = parts.clone();
        shuffled.reverse();
        assert_eq!(decode(shuffled).unwrap(), r);
    }

    #[test]
    fn damaged_records_are_refused_by_name() {
        let r = record(json!({ "blob": incompressible(2 << 20) }));
        let mut parts = encode(&r);
        let removed = parts.remove(1);
        let e = decode(parts.clone()).unwrap_err().to_string();
        assert!(e.contains("part 1 of") && e.contains("is missing"), "{e}");
        parts.insert(1, removed);
        parts[0].data[100] ^= 1;
        let e = decode(parts).unwrap_err().to_string();
        assert!(e.contains("sha256 does not match"), "{e}");
    }

    #[test]
    fn prune_deletes_only_what_disappeared_in_reverse_install_order() {
        let prev =
            vec![key("Secret", "a"), key("ConfigMap", "c"), key("StatefulSet", "old"), key("StatefulSet", "keep")];
        let cur = vec![key("Secret", "a"), key("StatefulSet", "keep"), key("StatefulSet", "new")];
        let gone = to_prune(&prev, &cur);
        assert_eq!(gone, vec![key("StatefulSet", "old"), key("ConfigMap", "c")]);
        assert_eq!(
            to_prune(&cur, &[]),
            vec![key("StatefulSet", "new"), key("StatefulSet", "keep"), key("Secret", "a")]
        );
    }

    #[test]
    fn summaries_leave_out_the_seed_values_and_manifests() {
        let r = record(json!({"secrets": {"password": "hunter2"}}));
        let text = r.summary().to_string();
        assert!(!text.contains("hunter2") && !text.contains(&r.seed) && !text.contains("manifests"), "{text}");
        assert_eq!(r.summary()["lastDeployed"], "2023-11-14T22:15:00Z");
        assert_eq!(r.summary()["objects"], 2);
    }

    #[test]
    fn history_trimming_keeps_the_newest_and_the_deployed() {
        use Status::*;
        let revs = [(1, Superseded), (2, Deployed), (3, Failed), (4, Superseded), (5, Failed)];
        assert_eq!(to_trim(&revs, 3), vec![1, 3]);
        assert_eq!(to_trim(&revs, 10), Vec::<u32>::new());
        assert_eq!(to_trim(&revs, 0), vec![1, 3, 4], "at least the newest stays");
    }
}
