//! Reading releases: status (the latest record and its workloads' readiness), history and list.

use super::plan::targets_for;
use super::record::{self, Store};
use super::{wait, NotFound};
use crate::cluster::{Cluster, ObjectError};
use crate::error::{Error, Result};
use crate::manifest::ObjectKey;
use crate::release::Record;
use std::collections::HashSet;

/// The release name when none is given: the only release in the namespace.
pub async fn default_release<C: Cluster>(c: &C, namespace: &str) -> Result<String> {
    let (records, damaged) = list(c, Some(namespace)).await?;
    let mut names: Vec<String> =
        records.into_iter().map(|r| r.name).chain(damaged.into_iter().map(|d| d.release)).collect();
    names.sort();
    names.dedup();
    match names.len() {
        1 => Ok(names.remove(0)),
        0 => Err(Error::usage(format!("no ethwasm release in namespace {namespace}; pass -n NAMESPACE or --release"))),
        _ => Err(Error::usage(format!(
            "namespace {namespace} holds several releases ({}); pass --release NAME",
            names.join(", ")
        ))),
    }
}

/// The latest revision of every release in `namespace` (None: all namespaces), and the releases
/// whose latest revision is damaged.
pub async fn list<C: Cluster>(c: &C, namespace: Option<&str>) -> Result<(Vec<Record>, Vec<record::Damaged>)> {
    record::list_releases(c, namespace).await
}

/// The latest record and the readiness of each of its workloads.
pub async fn status<C: Cluster>(
    c: &C,
    namespace: &str,
    release: &str,
) -> Result<(Record, Vec<(ObjectKey, wait::Readiness)>)> {
    let mut store = Store::new(c, namespace, release);
    let history = store.load().await?;
    store.some_intact(&history)?;
    let latest =
        history.last().cloned().ok_or_else(|| NotFound { release: release.into(), namespace: namespace.into() })?;
    let workloads: Vec<ObjectKey> =
        latest.inventory.iter().filter(|k| wait::WORKLOADS.contains(&k.kind.as_str())).cloned().collect();
    let targets = targets_for(c, &workloads, &[&latest]).await?;
    let mut out = Vec::new();
    let seen: HashSet<&ObjectKey> = targets.iter().map(|t| &t.key).collect();
    for t in &targets {
        let live =
            c.get(&t.rt, &t.key.namespace, &t.key.name).await.map_err(|e| ObjectError::new("read", &t.key, e))?;
        let state = match live {
            Some(l) => wait::readiness(&t.key.kind, &l),
            None => wait::Readiness::Pending("missing".into()),
        };
        out.push((t.key.clone(), state));
    }
    for k in workloads.iter().filter(|k| !seen.contains(k)) {
        out.push((k.clone(), wait::Readiness::Pending("kind not served".into())));
    }
    Ok((latest, out))
}

/// Every revision of a release, oldest first.
pub async fn history<C: Cluster>(c: &C, namespace: &str, release: &str) -> Result<Vec<Record>> {
    Store::new(c, namespace, release).load_existing().await
}
