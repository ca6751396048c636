//! What an object needs beyond the default ([`needs`], [`category`]), and the check of every
//! object against its plugin's grants ([`check`], [`check_in`]).

use super::reach::{self, Inventory};
use super::{Grant, Grants};
use crate::manifest::Object;

/// An object a plugin may not create without a grant.
#[derive(Debug, thiserror::Error)]
#[error(
    "plugin `{plugin}` may not create {object}: {why}; if you trust it to, grant `{grant}` with `--allow {plugin}:{grant}` or `allow: [{grant}]` under the plugin in chart.yaml"
)]
pub struct NotGranted {
    pub plugin: String,
    pub object: String,
    pub why: String,
    pub grant: Grant,
}

crate::error::classify!(
    /// A plugin went past what it may create, as it would past a limit.
    NotGranted => Plugin
);

const RBAC: &[&str] = &["Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"];
/// The category an object falls in: the first grant it needs and why, or `None` for the default.
pub fn category(o: &Object, namespace: &str, inv: &Inventory) -> Option<(Grant, String)> {
    needs(o, namespace, inv).into_iter().next()
}

/// Every grant an object needs, with why: a privileged pod in another namespace needs both. `inv`
/// is what the release renders in `namespace`, which its pods may refer to.
pub fn needs(o: &Object, namespace: &str, inv: &Inventory) -> Vec<(Grant, String)> {
    let mut out: Vec<(Grant, String)> = where_it_goes(o, namespace).into_iter().collect();
    if let Some(why) =
        crate::pod_security::pod_of(&o.key.kind, &o.body).and_then(|p| crate::pod_security::violation(&p))
    {
        out.push((Grant::PrivilegedPods, why));
    }
    out.extend(reach::reaches(o, inv));
    out
}

/// The grant an object's kind or place needs, if any.
fn where_it_goes(o: &Object, namespace: &str) -> Option<(Grant, String)> {
    let kind = o.key.kind.as_str();
    if RBAC.contains(&kind) {
        return Some((Grant::Rbac, "RBAC objects change who may do what in the cluster".into()));
    }
    if crate::manifest::WEBHOOK_KINDS.contains(&kind) {
        return Some((Grant::Webhooks, format!("a {kind} routes the API server's requests")));
    }
    if kind == "CustomResourceDefinition" {
        return Some((Grant::Crds, "a CustomResourceDefinition adds an API for the whole cluster".into()));
    }
    if kind == "Namespace" {
        return Some((Grant::Namespaces, "an uninstall would delete the namespace and all it holds".into()));
    }
    if o.key.namespace.is_empty() {
        return Some((Grant::ClusterScoped, format!("{kind} is cluster-scoped")));
    }
    if o.key.namespace != namespace {
        return Some((
            Grant::OtherNamespaces,
            format!("it is in namespace `{}`, not the release's `{namespace}`", o.key.namespace),
        ));
    }
    None
}

/// Checks every object against its plugin's grants; the first refusal, in install order.
pub fn check(objects: &[Object], namespace: &str, grants: &Grants) -> Result<(), NotGranted> {
    check_in(objects, namespace, grants, None)
}

/// [`check`] with what a deploy knows of the cluster: the hosts its other Ingresses and routes
/// serve ([`reach::Served`]). Same rules; the cluster only fills in what a render cannot see.
pub fn check_in(
    objects: &[Object],
    namespace: &str,
    grants: &Grants,
    served: Option<reach::Served>,
) -> Result<(), NotGranted> {
    let inv = Inventory::of(objects, namespace);
    let inv = match served {
        Some(s) => inv.serving(s),
        None => inv,
    };
    for o in objects {
        for (grant, why) in needs(o, namespace, &inv) {
            if !holds(grants, &o.plugin, grant) {
                return Err(NotGranted { plugin: o.plugin.clone(), object: o.key.to_string(), why, grant });
            }
        }
    }
    Ok(())
}

/// Whether `plugin` holds `grant` (or `all`).
pub fn holds(grants: &Grants, plugin: &str, grant: Grant) -> bool {
    grants.get(plugin).is_some_and(|g| g.contains(&grant) || g.contains(&Grant::All))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::ObjectKey;
    use serde_json::{json, Value};
    use std::collections::BTreeSet;

    fn obj(kind: &str, namespace: &str, body: Value) -> Object {
        Object {
            key: ObjectKey { group: String::new(), kind: kind.into(), namespace: namespace.into(), name: "x".into() },
            plugin: "p".into(),
            body,
        }
    }

    fn grant_of(kind: &str, namespace: &str, body: Value) -> Option<Grant> {
        category(&obj(kind, namespace, body), "eth", &Inventory::of(&[], "eth")).map(|(g, _)| g)
    }

    #[test]
    fn categories() {
        assert_eq!(grant_of("ConfigMap", "eth", json!({})), None);
        assert_eq!(grant_of("ConfigMap", "kube-system", json!({})), Some(Grant::OtherNamespaces));
        assert_eq!(grant_of("ClusterRoleBinding", "", json!({})), Some(Grant::Rbac));
        assert_eq!(grant_of("Role", "eth", json!({})), Some(Grant::Rbac));
        assert_eq!(grant_of("MutatingWebhookConfiguration", "", json!({})), Some(Grant::Webhooks));
        assert_eq!(grant_of("CustomResourceDefinition", "", json!({})), Some(Grant::Crds));
        assert_eq!(grant_of("Namespace", "", json!({})), Some(Grant::Namespaces));
        assert_eq!(grant_of("StorageClass", "", json!({})), Some(Grant::ClusterScoped));
    }

    #[test]
    fn pods_beyond_the_baseline() {
        let sts = |spec: Value| json!({"spec": {"template": {"spec": spec}}});
        let c = |sc: Value| json!({"containers": [{"name": "c", "securityContext": sc}]});
        assert_eq!(grant_of("StatefulSet", "eth", sts(c(json!({"runAsNonRoot": true})))), None);
        assert_eq!(grant_of("StatefulSet", "eth", sts(c(json!({"privileged": true})))), Some(Grant::PrivilegedPods));
        let caps = |cap: &str| sts(c(json!({"capabilities": {"add": [cap]}})));
        assert_eq!(grant_of("Deployment", "eth", caps("NET_BIND_SERVICE")), None);
        assert_eq!(grant_of("Deployment", "eth", caps("SYS_ADMIN")), Some(Grant::PrivilegedPods));
        assert_eq!(grant_of("DaemonSet", "eth", sts(json!({"hostNetwork": true}))), Some(Grant::PrivilegedPods));
        let host_path = json!({"volumes": [{"name": "root", "hostPath": {"path": "/"}}], "containers": []});
        assert_eq!(grant_of("Pod", "eth", json!({"spec": host_path})), Some(Grant::PrivilegedPods));
        let cron = json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {"hostPID": true}}}}}});
        assert_eq!(grant_of("CronJob", "eth", cron), Some(Grant::PrivilegedPods));
        let port = json!({"containers": [{"name": "c", "ports": [{"containerPort": 80, "hostPort": 80}]}]});
        assert_eq!(grant_of("Deployment", "eth", sts(port)), Some(Grant::PrivilegedPods));
        let port = json!({"containers": [{"name": "c", "ports": [{"containerPort": 80, "hostPort": 80.0}]}]});
        assert_eq!(grant_of("Deployment", "eth", sts(port)), Some(Grant::PrivilegedPods));
        let zero = json!({"containers": [{"name": "c", "ports": [{"containerPort": 80, "hostPort": 0}]}]});
        assert_eq!(grant_of("Deployment", "eth", sts(zero)), None);
        let win = json!({"securityContext": {"windowsOptions": {"hostProcess": true}}, "containers": []});
        assert_eq!(grant_of("Deployment", "eth", sts(win)), Some(Grant::PrivilegedPods));
        let tpl = json!({"template": {"spec": {"hostNetwork": true}}});
        assert_eq!(grant_of("PodTemplate", "eth", tpl), Some(Grant::PrivilegedPods));
        // In another namespace, a privileged pod needs both grants.
        let o = obj("Deployment", "kube-system", sts(c(json!({"privileged": true}))));
        let only_ns: Grants = [("p".to_string(), BTreeSet::from([Grant::OtherNamespaces]))].into();
        let e = check(std::slice::from_ref(&o), "eth", &only_ns).unwrap_err();
        assert_eq!(e.grant, Grant::PrivilegedPods);
        let both: Grants = [("p".to_string(), BTreeSet::from([Grant::OtherNamespaces, Grant::PrivilegedPods]))].into();
        assert!(check(&[o], "eth", &both).is_ok());
    }

    #[test]
    fn a_refusal_names_plugin_object_and_grant_and_a_grant_allows() {
        let objects = vec![obj("ClusterRoleBinding", "", json!({}))];
        let err = check(&objects, "eth", &Grants::new()).unwrap_err().to_string();
        assert_eq!(
            err,
            "plugin `p` may not create ClusterRoleBinding x: RBAC objects change who may do what in the cluster; if you trust it to, grant `rbac` with `--allow p:rbac` or `allow: [rbac]` under the plugin in chart.yaml"
        );
        let grants: Grants = [("p".to_string(), BTreeSet::from([Grant::Rbac]))].into();
        assert!(check(&objects, "eth", &grants).is_ok());
        let all: Grants = [("p".to_string(), BTreeSet::from([Grant::All]))].into();
        assert!(check(&objects, "eth", &all).is_ok());
        let other: Grants = [("q".to_string(), BTreeSet::from([Grant::All]))].into();
        assert!(check(&objects, "eth", &other).is_err(), "another plugin's grant is not this one's");
    }
}
