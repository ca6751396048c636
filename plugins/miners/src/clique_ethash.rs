//! Clique and ethash: a geth StatefulSet of one replica per signer (a Clique sealer unlocking its
//! keystore, or an ethash miner), an RPC StatefulSet, one headless Service naming every pod, and
//! the RPC Service, budgets and optional NetworkPolicy. Both run the last geth release that
//! still seals that way (`CLIQUE_TAG`, `ETHASH_TAG`).

use crate::geth::{
    geth_common_args, geth_env, labels, pdb, reporting_args, GENESIS_HASH_ANNOTATION, P2P_PORT, REPOSITORY,
};
use crate::inputs::Inputs;
use crate::rpc::{rpc_args, rpc_network_policy, rpc_notes, rpc_pdb};
use crate::values::Values;
use ethwasm_ethereum_types::{Consensus, Signer};
use ethwasm_plugin::k8s;
use ethwasm_plugin::workload::{self, Container, Pod};
use ethwasm_plugin::{Output, PluginError};
use serde_json::Value;

/// The last geth that seals Clique blocks.
const CLIQUE_TAG: &str = "v1.13.15";
/// The last geth that mines ethash.
const ETHASH_TAG: &str = "v1.11.6";

/// Flags every geth node gets.
fn common_args(v: &Values, i: &Inputs) -> Vec<String> {
    let mut a = geth_common_args("/data", i.genesis.network_id, v);
    if !i.bootnodes.enodes.is_empty() {
        a.push(format!("--bootnodes={}", i.bootnodes.enodes.join(",")));
    }
    a.extend(reporting_args(v, i));
    a
}

/// What differs between geth StatefulSets.
struct NodeSpec {
    name: String,
    replicas: usize,
    labels: Value,
    args: Vec<String>,
    volumes: Vec<Value>,
    mounts: Vec<Value>,
    ports: Vec<Value>,
    probe_port: &'static str,
}

/// geth 1.13 resolves enode host names once at start: wait until every one resolves.
const WAIT_FOR_BOOTNODES: &str =
    "for h in $BOOTNODE_HOSTS; do until nslookup \"$h\" >/dev/null 2>&1; do echo \"waiting for $h to resolve\"; sleep 2; done; done";

/// One geth StatefulSet, its pods named under the headless Service `service`.
fn stateful_set(v: &Values, i: &Inputs, image: &str, service: &str, node: NodeSpec) -> Value {
    let NodeSpec { name, replicas, labels, args, volumes, mounts, ports, probe_port } = node;
    let pull = v.image.pull_policy();
    let env = geth_env(i);
    let mut pod = v.annotate(Pod::new(&labels)).annotation(GENESIS_HASH_ANNOTATION, &i.genesis.hash);
    if !i.bootnodes.hosts.is_empty() {
        pod = pod.init_container(
            Container::new("wait-for-bootnodes", image, pull)
                .command(["sh", "-c", WAIT_FOR_BOOTNODES])
                .env([k8s::env("BOOTNODE_HOSTS", &i.bootnodes.hosts.join(" "))]),
        );
    }
    let init_genesis = format!(
        "if [ -d /data/geth/chaindata ]; then echo 'chain data exists; keeping it'; else geth --datadir=/data init /genesis/{}; fi",
        i.genesis.key
    );
    let geth = Container::new("geth", image, pull)
        .command(["geth"])
        .args(args)
        .args(v.extra_args.iter().cloned())
        .env(env)
        .ports(ports)
        .mounts(mounts)
        .mounts([workload::mount("data", "/data")])
        .tcp_readiness(probe_port);
    let pod = pod
        .init_container(
            Container::new("init-genesis", image, pull)
                .command(["sh", "-c", &init_genesis])
                .mounts([workload::mount("data", "/data"), workload::read_only_mount("genesis", "/genesis")]),
        )
        .volumes(volumes)
        .volumes([workload::config_map_volume("genesis", &i.genesis.config_map)])
        .volumes(v.persistence.scratch_volume("data"))
        .container(geth)
        .placement(&v.geth_placement());
    workload::stateful_set(&name, service, replicas, &labels, pod, v.persistence.claim_template("data"))
}

fn p2p_ports(v: &Values) -> Vec<Value> {
    let mut ports =
        vec![workload::container_port("p2p", P2P_PORT, "TCP"), workload::container_port("discovery", P2P_PORT, "UDP")];
    if v.metrics.enabled {
        ports.push(workload::container_port("metrics", v.metrics.port, "TCP"));
    }
    ports
}

/// What a signer's StatefulSet runs: geth with its own node key, sealing with its unlocked
/// keystore (Clique) or mining (ethash).
fn signer_spec(release: &str, v: &Values, i: &Inputs, s: &Signer, clique: bool) -> NodeSpec {
    let labels = labels(release, "signer", &s.stateful_set);
    let mut args = common_args(v, i);
    args.push(format!("--nodekey=/nodekey/{}", s.node_key.key));
    args.push("--mine".into());
    args.push(format!("--miner.etherbase={}", s.address));
    let key = s.node_key.key.as_str();
    let mut volumes = vec![workload::secret_volume("nodekey", &s.node_key.secret_name, [(key, key)])];
    let mut mounts = vec![workload::read_only_mount("nodekey", "/nodekey")];
    if clique {
        args.push(format!("--unlock={}", s.address));
        args.push("--password=/password/password".into());
        args.push("--keystore=/keystore".into());
        let password = &i.signers.password;
        let keystore = [(s.keystore.key.as_str(), "keystore.json")];
        volumes.push(workload::secret_volume("keystore", &s.keystore.secret_name, keystore));
        volumes.push(workload::secret_volume("password", &password.secret_name, [(password.key.as_str(), "password")]));
        mounts.push(workload::read_only_mount("keystore", "/keystore"));
        mounts.push(workload::read_only_mount("password", "/password"));
    } else {
        args.push(format!("--miner.threads={}", v.ethash.threads));
        // The DAG defaults to $HOME/.ethash, which a non-root pod with a read-only root
        // filesystem cannot write: keep it on the data volume.
        args.push("--ethash.dagdir=/data/ethash-dag".into());
    }
    let name = s.stateful_set.clone();
    NodeSpec { name, replicas: 1, labels, args, volumes, mounts, ports: p2p_ports(v), probe_port: "p2p" }
}

/// What the RPC nodes' StatefulSet runs: geth serving JSON-RPC, each pod with its own node key.
fn rpc_spec(release: &str, v: &Values, i: &Inputs) -> NodeSpec {
    let rpc_count = i.rpc.nodes.len();
    let name = &i.rpc.stateful_set;
    let labels = labels(release, "rpc", name);
    let r = &v.rpc;
    let mut args = common_args(v, i);
    args.push("--nodekey=/nodekey/$(POD_NAME)".into());
    args.extend(rpc_args(r));
    let items = i.rpc.nodes.iter().map(|n| (n.node_key.key.as_str(), n.pod.as_str()));
    let volumes = vec![workload::secret_volume("nodekey", &i.rpc.nodes[0].node_key.secret_name, items)];
    let mounts = vec![workload::read_only_mount("nodekey", "/nodekey")];
    let mut ports = p2p_ports(v);
    ports.push(workload::container_port("http", r.service.http_port, "TCP"));
    ports.push(workload::container_port("ws", r.service.ws_port, "TCP"));
    NodeSpec { name: name.clone(), replicas: rpc_count, labels, args, volumes, mounts, ports, probe_port: "http" }
}

/// Renders the Clique or ethash network.
pub(crate) fn render(namespace: &str, release: &str, v: &Values, i: &Inputs) -> Result<Output, PluginError> {
    let clique = i.genesis.consensus == Consensus::Clique;
    let image = v.image.reference(REPOSITORY, if clique { CLIQUE_TAG } else { ETHASH_TAG });
    let geth_service = format!("{release}-geth");
    let group = k8s::selector(release, "geth");
    let mut out = Output::new();

    // One headless Service gives every geth pod a stable DNS name.
    let svc = k8s::service(
        &geth_service,
        &group,
        &group,
        "Headless",
        vec![k8s::port("p2p", P2P_PORT, "TCP"), k8s::port("discovery", P2P_PORT, "UDP")],
    );
    out = out.manifest(svc);

    for s in &i.signers.signers {
        let spec = signer_spec(release, v, i, s, clique);
        out = out.manifest(stateful_set(v, i, &image, &geth_service, spec));
    }
    if v.pod_disruption_budget.enabled && !i.signers.signers.is_empty() {
        let sel = k8s::component_labels(release, "geth", "signer");
        out = out.manifest(pdb(
            &format!("{release}-signers"),
            &sel,
            sel.clone(),
            v.pod_disruption_budget.max_unavailable,
        ));
    }

    let rpc_count = i.rpc.nodes.len();
    if rpc_count > 0 {
        let name = &i.rpc.stateful_set;
        let r = &v.rpc;
        let spec = rpc_spec(release, v, i);
        out = out.manifest(stateful_set(v, i, &image, &geth_service, spec));
        let svc_sel = k8s::component_labels(release, "geth", "rpc");
        let svc = k8s::service(
            name,
            &svc_sel,
            &svc_sel,
            &r.service.type_,
            vec![k8s::port("http", r.service.http_port, "TCP"), k8s::port("ws", r.service.ws_port, "TCP")],
        );
        out = out.manifest(svc);
        if let Some(budget) = rpc_pdb(release, &svc_sel, v) {
            out = out.manifest(budget);
        }
        if r.network_policy.enabled {
            out = out.manifest(rpc_network_policy(release, &svc_sel, r, &[], &[]));
        }
        out = out.notes(rpc_notes(namespace, name, r, i.genesis.network_id));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ethwasm_ethereum_types::{Bootnodes, GenesisRef, Node, NodeSet, SecretKeyRef as KeyRef, Signer, Signers};
    use ethwasm_ethereum_types::{EthstatsEndpoint, Validators};
    use ethwasm_plugin::Release;

    fn rel() -> Release {
        Release { name: "eth".into(), namespace: "chain".into(), created: 1_767_225_600 }
    }

    fn key(s: &str, k: &str) -> KeyRef {
        KeyRef { secret_name: s.into(), key: k.into() }
    }

    fn inputs(consensus: Consensus, rpc: usize) -> Inputs {
        Inputs {
            genesis: GenesisRef {
                config_map: "eth-genesis".into(),
                key: "genesis.json".into(),
                chain_id: 98052,
                network_id: 98052,
                consensus,
                pos: None,
                hash: "abc".into(),
                gas_limit: Some(0x8000000),
            },
            bootnodes: Bootnodes {
                enodes: vec!["enode://x@b-0.b.ns.svc.cluster.local:30301".into()],
                hosts: vec!["b-0.b.ns.svc.cluster.local".into()],
            },
            signers: Signers {
                signers: vec![Signer {
                    index: 0,
                    address: "0xAbC".into(),
                    stateful_set: "eth-signer-0".into(),
                    pod: "eth-signer-0-0".into(),
                    keystore: key("eth-signer-0-keystore", "keystore.json"),
                    node_key: key("eth-nodekeys", "eth-signer-0-0"),
                    node_id: "00".into(),
                }],
                password: key("eth-keystore-password", "password"),
            },
            rpc: NodeSet {
                stateful_set: "eth-rpc".into(),
                nodes: (0..rpc)
                    .map(|i| Node {
                        pod: format!("eth-rpc-{i}"),
                        node_id: "00".into(),
                        node_key: key("eth-nodekeys", &format!("eth-rpc-{i}")),
                    })
                    .collect(),
            },
            ethstats: EthstatsEndpoint {
                enabled: true,
                address: "eth-ethstats:80".into(),
                secret: key("eth-ethstats", "WS_SECRET"),
            },
            validators: Validators::default(),
            cluster_domain: "cluster.local".into(),
            clients: Default::default(),
        }
    }

    fn find<'a>(m: &'a [Value], kind: &str, name: &str) -> &'a Value {
        m.iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {kind} {name}"))
    }

    fn args(sts: &Value) -> Vec<String> {
        serde_json::from_value(sts["spec"]["template"]["spec"]["containers"][0]["args"].clone()).unwrap()
    }

    #[test]
    fn clique_signer_seals_with_its_own_key() {
        let out = crate::render(&rel(), &Values::default(), &inputs(Consensus::Clique, 1)).unwrap();
        let m = out.manifests();
        let sts = find(&m, "StatefulSet", "eth-signer-0");
        let a = args(sts);
        for f in [
            "--mine",
            "--miner.etherbase=0xAbC",
            "--unlock=0xAbC",
            "--password=/password/password",
            "--networkid=98052",
            "--syncmode=full",
            "--nodekey=/nodekey/eth-signer-0-0",
            "--ethstats=$(POD_NAME):$(WS_SECRET)@eth-ethstats:80",
        ] {
            assert!(a.contains(&f.to_string()), "{f} missing from {a:?}");
        }
        assert!(!a.iter().any(|x| x.starts_with("--http")), "signers expose no HTTP");
        let c = &sts["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["image"], "ethereum/client-go:v1.13.15");
        assert_eq!(sts["spec"]["template"]["metadata"]["annotations"][GENESIS_HASH_ANNOTATION], "abc");
        assert_eq!(sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"], "10Gi");
        let init = &sts["spec"]["template"]["spec"]["initContainers"];
        assert_eq!(init[0]["name"], "wait-for-bootnodes");
        assert!(init[1]["command"][2].as_str().unwrap().contains("if [ -d /data/geth/chaindata ]"));
    }

    #[test]
    fn rpc_nodes_serve_http_and_unlock_nothing() {
        let mut v = Values::default();
        v.rpc.network_policy.enabled = true;
        v.rpc.service.type_ = "NodePort".into();
        v.persistence.enabled = false;
        let out = crate::render(&rel(), &v, &inputs(Consensus::Clique, 2)).unwrap();
        let m = out.manifests();
        let sts = find(&m, "StatefulSet", "eth-rpc");
        assert_eq!(sts["spec"]["replicas"], 2);
        let a = args(sts);
        assert!(a.contains(&"--http.api=eth,net,web3".to_string()));
        assert!(a.contains(&"--nodekey=/nodekey/$(POD_NAME)".to_string()));
        assert!(!a.iter().any(|x| x.starts_with("--unlock") || x == "--mine"));
        assert!(sts["spec"].get("volumeClaimTemplates").is_none());
        assert_eq!(find(&m, "Service", "eth-rpc")["spec"]["type"], "NodePort");
        assert_eq!(find(&m, "NetworkPolicy", "eth-rpc")["spec"]["ingress"][0]["ports"][0]["port"], 8545);
        find(&m, "PodDisruptionBudget", "eth-rpc");
        assert!(out.get_notes().unwrap().contains("kubectl -n chain port-forward svc/eth-rpc 8545:8545"));
    }

    #[test]
    fn metrics_flag_and_port() {
        let mut v = Values::default();
        v.metrics.enabled = true;
        let out = crate::render(&rel(), &v, &inputs(Consensus::Clique, 1)).unwrap();
        let m = out.manifests();
        let sts = find(&m, "StatefulSet", "eth-rpc");
        assert!(args(sts).contains(&"--metrics.port=6060".to_string()));
        let ports = &sts["spec"]["template"]["spec"]["containers"][0]["ports"];
        assert!(ports.as_array().unwrap().iter().any(|p| p["name"] == "metrics" && p["containerPort"] == 6060));
    }

    #[test]
    fn clique_renders_no_proof_of_stake_objects() {
        let m = crate::render(&rel(), &Values::default(), &inputs(Consensus::Clique, 1)).unwrap().manifests();
        let names: Vec<&str> = m.iter().map(|o| o["metadata"]["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["eth-geth", "eth-signer-0", "eth-signers", "eth-rpc", "eth-rpc", "eth-rpc"]);
        for sts in m.iter().filter(|o| o["kind"] == "StatefulSet") {
            assert_eq!(sts["spec"]["template"]["spec"]["containers"].as_array().unwrap().len(), 1, "geth alone");
        }
    }

    #[test]
    fn ethash_mines_on_v1_11_6_without_unlock() {
        let out = crate::render(&rel(), &Values::default(), &inputs(Consensus::Ethash, 0)).unwrap();
        let m = out.manifests();
        let sts = find(&m, "StatefulSet", "eth-signer-0");
        let a = args(sts);
        assert!(a.contains(&"--miner.threads=1".to_string()));
        assert!(a.contains(&"--ethash.dagdir=/data/ethash-dag".to_string()));
        assert!(!a.iter().any(|x| x.starts_with("--unlock")));
        assert_eq!(sts["spec"]["template"]["spec"]["containers"][0]["image"], "ethereum/client-go:v1.11.6");
        assert!(m.iter().all(|o| o["metadata"]["name"] != "eth-rpc"));
    }
}
