//! Resource types of the kinds ethwasm itself reads and writes.

use super::ResourceType;

fn rt(group: &str, version: &str, kind: &str, plural: &str, namespaced: bool) -> ResourceType {
    ResourceType::new(group, version, kind, plural, namespaced)
}

/// v1 Secret.
pub fn secret() -> ResourceType {
    rt("", "v1", "Secret", "secrets", true)
}
/// v1 Namespace.
pub fn namespace() -> ResourceType {
    rt("", "v1", "Namespace", "namespaces", false)
}
/// coordination.k8s.io/v1 Lease.
pub fn lease() -> ResourceType {
    rt("coordination.k8s.io", "v1", "Lease", "leases", true)
}
/// v1 ConfigMap.
pub fn config_map() -> ResourceType {
    rt("", "v1", "ConfigMap", "configmaps", true)
}
/// apps/v1 StatefulSet.
pub fn stateful_set() -> ResourceType {
    rt("apps", "v1", "StatefulSet", "statefulsets", true)
}
/// apps/v1 Deployment.
pub fn deployment() -> ResourceType {
    rt("apps", "v1", "Deployment", "deployments", true)
}
/// v1 Pod.
pub fn pod() -> ResourceType {
    rt("", "v1", "Pod", "pods", true)
}
/// v1 PersistentVolumeClaim.
pub fn persistent_volume_claim() -> ResourceType {
    rt("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true)
}
