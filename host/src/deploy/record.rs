//! Release records in the cluster: one Secret (or several, for large records) per revision, in
//! the release's namespace, labelled with release, revision and status.

use crate::cluster::{builtin, Cluster, ObjectError, WriteOptions};
use crate::error::{Error, Result};
use crate::release::{self, Part, Record, OWNER_LABEL, SECRET_TYPE};
use base64::Engine;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};

/// The label selector of a release's records (or of every release's, with `None`).
pub fn selector(release: Option<&str>) -> String {
    match release {
        Some(r) => format!("{OWNER_LABEL}=ethwasm,ethwasm.io/release={r}"),
        None => format!("{OWNER_LABEL}=ethwasm"),
    }
}

/// A record Secret back as a part.
fn part_of(secret: &Value) -> Option<Part> {
    let meta = secret.get("metadata")?;
    let strings = |v: Option<&Value>| -> BTreeMap<String, String> {
        v.and_then(Value::as_object)
            .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
            .unwrap_or_default()
    };
    let data = secret.pointer("/data/release").and_then(Value::as_str).unwrap_or_default();
    Some(Part {
        name: meta.get("name")?.as_str()?.to_string(),
        labels: strings(meta.get("labels")),
        annotations: strings(meta.get("annotations")),
        data: base64::engine::general_purpose::STANDARD.decode(data).ok()?,
    })
}

fn secret_of(part: &Part, namespace: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "type": SECRET_TYPE,
        "metadata": {"name": part.name, "namespace": namespace, "labels": part.labels, "annotations": part.annotations},
        "data": {"release": base64::engine::general_purpose::STANDARD.encode(&part.data)},
    })
}

/// A revision whose record cannot be read: a Secret edited by hand, a part lost, a wrong type.
/// It is contained: the release's other revisions still load, a deploy counts it as failed,
/// and `list` shows it as damaged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damaged {
    pub namespace: String,
    pub release: String,
    pub revision: u32,
    /// Its Secrets' names.
    pub secrets: Vec<String>,
    pub why: String,
}

impl std::fmt::Display for Damaged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = if self.secrets.len() == 1 { "" } else { "s" };
        write!(
            f,
            "revision {} of release `{}` is damaged (Secret{plural} {} in namespace {}): {}",
            self.revision,
            self.release,
            self.secrets.join(", "),
            self.namespace,
            self.why
        )
    }
}

/// A release whose every record is damaged: nothing says what its seed was.
#[derive(Debug, thiserror::Error)]
#[error(
    "release `{release}` in namespace {namespace} has no intact record: {list}. ethwasm will not guess the \
     chain's seed (a new one would be a new chain). Restore the Secrets from a backup; or deploy again with the \
     chain's --seed HEX and --created TIME, which records a new revision beside them and refuses a genesis other \
     than the running one; or give the release up: `kubectl delete secret -n {namespace} -l \
     {selector}` (its objects stay, labelled app.kubernetes.io/instance={release})",
    list = damaged.iter().map(|d| format!("{d}")).collect::<Vec<_>>().join("; "),
    selector = selector(Some(release))
)]
pub struct NoIntactRecord {
    pub release: String,
    pub namespace: String,
    pub damaged: Vec<Damaged>,
}

crate::error::classify!(NoIntactRecord => Cluster);

/// Groups record Secrets by (namespace, release, revision) and decodes each group: the records
/// that read, and the revisions that do not.
pub(crate) fn decode_all(secrets: &[Value]) -> (Vec<Record>, Vec<Damaged>) {
    #[derive(Default)]
    struct Group {
        parts: Vec<Part>,
        names: Vec<String>,
        problem: Option<String>,
    }
    let mut groups: BTreeMap<(String, String, u32), Group> = BTreeMap::new();
    for s in secrets {
        let label = |k: &str| s.pointer(&format!("/metadata/labels/{}", k.replace('/', "~1"))).and_then(Value::as_str);
        let Some(rev) = label("ethwasm.io/revision").and_then(|r| r.parse().ok()) else { continue };
        let ns = s.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or_default().to_string();
        let rel = label("ethwasm.io/release").unwrap_or_default().to_string();
        let group = groups.entry((ns, rel, rev)).or_default();
        group.names.push(s.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("?").to_string());
        let kind = s.get("type").and_then(Value::as_str).unwrap_or("");
        if kind != SECRET_TYPE {
            group.problem.get_or_insert(format!("its type is `{kind}`, not `{SECRET_TYPE}`"));
            continue;
        }
        match part_of(s) {
            Some(part) => group.parts.push(part),
            None => {
                group.problem.get_or_insert("its data is not base64".into());
            }
        }
    }
    let (mut records, mut damaged) = (Vec::new(), Vec::new());
    for ((namespace, release, revision), mut g) in groups {
        g.names.sort();
        let outcome = match g.problem {
            Some(p) => Err(p),
            None => release::decode(g.parts).map_err(|e| match e {
                release::ReleaseError::Corrupt { message, .. } => message,
            }),
        };
        match outcome {
            Ok(r) => records.push(r),
            Err(why) => damaged.push(Damaged { namespace, release, revision, secrets: g.names, why }),
        }
    }
    (records, damaged)
}

/// The records of one release.
#[derive(Debug)]
pub struct Store<'c, C> {
    cluster: &'c C,
    pub namespace: String,
    pub release: String,
    /// Secret names per revision, as last seen or written.
    names: HashMap<u32, Vec<String>>,
    /// The revisions whose records did not read at the last [`Store::load`].
    pub damaged: Vec<Damaged>,
}

impl<'c, C: Cluster> Store<'c, C> {
    pub fn new(cluster: &'c C, namespace: &str, release: &str) -> Self {
        Store {
            cluster,
            namespace: namespace.into(),
            release: release.into(),
            names: HashMap::new(),
            damaged: Vec::new(),
        }
    }

    /// Every revision, oldest first; [`NotFound`](super::NotFound) when the release has none,
    /// [`NoIntactRecord`] when it has only damaged ones.
    pub async fn load_existing(&mut self) -> Result<Vec<Record>> {
        let records = self.load().await?;
        self.some_intact(&records)?;
        if records.is_empty() {
            let (release, namespace) = (self.release.clone(), self.namespace.clone());
            return Err(super::NotFound { release, namespace }.into());
        }
        Ok(records)
    }

    /// An error when every record of the release is damaged.
    pub fn some_intact(&self, records: &[Record]) -> Result<()> {
        if records.is_empty() && !self.damaged.is_empty() {
            return Err(NoIntactRecord {
                release: self.release.clone(),
                namespace: self.namespace.clone(),
                damaged: self.damaged.clone(),
            }
            .into());
        }
        Ok(())
    }

    /// The newest revision number, damaged ones included.
    pub fn newest_revision(&self, records: &[Record]) -> u32 {
        let damaged = self.damaged.iter().map(|d| d.revision);
        records.iter().map(|r| r.revision).chain(damaged).max().unwrap_or(0)
    }

    /// Every intact revision, oldest first; damaged ones are logged as warnings and kept in
    /// [`Store::damaged`].
    pub async fn load(&mut self) -> Result<Vec<Record>> {
        let rt = builtin::secret();
        let secrets = self
            .cluster
            .list(&rt, Some(&self.namespace), &selector(Some(&self.release)))
            .await
            .map_err(|e| ObjectError::new("read release records", format!("Secrets in {}", self.namespace), e))?;
        self.names.clear();
        for s in &secrets {
            let rev =
                s.pointer("/metadata/labels/ethwasm.io~1revision").and_then(Value::as_str).and_then(|r| r.parse().ok());
            let name = s.pointer("/metadata/name").and_then(Value::as_str);
            if let (Some(rev), Some(name)) = (rev, name) {
                self.names.entry(rev).or_default().push(name.to_string());
            }
        }
        // Decompressing is off this thread too, so a lock held meanwhile keeps renewing.
        let (mut records, damaged) = tokio::task::spawn_blocking(move || decode_all(&secrets))
            .await
            .map_err(|e| Error::internal(format!("decoding the release records failed: {e}")))?;
        for d in &damaged {
            tracing::warn!(
                "{d}; it counts as a failed revision (see \"A damaged release record\" in docs/troubleshooting.md)"
            );
        }
        self.damaged = damaged;
        records.sort_by_key(|r| r.revision);
        Ok(records)
    }

    /// Writes (or rewrites) a revision's record, removing parts a larger earlier version left.
    pub(crate) async fn save(&mut self, record: &Record) -> Result<()> {
        let rt = builtin::secret();
        // Compressing a large record takes a while: off this thread, so the lock keeps renewing.
        let owned = record.clone();
        let parts = tokio::task::spawn_blocking(move || release::encode(&owned))
            .await
            .map_err(|e| Error::internal(format!("encoding the release record failed: {e}")))?;
        let names: Vec<String> = parts.iter().map(|p| p.name.clone()).collect();
        for part in &parts {
            self.cluster
                .apply(
                    &rt,
                    &self.namespace,
                    &part.name,
                    &secret_of(part, &self.namespace),
                    WriteOptions { force: true, dry_run: false },
                )
                .await
                .map_err(|e| {
                    ObjectError::new("write release record", format!("Secret {}/{}", self.namespace, part.name), e)
                })?;
        }
        let stale: Vec<String> =
            self.names.get(&record.revision).into_iter().flatten().filter(|n| !names.contains(n)).cloned().collect();
        for name in stale {
            self.delete_secret(&name).await?;
        }
        self.names.insert(record.revision, names);
        Ok(())
    }

    /// Deletes a revision's record.
    pub async fn delete(&mut self, revision: u32) -> Result<()> {
        for name in self.names.remove(&revision).unwrap_or_default() {
            self.delete_secret(&name).await?;
        }
        Ok(())
    }

    async fn delete_secret(&self, name: &str) -> Result<()> {
        self.cluster
            .delete(&builtin::secret(), &self.namespace, name, WriteOptions::default())
            .await
            .map_err(|e| ObjectError::new("delete release record", format!("Secret {}/{name}", self.namespace), e))?;
        Ok(())
    }
}

/// The latest revision of every release in `namespace` (None: all namespaces), and the
/// releases whose latest revision is damaged.
pub(crate) async fn list_releases<C: Cluster>(
    cluster: &C,
    namespace: Option<&str>,
) -> Result<(Vec<Record>, Vec<Damaged>)> {
    let rt = builtin::secret();
    let what = namespace.map_or("all namespaces".to_string(), |n| format!("namespace {n}"));
    let secrets = cluster
        .list(&rt, namespace, &selector(None))
        .await
        .map_err(|e| ObjectError::new("list releases", format!("Secrets in {what}"), e))?;
    // Decode only each release's newest revision.
    let mut newest: BTreeMap<(String, String), u32> = BTreeMap::new();
    let labels = |s: &Value| -> Option<(String, String, u32)> {
        let l: &Map<String, Value> = s.pointer("/metadata/labels")?.as_object()?;
        Some((
            s.pointer("/metadata/namespace")?.as_str()?.to_string(),
            l.get("ethwasm.io/release")?.as_str()?.to_string(),
            l.get("ethwasm.io/revision")?.as_str()?.parse().ok()?,
        ))
    };
    for s in &secrets {
        if let Some((ns, rel, rev)) = labels(s) {
            let e = newest.entry((ns, rel)).or_insert(rev);
            *e = (*e).max(rev);
        }
    }
    let keep: Vec<Value> = secrets
        .into_iter()
        .filter(|s| labels(s).is_some_and(|(ns, rel, rev)| newest.get(&(ns, rel)) == Some(&rev)))
        .collect();
    Ok(decode_all(&keep))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(revision: u32) -> Record {
        Record {
            namespace: "chain".into(),
            revision,
            seed: "cd".repeat(32),
            first_deployed: 1,
            last_deployed: 2,
            ..Record::deployed_with(vec![])
        }
    }

    fn secrets(revision: u32) -> Vec<Value> {
        release::encode(&record(revision)).iter().map(|p| secret_of(p, "chain")).collect()
    }

    /// Each part of a record damaged in turn: the revision is reported by number, Secret and
    /// reason, and the release's other revisions still read.
    #[test]
    fn a_damaged_revision_is_contained() {
        type Damage = fn(&mut Vec<Value>);
        let cases: [(&str, Damage); 5] = [
            ("the record's sha256 does not match its annotation", |s| {
                s[0]["data"]["release"] = json!(base64::engine::general_purpose::STANDARD.encode(b"edited"))
            }),
            ("the record's sha256 does not match its annotation", |s| {
                s[0]["metadata"]["annotations"][release::DIGEST_ANNOTATION] = json!("00")
            }),
            ("its data is not base64", |s| s[0]["data"]["release"] = json!("%%%")),
            ("part 1 of 2 is missing", |s| s[0]["metadata"]["labels"]["ethwasm.io/parts"] = json!("2")),
            ("its type is `Opaque`, not `ethwasm.io/release.v1`", |s| s[0]["type"] = json!("Opaque")),
        ];
        for (why, damage) in cases {
            let mut two = secrets(2);
            damage(&mut two);
            let all: Vec<Value> = secrets(1).into_iter().chain(two).collect();
            let (records, damaged) = decode_all(&all);
            assert_eq!(records.iter().map(|r| r.revision).collect::<Vec<_>>(), [1], "{why}");
            assert_eq!(damaged.len(), 1, "{why}");
            assert_eq!(damaged[0].why, why);
            assert_eq!(
                damaged[0].to_string(),
                format!("revision 2 of release `eth` is damaged (Secret ethwasm.release.v1.eth.v2 in namespace chain): {why}")
            );
        }
    }
}
