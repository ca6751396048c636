//! No takeover: a deploy applies only onto objects the release made. An object a revision renders
//! that no revision of the release recorded is looked up first; if it exists and does not carry
//! this release's labels (`app.kubernetes.io/managed-by: ethwasm` and
//! `app.kubernetes.io/instance: <release>`, in the release's namespace), the deploy is refused
//! before anything is applied, as Helm 3 refuses an object that "exists and cannot be imported
//! into the current release". A plugin that renders an existing ServiceAccount or Secret by name
//! would otherwise take it over, and uninstall would then delete it. Taking an object over is the
//! operator's call: `deploy --take-ownership`, which applies those objects with `force`, so the
//! release's field manager takes the fields it renders from whoever set them.

use super::apply::{key_of, Target};
use super::plan::Plan;
use super::Options;
use crate::cluster::{Cluster, ObjectError};
use crate::error::Result;
use crate::manifest::{ObjectKey, INSTANCE, MANAGED_BY};
use futures::stream::{self, StreamExt, TryStreamExt};
use serde_json::Value;
use std::collections::BTreeSet;

/// An object the deploy would take over.
#[derive(Debug, thiserror::Error)]
#[error(
    "{object} already exists and is not part of release `{release}` in namespace `{namespace}` ({why}); ethwasm \
     does not take over objects it did not create. Delete or rename it, render another name, or pass \
     --take-ownership to adopt it into this release (an uninstall then deletes it)"
)]
pub struct Takeover {
    pub object: String,
    pub release: String,
    pub namespace: String,
    pub why: String,
}

crate::error::classify!(Takeover => Usage);

/// Why `live` is not this release's, if it is not.
fn not_ours(live: &Value, release: &str, namespace: &str, key: &ObjectKey) -> Option<String> {
    let label = |k: &str| live.pointer(&format!("/metadata/labels/{}", k.replace('/', "~1"))).and_then(Value::as_str);
    match (label(MANAGED_BY), label(INSTANCE)) {
        (Some("ethwasm"), Some(r)) if r == release && (key.namespace.is_empty() || key.namespace == namespace) => None,
        (Some("ethwasm"), Some(r)) => Some(format!("it belongs to ethwasm release `{r}`")),
        (Some(other), _) => Some(format!("it is managed by `{other}`")),
        _ => Some("it carries no ethwasm release labels".into()),
    }
}

/// Refuses the plan if it would apply onto an object of someone else's (see the module docs);
/// with `--take-ownership`, marks those objects to be adopted instead.
pub(crate) async fn guard<C: Cluster>(c: &C, plan: &mut Plan<'_, C>, opts: &Options) -> Result<()> {
    let adopted = theirs(c, plan, opts).await?;
    for t in plan.targets.iter_mut().filter(|t| adopted.contains(&t.key)) {
        t.adopt = true;
    }
    Ok(())
}

/// The objects of the plan that exist and are someone else's: an error naming the first, or
/// with `--take-ownership`, all of them.
async fn theirs<C: Cluster>(c: &C, plan: &Plan<'_, C>, opts: &Options) -> Result<BTreeSet<ObjectKey>> {
    let recorded: BTreeSet<ObjectKey> = plan.history.iter().flat_map(|r| r.manifests.iter().map(key_of)).collect();
    let fresh: Vec<&Target> =
        plan.targets.iter().filter(|t| !t.pending_definition && !recorded.contains(&t.key)).collect();
    let (release, namespace) = (plan.store.release.as_str(), plan.store.namespace.as_str());
    let theirs: Vec<Option<(ObjectKey, String)>> = stream::iter(fresh)
        .map(|t| async move {
            let live = c
                .get(&t.rt, &t.key.namespace, &t.key.name)
                .await
                .map_err(|e| crate::error::Error::from(ObjectError::new("read", t.key.to_string(), e)))?;
            let why = live.as_ref().and_then(|l| not_ours(l, release, namespace, &t.key));
            Ok::<_, crate::error::Error>(why.map(|w| (t.key.clone(), w)))
        })
        .buffer_unordered(opts.parallelism.max(1))
        .try_collect()
        .await?;
    let mut theirs: Vec<(ObjectKey, String)> = theirs.into_iter().flatten().collect();
    theirs.sort();
    match theirs.first() {
        Some((key, why)) if !opts.take_ownership => Err(Takeover {
            object: key.to_string(),
            release: release.into(),
            namespace: namespace.into(),
            why: why.clone(),
        }
        .into()),
        _ => Ok(theirs.into_iter().map(|(k, _)| k).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_this_releases_labels_make_an_object_ours() {
        let key = |ns: &str| ObjectKey {
            group: String::new(),
            kind: "Secret".into(),
            namespace: ns.into(),
            name: "s".into(),
        };
        let live = |labels: Value| json!({ "metadata": { "labels": labels } });
        let ours = live(json!({ MANAGED_BY: "ethwasm", INSTANCE: "eth" }));
        assert_eq!(not_ours(&ours, "eth", "chain", &key("chain")), None);
        assert_eq!(not_ours(&ours, "other", "chain", &key("chain")).unwrap(), "it belongs to ethwasm release `eth`");
        let helm = live(json!({ MANAGED_BY: "Helm", INSTANCE: "eth" }));
        assert_eq!(not_ours(&helm, "eth", "chain", &key("chain")).unwrap(), "it is managed by `Helm`");
        assert_eq!(
            not_ours(&json!({}), "eth", "chain", &key("chain")).unwrap(),
            "it carries no ethwasm release labels"
        );
    }
}
