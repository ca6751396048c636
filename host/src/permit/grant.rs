//! The permissions beyond the default ([`Grant`]), as written ([`GRANTS`]) and given per plugin
//! ([`Grants`], [`parse_allow`]).

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
    /// Services with `externalIPs` ([`reach`](super::reach)).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_flags_parse() {
        let (p, g) = parse_allow("op:crds,rbac").unwrap();
        assert_eq!((p.as_str(), g), ("op", BTreeSet::from([Grant::Crds, Grant::Rbac])));
        assert!(parse_allow("op").unwrap_err().contains("PLUGIN:GRANT"));
        assert!(parse_allow("op:root").unwrap_err().contains("grants: other-namespaces"));
    }
}
