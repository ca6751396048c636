//! bootnode plugin: geth's `bootnode` discovery server as a StatefulSet behind a headless
//! Service, with node keys from the secrets plugin.
//!
//! Enode URLs are computed at render time from the node keys (input `node-keys`) and carry the
//! pods' stable DNS names, so geth nodes need no registrar, sidecar or curl loop, and bootnodes
//! keep their identity across restarts. Provides `bootnodes`.
//!
//! Proof of stake (`global.consensus: pos`) renders no bootnode and provides no enodes: its geth
//! nodes run with `--nodiscover` and dial each other as static nodes, and the beacon nodes dial
//! each other by `--libp2p-addresses` (the miners plugin computes both), so a discovery server
//! would only add a pod that nothing uses. Its node keys, which the secrets plugin still makes
//! from `global.topology.bootnodes`, stay unused.

use ethwasm_ethereum_types::{names, Bootnodes, Consensus, Global, NodeKeys, NodeSet};
use ethwasm_plugin::k8s::{self, Image};
use ethwasm_plugin::workload::{self, Container, Pod};
use ethwasm_plugin::{export, log, Info, Input, Level, Output, Plugin, PluginError};
use serde::Deserialize;

/// JSON Schema of the `bootnode` values section.
pub const SCHEMA: &str = include_str!("schema.json");

const REPOSITORY: &str = "ethereum/client-go";
const TAG: &str = "alltools-v1.13.15";

/// The `bootnode` values section.
#[derive(Debug, Deserialize)]
// No deny_unknown_fields: `placement` is flattened; the schema rejects unknown keys.
#[serde(rename_all = "camelCase", default)]
pub struct Values {
    pub image: Image,
    pub port: u16,
    pub verbosity: u8,
    #[serde(flatten)]
    pub placement: k8s::Placement,
}

impl Default for Values {
    fn default() -> Self {
        Values { image: Image::default(), port: 30301, verbosity: 3, placement: k8s::Placement::default() }
    }
}

/// The plugin.
pub struct Bootnode;

impl Plugin for Bootnode {
    fn info() -> Info {
        Info::new("bootnode", env!("CARGO_PKG_VERSION"), "geth bootnode discovery servers with stable enode URLs")
            .provides(&[names::BOOTNODES])
            .requires(&[names::NODE_KEYS])
            .schema(SCHEMA)
    }

    fn render(input: Input) -> Result<Output, PluginError> {
        let v: Values = input.values()?;
        let g: Global = input.global()?;
        if g.consensus == Some(Consensus::Pos) {
            log(
                Level::Info,
                "proof of stake: no bootnode rendered; the miners plugin peers geth nodes as static nodes and \
                 beacon nodes by --libp2p-addresses, so nothing would query one",
            );
            return Ok(proof_of_stake());
        }
        let keys: NodeKeys = input.input(names::NODE_KEYS)?;
        let r = input.release();
        Ok(render(&r.name, &r.namespace, &g.cluster_domain, &v, &keys.bootnodes))
    }
}

/// What proof of stake gets: no objects and no enodes.
pub fn proof_of_stake() -> Output {
    Output::new().output(names::BOOTNODES, &Bootnodes { enodes: Vec::new(), hosts: Vec::new() })
}

/// Renders the bootnodes.
pub fn render(release: &str, namespace: &str, domain: &str, v: &Values, set: &NodeSet) -> Output {
    let name = &set.stateful_set;
    let hosts: Vec<String> = set.nodes.iter().map(|n| format!("{}.{name}.{namespace}.svc.{domain}", n.pod)).collect();
    let enodes: Vec<String> =
        set.nodes.iter().zip(&hosts).map(|(n, h)| format!("enode://{}@{h}:{}", n.node_id, v.port)).collect();
    let out = Output::new().output(names::BOOTNODES, &Bootnodes { enodes: enodes.clone(), hosts });
    if set.nodes.is_empty() {
        return out;
    }
    let selector = k8s::selector(release, "bootnode");
    let labels = k8s::component_labels(release, "bootnode", "bootnode");
    let service = k8s::service(name, &labels, &selector, "Headless", vec![k8s::port("discovery", v.port, "UDP")]);
    let container = Container::new("bootnode", &v.image.reference(REPOSITORY, TAG), v.image.pull_policy())
        .command(["bootnode"])
        .args([
            "-nodekey=/nodekey/$(POD_NAME)".to_string(),
            format!("-addr=:{}", v.port),
            "-nat=extip:$(POD_IP)".into(),
            format!("-verbosity={}", v.verbosity),
        ])
        .env(workload::pod_identity_env())
        .ports([workload::container_port("discovery", v.port, "UDP")])
        .mounts([workload::read_only_mount("nodekey", "/nodekey")]);
    let items = set.nodes.iter().map(|n| (n.node_key.key.as_str(), n.pod.as_str()));
    let pod = Pod::new(&labels)
        .volumes([workload::secret_volume("nodekey", &set.nodes[0].node_key.secret_name, items)])
        .container(container)
        .placement(&v.placement);
    let sts = workload::stateful_set(name, name, set.nodes.len(), &selector, pod, None);
    let notes = format!("Bootnodes: {}", enodes.join(", "));
    out.manifest(service).manifest(sts).notes(notes)
}

export!(Bootnode);

#[cfg(test)]
mod tests {
    use super::*;
    use ethwasm_ethereum_types::{Node, SecretKeyRef as KeyRef};
    use serde_json::json;

    fn set(n: usize) -> NodeSet {
        NodeSet {
            stateful_set: "eth-bootnode".into(),
            nodes: (0..n)
                .map(|i| Node {
                    pod: format!("eth-bootnode-{i}"),
                    node_id: format!("{i:0>128}"),
                    node_key: KeyRef { secret_name: "eth-nodekeys".into(), key: format!("eth-bootnode-{i}") },
                })
                .collect(),
        }
    }

    #[test]
    fn enodes_use_stable_dns_names() {
        let out = render("eth", "chain", "cluster.local", &Values::default(), &set(2));
        let b: Bootnodes = serde_json::from_value(out.get_output(names::BOOTNODES).unwrap()).unwrap();
        assert_eq!(
            b.enodes[1],
            format!("enode://{:0>128}@eth-bootnode-1.eth-bootnode.chain.svc.cluster.local:30301", 1)
        );
        assert_eq!(b.hosts[0], "eth-bootnode-0.eth-bootnode.chain.svc.cluster.local");
        let m = out.manifests();
        assert_eq!(m[0]["kind"], "Service");
        assert_eq!(m[0]["spec"]["clusterIP"], "None");
        assert_eq!(m[1]["spec"]["replicas"], 2);
        let pod = &m[1]["spec"]["template"]["spec"];
        assert_eq!(pod["volumes"][0]["secret"]["items"][1]["path"], "eth-bootnode-1");
        assert_eq!(pod["containers"][0]["image"], "ethereum/client-go:alltools-v1.13.15");
        assert_eq!(pod["containers"][0]["args"][0], "-nodekey=/nodekey/$(POD_NAME)");
    }

    #[test]
    fn proof_of_stake_renders_no_bootnode_and_no_enodes() {
        let out = proof_of_stake();
        assert!(out.manifests().is_empty());
        let b: Bootnodes = serde_json::from_value(out.get_output(names::BOOTNODES).unwrap()).unwrap();
        assert!(b.enodes.is_empty() && b.hosts.is_empty());
    }

    #[test]
    fn no_bootnodes_renders_nothing() {
        let out = render("eth", "chain", "cluster.local", &Values::default(), &set(0));
        assert!(out.manifests().is_empty());
        assert_eq!(out.get_output(names::BOOTNODES).unwrap()["enodes"], json!([]));
    }
}
