//! What every geth the plugin renders shares, whatever the consensus (Clique, ethash, or proof of
//! stake beside a beacon node): the image repository, the p2p port, the genesis annotation, the
//! labels of a node set's pods, the flags every geth starts with, its env, and the
//! PodDisruptionBudgets over node sets.

use crate::inputs::Inputs;
use crate::values::Values;
use ethwasm_plugin::{k8s, workload};
use serde_json::{json, Value};

pub(crate) const REPOSITORY: &str = "ethereum/client-go";
pub(crate) const P2P_PORT: u16 = 30303;
/// Annotation that carries the genesis hash, so a genesis change rolls the pods.
pub const GENESIS_HASH_ANNOTATION: &str = "ethwasm.io/genesis-hash";
/// Annotation naming the chain a pod runs by what decides its genesis (proof of stake: the
/// genesis BeaconState's root), unlike [`GENESIS_HASH_ANNOTATION`], which digests the genesis
/// files and changes when a fork is scheduled (and so rolls the pods onto the new config).
/// The host judges a chain's identity by it when both revisions carry it.
pub const GENESIS_ID_ANNOTATION: &str = "ethwasm.io/genesis-id";

/// The labels of one geth StatefulSet's pods, which also select them: each StatefulSet is
/// one node set, so no two select each other's pods.
pub(crate) fn labels(release: &str, component: &str, node: &str) -> Value {
    k8s::merge_labels(&k8s::component_labels(release, "geth", component), &json!({ "ethwasm.io/node-set": node }))
}

/// geth's metrics and ethstats flags, when on.
pub(crate) fn reporting_args(v: &Values, i: &Inputs) -> Vec<String> {
    let mut a = Vec::new();
    if v.metrics.enabled {
        a.push("--metrics".into());
        a.push("--metrics.addr=0.0.0.0".into());
        a.push(format!("--metrics.port={}", v.metrics.port));
    }
    if i.ethstats.enabled {
        // Kubernetes expands $(VAR) from the container's env; the secret never enters the
        // manifest.
        a.push(format!("--ethstats=$(POD_NAME):$(WS_SECRET)@{}", i.ethstats.address));
    }
    a
}

/// geth's env: the pod's name and IP, and the ethstats secret when reporting.
pub(crate) fn geth_env(i: &Inputs) -> Vec<Value> {
    let mut env = workload::pod_identity_env();
    if i.ethstats.enabled {
        env.push(k8s::secret_env("WS_SECRET", &i.ethstats.secret.secret_name, &i.ethstats.secret.key));
    }
    env
}

/// The flags every geth of the chart starts with: data, network, sync, p2p, logs.
pub(crate) fn geth_common_args(datadir: &str, network_id: u64, v: &Values) -> Vec<String> {
    vec![
        format!("--datadir={datadir}"),
        format!("--networkid={network_id}"),
        format!("--syncmode={}", v.sync_mode),
        format!("--port={P2P_PORT}"),
        "--nat=extip:$(POD_IP)".into(),
        "--ipcdisable".into(),
        format!("--verbosity={}", v.verbosity),
    ]
}

/// A PodDisruptionBudget `name` over the pods `selector` matches (node sets, and the validator
/// clients of proof of stake).
pub(crate) fn pdb(name: &str, labels: &Value, selector: Value, max_unavailable: u32) -> Value {
    let mut p = k8s::object("policy/v1", "PodDisruptionBudget", name, Some(labels));
    p["spec"] = json!({ "maxUnavailable": max_unavailable, "selector": { "matchLabels": selector } });
    p
}
