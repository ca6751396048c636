//! What a plugin may create. By default: namespaced objects in the release's namespace, of kinds
//! that are not RBAC, admission webhooks or API services, custom resource definitions or
//! namespaces, and no pod that breaks the Pod Security Standards' baseline
//! ([`crate::pod_security`]: privileged containers, added capabilities beyond baseline's list,
//! host namespaces, hostPath volumes, host ports, AppArmor, SELinux, /proc mounts, seccomp,
//! unsafe sysctls), and none of the namespaced paths past the release ([`reach`]: external IPs,
//! hand-written endpoints, other service accounts, token Secrets, bound volumes, pods reading
//! what the release does not render, hosts another Ingress or route serves). Anything more is a [`Grant`], given per plugin in
//! chart.yaml (`allow:`) or on the command line (`--allow PLUGIN:GRANT`).
//! `render` and `deploy` check the same rules, so a CI render gets the cluster's answer; the
//! one thing a render cannot know, which hosts the cluster already serves, a deploy reads
//! before anything is applied and checks with the same rules ([`check_in`]).

pub mod reach;

use crate::manifest::Object;
use reach::Inventory;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

/// A permission beyond the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grant {
    /// Namespaced objects outside the release's namespace.
    OtherNamespaces,
    /// Cluster-scoped objects of kinds no other grant names (StorageClass, PriorityClass, ...).
    ClusterScoped,
    /// `Namespace` objects (an uninstall deletes them, and all they hold).
    Namespaces,
    /// Role, RoleBinding, ClusterRole, ClusterRoleBinding.
    Rbac,
    /// Admission webhooks and policies, and APIService: they route the API server's requests.
    Webhooks,
    /// CustomResourceDefinition.
    Crds,
    /// Pods (and pod templates) that break the Pod Security Standards' baseline.
    PrivilegedPods,
    /// Services with `externalIPs` ([`reach`]).
    ExternalIps,
    /// Hand-written Endpoints and EndpointSlices.
    Endpoints,
    /// Pods running as a service account the release does not render.
    ServiceAccounts,
    /// `kubernetes.io/service-account-token` Secrets.
    TokenSecrets,
    /// Claims that bind a volume by name or clone a claim the release does not render.
    BoundVolumes,
    /// Pods that read Secrets, ConfigMaps or claims the release does not render.
    ForeignObjects,
    /// Ingress or Gateway API route hosts that something else in the cluster already serves.
    SharedHosts,
    /// Everything.
    All,
}

/// Every grant, as written.
pub const GRANTS: &[(&str, Grant)] = &[
    ("other-namespaces", Grant::OtherNamespaces),
    ("cluster-scoped", Grant::ClusterScoped),
    ("namespaces", Grant::Namespaces),
    ("rbac", Grant::Rbac),
    ("webhooks", Grant::Webhooks),
    ("crds", Grant::Crds),
    ("privileged-pods", Grant::PrivilegedPods),
    ("external-ips", Grant::ExternalIps),
    ("endpoints", Grant::Endpoints),
    ("service-accounts", Grant::ServiceAccounts),
    ("token-secrets", Grant::TokenSecrets),
    ("bound-volumes", Grant::BoundVolumes),
    ("foreign-objects", Grant::ForeignObjects),
    ("shared-hosts", Grant::SharedHosts),
    ("all", Grant::All),
];

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = GRANTS.iter().find(|(_, g)| g == self).map_or("?", |(n, _)| n);
        f.write_str(name)
    }
}

impl FromStr for Grant {
    type Err = String;
    fn from_str(s: &str) -> Result<Grant, String> {
        GRANTS.iter().find(|(n, _)| *n == s).map(|(_, g)| *g).ok_or_else(|| {
            format!("`{s}` is not a grant; grants: {}", GRANTS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "))
        })
    }
}

impl crate::error::Classify for NotGranted {
    /// A plugin went past what it may create, as it would past a limit.
    fn class(&self) -> crate::error::Class {
        crate::error::Class::Plugin
    }
}

/// Grants by plugin name.
pub type Grants = BTreeMap<String, BTreeSet<Grant>>;

/// Parses `PLUGIN:GRANT[,GRANT...]`, as `--allow` takes it.
pub fn parse_allow(text: &str) -> Result<(String, BTreeSet<Grant>), String> {
    let (plugin, grants) =
        text.split_once(':').ok_or_else(|| format!("`{text}` is not PLUGIN:GRANT (e.g. my-operator:crds)"))?;
    if !crate::plugin::is_dns_label(plugin) {
        return Err(format!("`{plugin}` in `{text}` is not a plugin name"));
    }
    let grants = grants.split(',').map(|g| g.trim().parse()).collect::<Result<BTreeSet<Grant>, String>>()?;
    Ok((plugin.to_string(), grants))
}

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

/// Counts of objects by category, per plugin.
pub type Summary = Vec<(String, BTreeMap<String, usize>)>;

/// What each plugin created, by category: `in namespace NS` or a grant's name, with counts, in
/// plugin order of first appearance.
pub fn summary(objects: &[Object], namespace: &str) -> Summary {
    let mut out: Summary = Vec::new();
    let inv = Inventory::of(objects, namespace);
    for o in objects {
        let label =
            category(o, namespace, &inv).map_or_else(|| format!("in namespace {namespace}"), |(g, _)| g.to_string());
        let i = match out.iter().position(|(p, _)| *p == o.plugin) {
            Some(i) => i,
            None => {
                out.push((o.plugin.clone(), BTreeMap::new()));
                out.len() - 1
            }
        };
        *out[i].1.entry(label).or_default() += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::ObjectKey;
    use serde_json::{json, Value};

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

    #[test]
    fn allow_flags_parse() {
        let (p, g) = parse_allow("op:crds,rbac").unwrap();
        assert_eq!((p.as_str(), g), ("op", BTreeSet::from([Grant::Crds, Grant::Rbac])));
        assert!(parse_allow("op").unwrap_err().contains("PLUGIN:GRANT"));
        assert!(parse_allow("op:root").unwrap_err().contains("grants: other-namespaces"));
    }
}
