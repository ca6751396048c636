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

/// Groups record Secrets by (namespace, release, revision) and decodes each group.
pub(crate) fn decode_all(secrets: &[Value]) -> Result<Vec<Record>> {
    let mut groups: BTreeMap<(String, String, u32), Vec<Part>> = BTreeMap::new();
    for s in secrets {
        if s.get("type").and_then(Value::as_str) != Some(SECRET_TYPE) {
            continue;
        }
        let Some(part) = part_of(s) else { continue };
        let ns = s.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or_default().to_string();
        let rel = part.labels.get("ethwasm.io/release").cloned().unwrap_or_default();
        let Some(rev) = part.labels.get("ethwasm.io/revision").and_then(|r| r.parse().ok()) else { continue };
        groups.entry((ns, rel, rev)).or_default().push(part);
    }
    let mut out = Vec::new();
    for parts in groups.into_values() {
        out.push(release::decode(parts)?);
    }
    Ok(out)
}

/// The records of one release.
#[derive(Debug)]
pub struct Store<'c, C> {
    cluster: &'c C,
    pub namespace: String,
    pub release: String,
    /// Secret names per revision, as last seen or written.
    names: HashMap<u32, Vec<String>>,
}

impl<'c, C: Cluster> Store<'c, C> {
    pub fn new(cluster: &'c C, namespace: &str, release: &str) -> Self {
        Store { cluster, namespace: namespace.into(), release: release.into(), names: HashMap::new() }
    }

    /// Every revision, oldest first; [`NotFound`](super::NotFound) when the release has none.
    pub async fn load_existing(&mut self) -> Result<Vec<Record>> {
        let records = self.load().await?;
        if records.is_empty() {
            let (release, namespace) = (self.release.clone(), self.namespace.clone());
            return Err(super::NotFound { release, namespace }.into());
        }
        Ok(records)
    }

    /// Every revision, oldest first.
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
        let mut records = tokio::task::spawn_blocking(move || decode_all(&secrets))
            .await
            .map_err(|e| Error::internal(format!("decoding the release records failed: {e}")))??;
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

/// The latest revision of every release in `namespace` (None: all namespaces).
pub(crate) async fn list_releases<C: Cluster>(cluster: &C, namespace: Option<&str>) -> Result<Vec<Record>> {
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
    decode_all(&keep)
}
