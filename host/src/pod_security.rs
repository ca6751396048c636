//! The Pod Security Standards' baseline, as the permission model checks it: every rule in one
//! table ([`BASELINE`]), each a function of one pod (a Pod, or the pod template of any workload
//! kind and of PodTemplate). A pod that breaks one needs the `privileged-pods` grant.
//!
//! Policy version: the baseline of Kubernetes v1.28 ([`POLICY`]), the oldest Kubernetes ethwasm
//! supports (its test cluster's), so a pod that passes here passes a v1.28 Pod Security Admission
//! `enforce: baseline` too; the sysctls newer releases added to the safe set (v1.29: the TCP
//! keepalive and FIN timeout ones) are refused. Fields newer than v1.28 that the standard covers
//! are checked as well: `appArmorProfile` (v1.30), beside the AppArmor annotations v1.28 reads.
//! Source: kubernetes.io/docs/concepts/security/pod-security-standards, and the Pod Security
//! Admission checks (k8s.io/pod-security-admission/policy/check_*.go).

use serde_json::{Map, Value};

/// The policy and version these rules implement.
pub const POLICY: &str = "Pod Security Standards baseline, Kubernetes v1.28 (with v1.30's appArmorProfile)";

/// One pod as the rules see it: its spec and its annotations.
pub struct Pod<'a> {
    pub spec: &'a Value,
    pub annotations: Option<&'a Map<String, Value>>,
}

/// A rule of the baseline: its name (as the standard titles it) and its check, which says why a
/// pod breaks it.
pub struct Rule {
    pub name: &'static str,
    check: fn(&Pod<'_>) -> Option<String>,
}

/// Every rule of the baseline, in the standard's order.
pub const BASELINE: &[Rule] = &[
    Rule { name: "HostProcess", check: host_process },
    Rule { name: "Host Namespaces", check: host_namespaces },
    Rule { name: "Privileged Containers", check: privileged },
    Rule { name: "Capabilities", check: capabilities },
    Rule { name: "HostPath Volumes", check: host_path },
    Rule { name: "Host Ports", check: host_ports },
    Rule { name: "AppArmor", check: app_armor },
    Rule { name: "SELinux", check: se_linux },
    Rule { name: "/proc Mount Type", check: proc_mount },
    Rule { name: "Seccomp", check: seccomp },
    Rule { name: "Sysctls", check: sysctls },
];

/// Why `pod` breaks the baseline (the first rule it breaks), if it does.
pub fn violation(pod: &Pod<'_>) -> Option<String> {
    BASELINE.iter().find_map(|r| (r.check)(pod))
}

/// The pod of a Pod, or the pod template of a workload (any kind with `spec.template`, a
/// CronJob's job template, a PodTemplate).
pub fn pod_of<'a>(kind: &str, body: &'a Value) -> Option<Pod<'a>> {
    let template = match kind {
        "Pod" => Some(body),
        "PodTemplate" => body.get("template"),
        "CronJob" => body.pointer("/spec/jobTemplate/spec/template"),
        _ => body
            .pointer("/spec/template")
            .or_else(|| body.pointer("/spec/jobTargetRef/template"))
            .or_else(|| body.pointer("/spec/jobTemplate/spec/template")),
    }?;
    let spec = template.get("spec")?;
    Some(Pod { spec, annotations: template.pointer("/metadata/annotations").and_then(Value::as_object) })
}

/// Every container of the pod (init, regular and ephemeral), with its name.
fn containers<'a>(pod: &Pod<'a>) -> impl Iterator<Item = (&'a str, &'a Value)> {
    let spec = pod.spec;
    ["initContainers", "containers", "ephemeralContainers"]
        .into_iter()
        .flat_map(move |list| spec.get(list).and_then(Value::as_array).into_iter().flatten())
        .map(|c| (c.get("name").and_then(Value::as_str).unwrap_or("?"), c))
}

/// The pod's security context, then each container's, with what they belong to.
fn security_contexts<'a>(pod: &Pod<'a>) -> impl Iterator<Item = (String, &'a Value)> {
    let own = pod.spec.get("securityContext").map(|sc| ("its pod".to_string(), sc));
    own.into_iter().chain(
        containers(pod).filter_map(|(name, c)| c.get("securityContext").map(|sc| (format!("container `{name}`"), sc))),
    )
}

fn host_process(pod: &Pod<'_>) -> Option<String> {
    security_contexts(pod)
        .find(|(_, sc)| sc.pointer("/windowsOptions/hostProcess") == Some(&Value::Bool(true)))
        .map(|(who, _)| format!("{who} runs as a Windows host process"))
}

fn host_namespaces(pod: &Pod<'_>) -> Option<String> {
    ["hostNetwork", "hostPID", "hostIPC"]
        .into_iter()
        .find(|field| pod.spec.get(*field) == Some(&Value::Bool(true)))
        .map(|field| format!("its pod sets `{field}`"))
}

fn privileged(pod: &Pod<'_>) -> Option<String> {
    containers(pod)
        .find(|(_, c)| c.pointer("/securityContext/privileged") == Some(&Value::Bool(true)))
        .map(|(name, _)| format!("container `{name}` is privileged"))
}

/// Capabilities the baseline lets a container add.
const BASELINE_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

fn capabilities(pod: &Pod<'_>) -> Option<String> {
    containers(pod).find_map(|(name, c)| {
        let added = c.pointer("/securityContext/capabilities/add").and_then(Value::as_array);
        added.into_iter().flatten().filter_map(Value::as_str).find_map(|cap| {
            let bare = cap.strip_prefix("CAP_").unwrap_or(cap);
            (!BASELINE_CAPABILITIES.contains(&bare)).then(|| format!("container `{name}` adds capability {cap}"))
        })
    })
}

fn host_path(pod: &Pod<'_>) -> Option<String> {
    let volumes = pod.spec.get("volumes").and_then(Value::as_array);
    volumes.into_iter().flatten().find(|v| v.get("hostPath").is_some()).map(|v| {
        let name = v.get("name").and_then(Value::as_str).unwrap_or("?");
        format!("its pod mounts the host's files (hostPath volume `{name}`)")
    })
}

fn host_ports(pod: &Pod<'_>) -> Option<String> {
    containers(pod).find_map(|(name, c)| {
        let ports = c.get("ports").and_then(Value::as_array);
        // Any value but absent, null or zero (80.0 is a port to the API server too).
        ports
            .into_iter()
            .flatten()
            .filter_map(|p| p.get("hostPort").filter(|h| !h.is_null()))
            .any(|h| h.as_f64() != Some(0.0))
            .then(|| format!("container `{name}` binds a host port"))
    })
}

/// The AppArmor profile annotation's prefix (one per container; v1.28 reads these).
const APPARMOR_ANNOTATION: &str = "container.apparmor.security.beta.kubernetes.io/";

fn app_armor(pod: &Pod<'_>) -> Option<String> {
    for (key, value) in pod.annotations.into_iter().flatten() {
        if let Some(container) = key.strip_prefix(APPARMOR_ANNOTATION) {
            let v = value.as_str().unwrap_or("");
            if !(v.is_empty() || v == "runtime/default" || v.starts_with("localhost/")) {
                return Some(format!("container `{container}` runs under AppArmor profile `{v}` (annotation {key})"));
            }
        }
    }
    security_contexts(pod).find_map(|(who, sc)| {
        let t = sc.pointer("/appArmorProfile/type").and_then(Value::as_str)?;
        (!matches!(t, "RuntimeDefault" | "Localhost")).then(|| format!("{who} sets appArmorProfile.type {t}"))
    })
}

/// The SELinux types a baseline pod may run as (v1.28).
const SELINUX_TYPES: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t"];

fn se_linux(pod: &Pod<'_>) -> Option<String> {
    security_contexts(pod).find_map(|(who, sc)| {
        let opts = sc.get("seLinuxOptions")?;
        let field = |f: &str| opts.get(f).and_then(Value::as_str).unwrap_or("");
        if !SELINUX_TYPES.contains(&field("type")) {
            return Some(format!("{who} sets SELinux type `{}`", field("type")));
        }
        ["user", "role"]
            .into_iter()
            .find(|f| !field(f).is_empty())
            .map(|f| format!("{who} sets SELinux {f} `{}`", field(f)))
    })
}

fn proc_mount(pod: &Pod<'_>) -> Option<String> {
    containers(pod).find_map(|(name, c)| {
        let m = c.pointer("/securityContext/procMount").and_then(Value::as_str)?;
        (m != "Default").then(|| format!("container `{name}` sets procMount {m}"))
    })
}

/// The seccomp annotations of Kubernetes before v1.19, which v1.28's admission still checks.
const SECCOMP_POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_ANNOTATION: &str = "container.seccomp.security.alpha.kubernetes.io/";

fn seccomp(pod: &Pod<'_>) -> Option<String> {
    for (key, value) in pod.annotations.into_iter().flatten() {
        let seccomp = key == SECCOMP_POD_ANNOTATION || key.starts_with(SECCOMP_CONTAINER_ANNOTATION);
        if seccomp && value.as_str() == Some("unconfined") {
            return Some(format!("annotation {key} turns seccomp off"));
        }
    }
    security_contexts(pod).find_map(|(who, sc)| {
        let t = sc.pointer("/seccompProfile/type").and_then(Value::as_str)?;
        (t == "Unconfined").then(|| format!("{who} sets seccompProfile.type Unconfined"))
    })
}

/// The sysctls the baseline calls safe in v1.28 (namespaced, and isolated from other pods).
const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
];

fn sysctls(pod: &Pod<'_>) -> Option<String> {
    let list = pod.spec.pointer("/securityContext/sysctls").and_then(Value::as_array);
    list.into_iter().flatten().find_map(|s| {
        let name = s.get("name").and_then(Value::as_str).unwrap_or("");
        (!SAFE_SYSCTLS.contains(&name))
            .then(|| format!("its pod sets sysctl `{name}`, outside the baseline's safe set"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The rule a Deployment with this pod template breaks, by name.
    fn broken(template: Value) -> Option<&'static str> {
        let body = json!({ "spec": { "template": template } });
        let pod = pod_of("Deployment", &body).unwrap();
        BASELINE.iter().find(|r| (r.check)(&pod).is_some()).map(|r| r.name)
    }

    fn spec(spec: Value) -> Value {
        json!({ "spec": spec })
    }

    fn container(sc: Value) -> Value {
        spec(json!({ "containers": [{ "name": "c", "securityContext": sc }] }))
    }

    /// For every rule: a pod that breaks it (and only it), and a near one that does not.
    #[test]
    fn each_rule_refuses_and_allows() {
        let cases: Vec<(&str, Value, Value)> = vec![
            (
                "HostProcess",
                container(json!({ "windowsOptions": { "hostProcess": true } })),
                container(json!({ "windowsOptions": { "hostProcess": false } })),
            ),
            ("Host Namespaces", spec(json!({ "hostPID": true, "containers": [] })), spec(json!({ "hostPID": false }))),
            (
                "Privileged Containers",
                container(json!({ "privileged": true })),
                container(json!({ "privileged": false })),
            ),
            (
                "Capabilities",
                container(json!({ "capabilities": { "add": ["SYS_ADMIN"] } })),
                container(json!({ "capabilities": { "add": ["NET_BIND_SERVICE", "CAP_CHOWN"], "drop": ["ALL"] } })),
            ),
            (
                "HostPath Volumes",
                spec(json!({ "volumes": [{ "name": "root", "hostPath": { "path": "/" } }] })),
                spec(json!({ "volumes": [{ "name": "tmp", "emptyDir": {} }] })),
            ),
            (
                "Host Ports",
                spec(json!({ "containers": [{ "name": "c", "ports": [{ "containerPort": 80, "hostPort": 80 }] }] })),
                spec(json!({ "containers": [{ "name": "c", "ports": [{ "containerPort": 80, "hostPort": 0 }] }] })),
            ),
            (
                "AppArmor",
                json!({ "metadata": { "annotations": { "container.apparmor.security.beta.kubernetes.io/c": "unconfined" } },
                        "spec": {} }),
                json!({ "metadata": { "annotations": { "container.apparmor.security.beta.kubernetes.io/c": "localhost/p" } },
                        "spec": container(json!({ "appArmorProfile": { "type": "RuntimeDefault" } }))["spec"] }),
            ),
            (
                "SELinux",
                container(json!({ "seLinuxOptions": { "type": "spc_t" } })),
                container(json!({ "seLinuxOptions": { "type": "container_t", "level": "s0:c1,c2" } })),
            ),
            (
                "/proc Mount Type",
                container(json!({ "procMount": "Unmasked" })),
                container(json!({ "procMount": "Default" })),
            ),
            (
                "Seccomp",
                spec(json!({ "securityContext": { "seccompProfile": { "type": "Unconfined" } } })),
                spec(
                    json!({ "securityContext": { "seccompProfile": { "type": "Localhost", "localhostProfile": "p.json" } } }),
                ),
            ),
            (
                "Sysctls",
                spec(json!({ "securityContext": { "sysctls": [{ "name": "kernel.msgmax", "value": "65536" }] } })),
                spec(
                    json!({ "securityContext": { "sysctls": [{ "name": "net.ipv4.ping_group_range", "value": "0 1" }] } }),
                ),
            ),
        ];
        let names: Vec<&str> = cases.iter().map(|(n, _, _)| *n).collect();
        assert_eq!(names, BASELINE.iter().map(|r| r.name).collect::<Vec<_>>(), "a case for every rule, in order");
        for (name, refused, allowed) in cases {
            assert_eq!(broken(refused), Some(name), "{name}: refused");
            assert_eq!(broken(allowed), None, "{name}: allowed");
        }
    }

    #[test]
    fn the_other_forms_each_rule_takes() {
        // AppArmor through the v1.30 field; Unconfined seccomp through the old annotations and a
        // container's context; SELinux user and role; the keepalive sysctls v1.29 added.
        assert_eq!(broken(container(json!({ "appArmorProfile": { "type": "Unconfined" } }))), Some("AppArmor"));
        let old = json!({ "metadata": { "annotations": { SECCOMP_POD_ANNOTATION: "unconfined" } }, "spec": {} });
        assert_eq!(broken(old), Some("Seccomp"));
        assert_eq!(broken(container(json!({ "seccompProfile": { "type": "Unconfined" } }))), Some("Seccomp"));
        assert_eq!(broken(container(json!({ "seLinuxOptions": { "user": "system_u" } }))), Some("SELinux"));
        let pod_level = spec(json!({ "securityContext": { "seLinuxOptions": { "role": "sysadm_r" } } }));
        assert_eq!(broken(pod_level), Some("SELinux"));
        let keepalive =
            json!({ "securityContext": { "sysctls": [{ "name": "net.ipv4.tcp_keepalive_time", "value": "60" }] } });
        assert_eq!(broken(spec(keepalive)), Some("Sysctls"));
        let init = spec(json!({ "initContainers": [{ "name": "i", "securityContext": { "procMount": "Unmasked" } }] }));
        assert_eq!(broken(init), Some("/proc Mount Type"));
        let ephemeral =
            spec(json!({ "ephemeralContainers": [{ "name": "e", "securityContext": { "privileged": true } }] }));
        assert_eq!(broken(ephemeral), Some("Privileged Containers"));
    }

    #[test]
    fn every_kind_with_a_pod_is_read() {
        let unconfined = json!({ "spec": { "securityContext": { "seccompProfile": { "type": "Unconfined" } } } });
        for (kind, body) in [
            ("Pod", unconfined.clone()),
            ("PodTemplate", json!({ "template": unconfined })),
            ("CronJob", json!({ "spec": { "jobTemplate": { "spec": { "template": unconfined } } } })),
            ("ReplicationController", json!({ "spec": { "template": unconfined } })),
        ] {
            let pod = pod_of(kind, &body).unwrap_or_else(|| panic!("{kind}"));
            assert!(violation(&pod).unwrap().contains("Unconfined"), "{kind}");
        }
    }
}
