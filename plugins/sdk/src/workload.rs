//! Builders for the workload skeletons plugins share: containers, pod templates, StatefulSets,
//! Deployments, their volumes and claim templates, all hardened the same way.
//!
//! Every pod runs as the non-root user of [`k8s::pod_security_context`], every container under
//! [`k8s::container_security_context`] (read-only root, no capabilities), and no pod mounts a
//! service account token: a plugin cannot forget one of them by writing its own skeleton.
//! Keys come out in one fixed order, so rendered manifests stay stable across plugins.

use crate::k8s::{self, set_unless_empty, Placement};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// Owner-only read (0400) for mounted secret files: the pod's user needs nothing more.
const SECRET_MODE: u32 = 0o400;

/// `POD_NAME` and `POD_IP` from the downward API, for `$(POD_NAME)` and `$(POD_IP)` in args.
pub fn pod_identity_env() -> Vec<Value> {
    vec![k8s::field_env("POD_NAME", "metadata.name"), k8s::field_env("POD_IP", "status.podIP")]
}

/// A named container port.
pub fn container_port(name: &str, port: u16, protocol: &str) -> Value {
    json!({ "name": name, "containerPort": port, "protocol": protocol })
}

/// A volume projecting Secret keys to file paths, as `(key, path)` pairs, readable by the owner only.
pub fn secret_volume<'a>(name: &str, secret: &str, items: impl IntoIterator<Item = (&'a str, &'a str)>) -> Value {
    let items: Vec<Value> = items.into_iter().map(|(key, path)| json!({ "key": key, "path": path })).collect();
    json!({ "name": name, "secret": { "secretName": secret, "items": items, "defaultMode": SECRET_MODE } })
}

/// A volume holding every key of a ConfigMap.
pub fn config_map_volume(name: &str, config_map: &str) -> Value {
    json!({ "name": name, "configMap": { "name": config_map } })
}

/// A volume projecting several sources (see [`config_map_source`], [`secret_source`]) into one
/// directory, readable by the owner only like [`secret_volume`].
pub fn projected_volume(name: &str, sources: impl IntoIterator<Item = Value>) -> Value {
    let sources: Vec<Value> = sources.into_iter().collect();
    json!({ "name": name, "projected": { "sources": sources, "defaultMode": SECRET_MODE } })
}

/// A [`projected_volume`] source: ConfigMap keys as `(key, path)` pairs.
pub fn config_map_source<'a>(config_map: &str, items: impl IntoIterator<Item = (&'a str, &'a str)>) -> Value {
    let items: Vec<Value> = items.into_iter().map(|(key, path)| json!({ "key": key, "path": path })).collect();
    json!({ "configMap": { "name": config_map, "items": items } })
}

/// A [`projected_volume`] source: every key of a Secret, each a file of the key's name.
pub fn secret_source(secret: &str) -> Value {
    json!({ "secret": { "name": secret } })
}

/// A [`projected_volume`] source: Secret keys as `(key, path)` pairs.
pub fn secret_items_source<'a>(secret: &str, items: impl IntoIterator<Item = (&'a str, &'a str)>) -> Value {
    let items: Vec<Value> = items.into_iter().map(|(key, path)| json!({ "key": key, "path": path })).collect();
    json!({ "secret": { "name": secret, "items": items } })
}

/// A scratch volume that lives as long as the pod.
pub fn empty_dir_volume(name: &str) -> Value {
    json!({ "name": name, "emptyDir": {} })
}

/// Mounts volume `name` writable at `path`.
pub fn mount(name: &str, path: &str) -> Value {
    json!({ "name": name, "mountPath": path })
}

/// Mounts volume `name` read-only at `path`.
pub fn read_only_mount(name: &str, path: &str) -> Value {
    json!({ "name": name, "mountPath": path, "readOnly": true })
}

/// A probe: an HTTP GET of `path` on the named port (200–399 passes), every `period` seconds,
/// failing after `failures` misses in a row, each allowed 5 s.
pub fn http_probe(path: &str, port: &str, period: u32, failures: u32) -> Value {
    json!({ "httpGet": { "path": path, "port": port }, "periodSeconds": period, "failureThreshold": failures,
            "timeoutSeconds": 5 })
}

/// A probe: a TCP connection to the named port, every `period` seconds, failing after `failures`
/// misses in a row, each allowed 5 s.
pub fn tcp_probe(port: &str, period: u32, failures: u32) -> Value {
    json!({ "tcpSocket": { "port": port }, "periodSeconds": period, "failureThreshold": failures,
            "timeoutSeconds": 5 })
}

/// One container under the hardened container security context; empty lists are left out.
#[derive(Debug, Clone)]
pub struct Container {
    name: String,
    image: String,
    pull_policy: String,
    command: Vec<String>,
    args: Vec<String>,
    env: Vec<Value>,
    ports: Vec<Value>,
    mounts: Vec<Value>,
    readiness: Option<Value>,
    startup: Option<Value>,
    liveness: Option<Value>,
    resources: Value,
}

impl Container {
    /// A container called `name` running `image`, pulled per `pull_policy`.
    pub fn new(name: &str, image: &str, pull_policy: &str) -> Self {
        Container {
            name: name.into(),
            image: image.into(),
            pull_policy: pull_policy.into(),
            command: Vec::new(),
            args: Vec::new(),
            env: Vec::new(),
            ports: Vec::new(),
            mounts: Vec::new(),
            readiness: None,
            startup: None,
            liveness: None,
            resources: Value::Null,
        }
    }
    /// Replaces the image's entrypoint.
    pub fn command(mut self, command: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.command.extend(command.into_iter().map(Into::into));
        self
    }
    /// Appends arguments.
    pub fn args(mut self, args: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }
    /// Appends env vars (see [`k8s::env`], [`k8s::field_env`], [`k8s::secret_env`]).
    pub fn env(mut self, env: impl IntoIterator<Item = Value>) -> Self {
        self.env.extend(env);
        self
    }
    /// Appends ports (see [`container_port`]).
    pub fn ports(mut self, ports: impl IntoIterator<Item = Value>) -> Self {
        self.ports.extend(ports);
        self
    }
    /// Appends volume mounts (see [`mount`], [`read_only_mount`]).
    pub fn mounts(mut self, mounts: impl IntoIterator<Item = Value>) -> Self {
        self.mounts.extend(mounts);
        self
    }
    /// Ready once the named port accepts TCP connections, checked every 10 s.
    pub fn tcp_readiness(mut self, port: &str) -> Self {
        self.readiness = Some(json!({ "tcpSocket": { "port": port }, "periodSeconds": 10 }));
        self
    }
    /// Ready once `command` (run in the container) exits 0, checked every `period` seconds, each
    /// run allowed 5 s.
    pub fn exec_readiness(mut self, command: &[String], period: u32) -> Self {
        self.readiness = Some(json!({ "exec": { "command": command }, "periodSeconds": period, "timeoutSeconds": 5 }));
        self
    }
    /// Ready once an HTTP GET of `path` on the named port answers 200–399, checked every 10 s.
    pub fn http_readiness(mut self, path: &str, port: &str) -> Self {
        self.readiness = Some(json!({ "httpGet": { "path": path, "port": port }, "periodSeconds": 10 }));
        self
    }
    /// Sets the startup probe (see [`http_probe`], [`tcp_probe`]): liveness waits until it passes.
    pub fn startup(mut self, probe: Value) -> Self {
        self.startup = Some(probe);
        self
    }
    /// Sets the liveness probe (see [`http_probe`], [`tcp_probe`]): the kubelet restarts the
    /// container when it keeps failing.
    pub fn liveness(mut self, probe: Value) -> Self {
        self.liveness = Some(probe);
        self
    }
    /// Sets resource requests and limits (left out when empty). [`Pod::placement`] sizes the main
    /// container; this sizes the others.
    pub fn resources(mut self, resources: &Value) -> Self {
        self.resources = resources.clone();
        self
    }
    /// The container as JSON.
    pub fn build(self) -> Value {
        let mut c = json!({ "name": self.name, "image": self.image, "imagePullPolicy": self.pull_policy });
        set_unless_empty(&mut c, "command", &json!(self.command));
        set_unless_empty(&mut c, "args", &json!(self.args));
        set_unless_empty(&mut c, "env", &Value::Array(self.env));
        set_unless_empty(&mut c, "ports", &Value::Array(self.ports));
        set_unless_empty(&mut c, "volumeMounts", &Value::Array(self.mounts));
        set_unless_empty(&mut c, "resources", &self.resources);
        for (key, probe) in
            [("readinessProbe", self.readiness), ("startupProbe", self.startup), ("livenessProbe", self.liveness)]
        {
            if let Some(probe) = probe {
                c[key] = probe;
            }
        }
        c["securityContext"] = k8s::container_security_context();
        c
    }
}

/// A pod template under the hardened pod security context, without a service account token.
#[derive(Debug, Clone)]
pub struct Pod {
    labels: Value,
    annotations: Map<String, Value>,
    init_containers: Vec<Value>,
    volumes: Vec<Value>,
    containers: Vec<Value>,
    placement: Placement,
    termination_grace: Option<u32>,
    spread: Option<Value>,
}

impl Pod {
    /// A pod carrying `labels` (the workload built from it carries them too).
    pub fn new(labels: &Value) -> Self {
        Pod {
            labels: labels.clone(),
            annotations: Map::new(),
            init_containers: Vec::new(),
            volumes: Vec::new(),
            containers: Vec::new(),
            placement: Placement::default(),
            termination_grace: None,
            spread: None,
        }
    }
    /// Adds a pod annotation (a changed value rolls the pods).
    pub fn annotation(mut self, key: &str, value: &str) -> Self {
        self.annotations.insert(key.into(), value.into());
        self
    }
    /// Appends an init container; they run in order before the containers start.
    pub fn init_container(mut self, container: Container) -> Self {
        self.init_containers.push(container.build());
        self
    }
    /// Appends volumes (see [`secret_volume`], [`config_map_volume`], [`empty_dir_volume`]).
    pub fn volumes(mut self, volumes: impl IntoIterator<Item = Value>) -> Self {
        self.volumes.extend(volumes);
        self
    }
    /// Appends a container; the first is the main one, which [`Pod::placement`] sizes.
    pub fn container(mut self, container: Container) -> Self {
        self.containers.push(container.build());
        self
    }
    /// Places the pod (node selector, tolerations, affinity) and sizes its main container.
    pub fn placement(mut self, placement: &Placement) -> Self {
        self.placement = placement.clone();
        self
    }
    /// Seconds the pod has to stop after SIGTERM before it is killed (Kubernetes' default: 30).
    pub fn termination_grace_period(mut self, seconds: u32) -> Self {
        self.termination_grace = Some(seconds);
        self
    }
    /// Spreads the pods matching `selector` over nodes and zones, as evenly as the scheduler
    /// can without refusing to place one (`whenUnsatisfiable: ScheduleAnyway`).
    pub fn spread(mut self, selector: &Value) -> Self {
        let constraint = |key: &str| {
            json!({ "maxSkew": 1, "topologyKey": key, "whenUnsatisfiable": "ScheduleAnyway",
                    "labelSelector": { "matchLabels": selector } })
        };
        self.spread = Some(json!([constraint("kubernetes.io/hostname"), constraint("topology.kubernetes.io/zone")]));
        self
    }
    /// The pod template as JSON: `metadata` and `spec`.
    pub fn template(self) -> Value {
        let mut metadata = json!({ "labels": self.labels });
        if !self.annotations.is_empty() {
            metadata["annotations"] = Value::Object(self.annotations);
        }
        let mut spec = json!({ "securityContext": k8s::pod_security_context(), "automountServiceAccountToken": false });
        set_unless_empty(&mut spec, "initContainers", &Value::Array(self.init_containers));
        set_unless_empty(&mut spec, "volumes", &Value::Array(self.volumes));
        if let Some(seconds) = self.termination_grace {
            spec["terminationGracePeriodSeconds"] = json!(seconds);
        }
        if let Some(spread) = self.spread {
            spec["topologySpreadConstraints"] = spread;
        }
        let mut containers = self.containers;
        let mut none = Value::Null;
        self.placement.apply(&mut spec, containers.first_mut().unwrap_or(&mut none));
        spec["containers"] = Value::Array(containers);
        json!({ "metadata": metadata, "spec": spec })
    }
}

/// A StatefulSet of `replicas` pods, started in parallel and named under the headless
/// `service`, with one claim per pod from each of `claims`; it carries its pods' labels.
pub fn stateful_set(
    name: &str,
    service: &str,
    replicas: usize,
    selector: &Value,
    pod: Pod,
    claims: impl IntoIterator<Item = Value>,
) -> Value {
    let mut sts = k8s::object("apps/v1", "StatefulSet", name, Some(&pod.labels));
    sts["spec"] = json!({
        "serviceName": service,
        "replicas": replicas,
        "podManagementPolicy": "Parallel",
        "selector": { "matchLabels": selector },
        "template": pod.template(),
    });
    set_unless_empty(&mut sts["spec"], "volumeClaimTemplates", &Value::Array(claims.into_iter().collect()));
    sts
}

/// A Job that runs `pod` to completion once, its pod restarted in place on failure (up to
/// `backoff_limit` times); it carries its pod's labels.
pub fn job(name: &str, backoff_limit: u32, pod: Pod) -> Value {
    let mut j = k8s::object("batch/v1", "Job", name, Some(&pod.labels));
    let mut template = pod.template();
    template["spec"]["restartPolicy"] = "OnFailure".into();
    j["spec"] = json!({ "backoffLimit": backoff_limit, "template": template });
    j
}

/// A Deployment of `replicas` interchangeable pods; it carries its pods' labels.
pub fn deployment(name: &str, replicas: usize, selector: &Value, pod: Pod) -> Value {
    let mut d = k8s::object("apps/v1", "Deployment", name, Some(&pod.labels));
    d["spec"] = json!({ "replicas": replicas, "selector": { "matchLabels": selector }, "template": pod.template() });
    d
}

/// Storage for a StatefulSet's data volume as values write it: a PersistentVolumeClaim per
/// pod, or an emptyDir (lost with the pod) when disabled. A missing key takes
/// [`Persistence::default`]'s value; for other defaults, see [`Persistence::sized`] and
/// [`crate::deserialize_over`]. It serializes to the mapping it reads.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Persistence {
    /// A claim per pod; off, an emptyDir that goes with the pod.
    pub enabled: bool,
    /// The claim's storage request, e.g. `10Gi`.
    pub size: String,
    /// The claim's `storageClassName`; none, the cluster's default class.
    pub storage_class: Option<String>,
    /// The claim's `accessModes`.
    pub access_modes: Vec<String>,
}

impl Default for Persistence {
    fn default() -> Self {
        Persistence {
            enabled: true,
            size: "10Gi".into(),
            storage_class: None,
            access_modes: vec!["ReadWriteOnce".into()],
        }
    }
}

impl Persistence {
    /// The defaults with claims of `size` (a volume smaller or larger than a chain's 10Gi).
    /// Values that give `persistence` in part keep this size only when read through
    /// [`crate::deserialize_over`] over it; `#[serde(default)]` alone fills left-out keys from
    /// [`Persistence::default`].
    pub fn sized(size: &str) -> Self {
        Persistence { size: size.into(), ..Persistence::default() }
    }
    /// The claim template for volume `name`, when persistence is on (for [`stateful_set`]).
    pub fn claim_template(&self, name: &str) -> Option<Value> {
        if !self.enabled {
            return None;
        }
        let mut claim = json!({
            "metadata": { "name": name },
            "spec": { "accessModes": self.access_modes, "resources": { "requests": { "storage": self.size } } },
        });
        if let Some(class) = &self.storage_class {
            claim["spec"]["storageClassName"] = class.as_str().into();
        }
        Some(claim)
    }
    /// The emptyDir standing in for volume `name` when persistence is off (for [`Pod::volumes`]).
    pub fn scratch_volume(&self, name: &str) -> Option<Value> {
        (!self.enabled).then(|| empty_dir_volume(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_is_hardened_and_placed() {
        let placement = Placement { resources: json!({ "limits": { "cpu": "1" } }), ..Placement::default() };
        let c = Container::new("app", "img:1", "IfNotPresent").args(["--x"]).tcp_readiness("http");
        let t = Pod::new(&json!({ "a": "b" })).container(c).placement(&placement).template();
        let spec = &t["spec"];
        assert_eq!(spec["securityContext"]["runAsNonRoot"], true);
        assert_eq!(spec["automountServiceAccountToken"], false);
        assert!(spec.get("volumes").is_none() && t["metadata"].get("annotations").is_none());
        let c = &spec["containers"][0];
        assert_eq!(c["securityContext"]["capabilities"]["drop"][0], "ALL");
        assert_eq!(c["readinessProbe"]["tcpSocket"]["port"], "http");
        assert_eq!(c["resources"]["limits"]["cpu"], "1");
        assert!(c.get("env").is_none());
    }

    #[test]
    fn stateful_set_claims_only_when_persistent() {
        let sel = json!({ "a": "b" });
        let on = Persistence { storage_class: Some("fast".into()), ..Persistence::default() };
        let sts = stateful_set("s", "svc", 2, &sel, Pod::new(&sel), on.claim_template("data"));
        assert_eq!(sts["spec"]["volumeClaimTemplates"][0]["spec"]["storageClassName"], "fast");
        assert_eq!(sts["metadata"]["labels"], sel);
        let off = Persistence { enabled: false, ..Persistence::default() };
        let sts = stateful_set("s", "svc", 2, &sel, Pod::new(&sel), off.claim_template("data"));
        assert!(sts["spec"].get("volumeClaimTemplates").is_none());
        assert_eq!(off.scratch_volume("data").unwrap()["emptyDir"], json!({}));
    }

    /// A values section whose `persistence` defaults to 1Gi claims, as a plugin writes it.
    #[derive(Debug, Deserialize)]
    #[serde(default)]
    struct Small {
        #[serde(deserialize_with = "over_small")]
        persistence: Persistence,
    }

    impl Default for Small {
        fn default() -> Self {
            Small { persistence: Persistence::sized("1Gi") }
        }
    }

    fn over_small<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Persistence, D::Error> {
        crate::deserialize_over(Persistence::sized("1Gi"), d)
    }

    fn small(values: Value) -> Result<Persistence, String> {
        serde_json::from_value::<Small>(values).map(|s| s.persistence).map_err(|e| e.to_string())
    }

    #[test]
    fn persistence_over_other_defaults_keeps_them_for_the_keys_left_out() {
        let one = Persistence::sized("1Gi");
        assert_eq!(one, Persistence { size: "1Gi".into(), ..Persistence::default() });
        // Left out, empty, or given in part: the size stays the given default's.
        assert_eq!(small(json!({})).unwrap(), one);
        assert_eq!(small(json!({ "persistence": {} })).unwrap(), one);
        let partial = small(json!({ "persistence": { "storageClass": "fast", "enabled": false } })).unwrap();
        assert_eq!(partial, Persistence { storage_class: Some("fast".into()), enabled: false, ..one.clone() });
        // Every key given: the default shows nowhere.
        let full = json!({ "enabled": true, "size": "5Gi", "storageClass": null, "accessModes": ["ReadWriteOncePod"] });
        let given = Persistence { size: "5Gi".into(), access_modes: vec!["ReadWriteOncePod".into()], ..one.clone() };
        assert_eq!(small(json!({ "persistence": full })).unwrap(), given);
        // Plain #[serde(default)] still fills from Persistence::default().
        let plain: Persistence = serde_json::from_value(json!({ "storageClass": "fast" })).unwrap();
        assert_eq!(plain.size, "10Gi");
        // Persistence's own rules hold: unknown keys, wrong types, not a mapping.
        let unknown = small(json!({ "persistence": { "sise": "1Gi" } })).unwrap_err();
        assert!(unknown.contains("unknown field `sise`"), "{unknown}");
        let wrong = small(json!({ "persistence": { "size": 5 } })).unwrap_err();
        assert!(wrong.contains("size: invalid type: integer `5`"), "{wrong}");
        assert!(small(json!({ "persistence": "1Gi" })).unwrap_err().contains("invalid type: string"));
    }

    #[test]
    fn http_readiness_and_side_container_resources() {
        let c = Container::new("bn", "img:1", "IfNotPresent")
            .http_readiness("/health", "api")
            .resources(&json!({ "requests": { "cpu": "1" } }))
            .build();
        assert_eq!(c["readinessProbe"]["httpGet"], json!({ "path": "/health", "port": "api" }));
        assert_eq!(c["resources"]["requests"]["cpu"], "1");
        assert!(Container::new("x", "i", "Always").resources(&json!({})).build().get("resources").is_none());
    }

    #[test]
    fn projected_volume_merges_sources_owner_read_only() {
        let v = projected_volume("p", [config_map_source("cm", [("k", "part-0")]), secret_source("s")]);
        assert_eq!(v["projected"]["defaultMode"], 0o400);
        assert_eq!(v["projected"]["sources"][0]["configMap"]["items"][0]["path"], "part-0");
        assert_eq!(v["projected"]["sources"][1], json!({ "secret": { "name": "s" } }));
    }

    #[test]
    fn secret_volume_is_owner_read_only() {
        let v = secret_volume("k", "s", [("a", "b")]);
        assert_eq!(v["secret"]["defaultMode"], 0o400);
        assert_eq!(v["secret"]["items"][0], json!({ "key": "a", "path": "b" }));
    }
}
