//! miners plugin: the nodes that run the chain. Signers (Clique sealers, or ethash miners) and
//! RPC nodes, as StatefulSets with a PersistentVolumeClaim per replica (or emptyDir), a
//! PodDisruptionBudget, an RPC Service and an optional NetworkPolicy; for proof of stake, geth +
//! Lighthouse pairs and Lighthouse validator clients ([`pos`]).
//!
//! Every flag is computed at render time from the other plugins' outputs: the genesis
//! ConfigMap and network id (`genesis`), enode URLs (`bootnodes`), node keys (`node-keys`),
//! signer addresses and keystores (`signers`), the ethstats address and secret (`ethstats`) and,
//! for proof of stake, the validator keystores, JWTs and beacon node keys (`validators`).

pub mod pos;

use ethwasm_ethereum_types::{
    names, Bootnodes, Consensus, EthstatsEndpoint, GenesisRef, Global, NodeKeys, NodeSet, Signers, Validators,
};
use ethwasm_plugin::k8s::{self, Image};
use ethwasm_plugin::workload::{self, Container, Persistence, Pod};
use ethwasm_plugin::{export, Info, Input, Output, Plugin, PluginError, Release};
use serde::Deserialize;
use serde_json::{json, Value};

/// JSON Schema of the `miners` values section.
pub const SCHEMA: &str = include_str!("schema.json");

pub(crate) const REPOSITORY: &str = "ethereum/client-go";
/// The last geth that seals Clique blocks.
const CLIQUE_TAG: &str = "v1.13.15";
/// The last geth that mines ethash.
const ETHASH_TAG: &str = "v1.11.6";
/// A Fulu/Osaka-capable geth for proof of stake (Osaka since v1.16.7; pinned, see
/// docs/research/pos-workloads.md).
pub(crate) const POS_TAG: &str = "v1.17.7";
pub(crate) const P2P_PORT: u16 = 30303;
/// Annotation that carries the genesis hash, so a genesis change rolls the pods.
pub const GENESIS_HASH_ANNOTATION: &str = "ethwasm.io/genesis-hash";

/// The `miners` values section.
#[derive(Debug, Deserialize)]
// No deny_unknown_fields: `placement` is flattened; the schema rejects unknown keys.
#[serde(rename_all = "camelCase", default)]
pub struct Values {
    pub image: Image,
    pub sync_mode: String,
    pub verbosity: u8,
    pub extra_args: Vec<String>,
    pub ethash: Ethash,
    pub rpc: Rpc,
    pub persistence: Persistence,
    pub pod_disruption_budget: Pdb,
    pub metrics: Metrics,
    /// Proof of stake: the Lighthouse beacon node beside every geth.
    pub beacon: pos::Beacon,
    /// Proof of stake: the Lighthouse validator clients.
    pub validator: pos::Validator,
    #[serde(flatten)]
    pub placement: k8s::Placement,
}

impl Default for Values {
    fn default() -> Self {
        Values {
            image: Image::default(),
            sync_mode: "full".into(),
            verbosity: 3,
            extra_args: vec![],
            ethash: Ethash::default(),
            rpc: Rpc::default(),
            persistence: Persistence::default(),
            pod_disruption_budget: Pdb::default(),
            metrics: Metrics::default(),
            beacon: pos::Beacon::default(),
            validator: pos::Validator::default(),
            placement: k8s::Placement::default(),
        }
    }
}

impl Values {
    /// Where geth's pods go and what geth gets: `resources` left out (a render without the
    /// chart's values.yaml) means the defaults, [`pos::geth_resources`]; `{}` means none.
    pub(crate) fn geth_placement(&self) -> k8s::Placement {
        with_default_resources(&self.placement, pos::geth_resources)
    }
}

/// `placement`, with `default()` as its resources when they were left out.
pub(crate) fn with_default_resources(placement: &k8s::Placement, default: fn() -> Value) -> k8s::Placement {
    let mut p = placement.clone();
    if p.resources.is_null() {
        p.resources = default();
    }
    p
}

/// ethash mining settings.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Ethash {
    pub threads: u32,
}

impl Default for Ethash {
    fn default() -> Self {
        Ethash { threads: 1 }
    }
}

/// RPC node settings.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Rpc {
    pub http_api: Vec<String>,
    pub ws_api: Vec<String>,
    pub vhosts: Vec<String>,
    pub cors_domains: Vec<String>,
    pub ws_origins: Vec<String>,
    pub service: RpcService,
    pub network_policy: NetworkPolicy,
}

impl Default for Rpc {
    fn default() -> Self {
        let api = vec!["eth".to_string(), "net".into(), "web3".into()];
        Rpc {
            http_api: api.clone(),
            ws_api: api,
            vhosts: vec!["*".into()],
            cors_domains: vec![],
            ws_origins: vec!["*".into()],
            service: RpcService::default(),
            network_policy: NetworkPolicy::default(),
        }
    }
}

/// The RPC Service.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct RpcService {
    #[serde(rename = "type")]
    pub type_: String,
    pub http_port: u16,
    pub ws_port: u16,
}

impl Default for RpcService {
    fn default() -> Self {
        RpcService { type_: "ClusterIP".into(), http_port: 8545, ws_port: 8546 }
    }
}

/// Who may reach RPC.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct NetworkPolicy {
    pub enabled: bool,
    /// NetworkPolicyPeer objects allowed to reach HTTP and WS.
    pub from: Vec<Value>,
}

/// PodDisruptionBudget settings.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Pdb {
    pub enabled: bool,
    pub max_unavailable: u32,
}

impl Default for Pdb {
    fn default() -> Self {
        Pdb { enabled: true, max_unavailable: 1 }
    }
}

/// geth's Prometheus metrics endpoint.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Metrics {
    pub enabled: bool,
    pub port: u16,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics { enabled: false, port: 6060 }
    }
}

/// Everything the plugin renders from.
#[derive(Debug)]
pub struct Inputs {
    pub genesis: GenesisRef,
    pub bootnodes: Bootnodes,
    pub signers: Signers,
    pub rpc: NodeSet,
    pub ethstats: EthstatsEndpoint,
    /// Proof of stake only (empty otherwise).
    pub validators: Validators,
    /// `global.clusterDomain`, for the pods' DNS names.
    pub cluster_domain: String,
}

/// The plugin.
pub struct Miners;

impl Plugin for Miners {
    fn info() -> Info {
        Info::new(
            "miners",
            env!("CARGO_PKG_VERSION"),
            "geth signers (clique sealers, ethash miners, or geth + Lighthouse with validator clients) and RPC nodes",
        )
        .requires(&[
            names::GENESIS,
            names::BOOTNODES,
            names::SIGNERS,
            names::NODE_KEYS,
            names::ETHSTATS,
            names::VALIDATORS,
        ])
        .schema(SCHEMA)
    }

    fn render(input: Input) -> Result<Output, PluginError> {
        let v: Values = input.values()?;
        let global: Global = input.global()?;
        let inputs = Inputs {
            genesis: input.input(names::GENESIS)?,
            bootnodes: input.input(names::BOOTNODES)?,
            signers: input.input(names::SIGNERS)?,
            rpc: input.input::<NodeKeys>(names::NODE_KEYS)?.rpc,
            ethstats: input.input(names::ETHSTATS)?,
            validators: input.input(names::VALIDATORS)?,
            cluster_domain: global.cluster_domain,
        };
        let (out, warnings) = render_warned(input.release(), &v, &inputs)?;
        for w in &warnings {
            ethwasm_plugin::log(ethwasm_plugin::Level::Warn, w);
        }
        Ok(out)
    }
}

/// The labels of one geth StatefulSet's pods, which also select them: each StatefulSet is
/// one node set, so no two select each other's pods.
pub(crate) fn labels(release: &str, component: &str, node: &str) -> Value {
    k8s::merge_labels(&k8s::component_labels(release, "geth", component), &json!({ "ethwasm.io/node-set": node }))
}

/// Flags every geth node gets.
fn common_args(v: &Values, i: &Inputs) -> Vec<String> {
    let mut a = geth_common_args("/data", i.genesis.network_id, v);
    if !i.bootnodes.enodes.is_empty() {
        a.push(format!("--bootnodes={}", i.bootnodes.enodes.join(",")));
    }
    a.extend(reporting_args(v, i));
    a
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
    let mut pod = Pod::new(&labels).annotation(GENESIS_HASH_ANNOTATION, &i.genesis.hash);
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

/// geth's JSON-RPC flags: HTTP and WebSocket on every interface, the namespaces of `rpc`.
pub(crate) fn rpc_args(r: &Rpc) -> Vec<String> {
    let mut a = vec![
        "--http".to_string(),
        "--http.addr=0.0.0.0".into(),
        format!("--http.port={}", r.service.http_port),
        format!("--http.api={}", r.http_api.join(",")),
        format!("--http.vhosts={}", r.vhosts.join(",")),
        "--ws".into(),
        "--ws.addr=0.0.0.0".into(),
        format!("--ws.port={}", r.service.ws_port),
        format!("--ws.api={}", r.ws_api.join(",")),
        format!("--ws.origins={}", r.ws_origins.join(",")),
    ];
    if !r.cors_domains.is_empty() {
        a.push(format!("--http.corsdomain={}", r.cors_domains.join(",")));
    }
    a
}

/// The RPC nodes' NetworkPolicy: HTTP, WS and `public` ports from `rpc.networkPolicy.from`, the
/// execution p2p port and `p2p` ports from this release's pods only.
pub(crate) fn rpc_network_policy(
    release: &str,
    selector: &Value,
    r: &Rpc,
    public: &[(u16, &str)],
    p2p: &[(u16, &str)],
) -> Value {
    let rule = |port: u16, protocol: &str| json!({ "port": port, "protocol": protocol });
    let public: Vec<Value> = [(r.service.http_port, "TCP"), (r.service.ws_port, "TCP")]
        .iter()
        .chain(public)
        .map(|(p, proto)| rule(*p, proto))
        .collect();
    let p2p: Vec<Value> =
        [(P2P_PORT, "TCP"), (P2P_PORT, "UDP")].iter().chain(p2p).map(|(p, proto)| rule(*p, proto)).collect();
    let mut np = k8s::object("networking.k8s.io/v1", "NetworkPolicy", &format!("{release}-rpc"), Some(selector));
    np["spec"] = json!({
        "podSelector": { "matchLabels": selector },
        "policyTypes": ["Ingress"],
        "ingress": [
            { "from": r.network_policy.from, "ports": public },
            { "from": [{ "podSelector": { "matchLabels": { "app.kubernetes.io/instance": release } } }], "ports": p2p },
        ],
    });
    np
}

/// How to reach JSON-RPC.
pub(crate) fn rpc_notes(namespace: &str, service: &str, r: &Rpc, network_id: u64) -> String {
    format!(
        "JSON-RPC: kubectl -n {namespace} port-forward svc/{service} {port}:{port}, then\n  curl -s -H 'Content-Type: application/json' -d '{{\"jsonrpc\":\"2.0\",\"method\":\"eth_blockNumber\",\"params\":[],\"id\":1}}' http://localhost:{port}\nWebSocket: ws://{service}:{ws} inside the cluster. Chain id / network id: {network_id}.",
        port = r.service.http_port,
        ws = r.service.ws_port,
    )
}

fn p2p_ports(v: &Values) -> Vec<Value> {
    let mut ports =
        vec![workload::container_port("p2p", P2P_PORT, "TCP"), workload::container_port("discovery", P2P_PORT, "UDP")];
    if v.metrics.enabled {
        ports.push(workload::container_port("metrics", v.metrics.port, "TCP"));
    }
    ports
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

/// The RPC nodes' PodDisruptionBudget, when enabled.
pub(crate) fn rpc_pdb(release: &str, selector: &Value, v: &Values) -> Option<Value> {
    let budget = &v.pod_disruption_budget;
    budget.enabled.then(|| pdb(&format!("{release}-rpc"), selector, selector.clone(), budget.max_unavailable))
}

pub(crate) fn pdb(name: &str, labels: &Value, selector: Value, max_unavailable: u32) -> Value {
    let mut p = k8s::object("policy/v1", "PodDisruptionBudget", name, Some(labels));
    p["spec"] = json!({ "maxUnavailable": max_unavailable, "selector": { "matchLabels": selector } });
    p
}

/// Renders the geth nodes.
pub fn render(release: &Release, v: &Values, i: &Inputs) -> Result<Output, PluginError> {
    render_warned(release, v, i).map(|(out, _)| out)
}

/// Renders the geth nodes, with the warnings the render found (a topology that cannot lose a
/// node, say), which the plugin logs.
pub fn render_warned(release: &Release, v: &Values, i: &Inputs) -> Result<(Output, Vec<String>), PluginError> {
    let (namespace, release) = (&release.namespace, release.name.as_str());
    if i.genesis.consensus == Consensus::Pos {
        let mut warnings = Vec::new();
        let out = pos::render(namespace, release, v, i, &mut warnings)?;
        return Ok((out, warnings));
    }
    render_pow(namespace, release, v, i).map(|out| (out, Vec::new()))
}

/// Clique and ethash.
fn render_pow(namespace: &str, release: &str, v: &Values, i: &Inputs) -> Result<Output, PluginError> {
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
            volumes.push(workload::secret_volume(
                "password",
                &password.secret_name,
                [(password.key.as_str(), "password")],
            ));
            mounts.push(workload::read_only_mount("keystore", "/keystore"));
            mounts.push(workload::read_only_mount("password", "/password"));
        } else {
            args.push(format!("--miner.threads={}", v.ethash.threads));
            // The DAG defaults to $HOME/.ethash, which a non-root pod with a read-only root
            // filesystem cannot write: keep it on the data volume.
            args.push("--ethash.dagdir=/data/ethash-dag".into());
        }
        let name = s.stateful_set.clone();
        let spec =
            NodeSpec { name, replicas: 1, labels, args, volumes, mounts, ports: p2p_ports(v), probe_port: "p2p" };
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
        let spec = NodeSpec {
            name: name.clone(),
            replicas: rpc_count,
            labels,
            args,
            volumes,
            mounts,
            ports,
            probe_port: "http",
        };
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

export!(Miners);

#[cfg(test)]
mod tests {
    use super::*;
    use ethwasm_ethereum_types::{Node, SecretKeyRef as KeyRef, Signer};

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
        let out = render(&rel(), &Values::default(), &inputs(Consensus::Clique, 1)).unwrap();
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
        let out = render(&rel(), &v, &inputs(Consensus::Clique, 2)).unwrap();
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
        let out = render(&rel(), &v, &inputs(Consensus::Clique, 1)).unwrap();
        let m = out.manifests();
        let sts = find(&m, "StatefulSet", "eth-rpc");
        assert!(args(sts).contains(&"--metrics.port=6060".to_string()));
        let ports = &sts["spec"]["template"]["spec"]["containers"][0]["ports"];
        assert!(ports.as_array().unwrap().iter().any(|p| p["name"] == "metrics" && p["containerPort"] == 6060));
    }

    #[test]
    fn clique_renders_no_proof_of_stake_objects() {
        let m = render(&rel(), &Values::default(), &inputs(Consensus::Clique, 1)).unwrap().manifests();
        let names: Vec<&str> = m.iter().map(|o| o["metadata"]["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["eth-geth", "eth-signer-0", "eth-signers", "eth-rpc", "eth-rpc", "eth-rpc"]);
        for sts in m.iter().filter(|o| o["kind"] == "StatefulSet") {
            assert_eq!(sts["spec"]["template"]["spec"]["containers"].as_array().unwrap().len(), 1, "geth alone");
        }
    }

    #[test]
    fn ethash_mines_on_v1_11_6_without_unlock() {
        let out = render(&rel(), &Values::default(), &inputs(Consensus::Ethash, 0)).unwrap();
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
