//! The execution/beacon pair StatefulSets: an execution client and a beacon node in one pod,
//! for signers (`r-signer-<i>`, one replica each) and RPC nodes (`r-rpc`), with the init
//! containers that lay out what both clients read at start. Which clients a pod runs comes from
//! `global.clients`; geth and Lighthouse are described here, the others in their own files
//! (`besu.rs`, `reth.rs`, `nethermind.rs`, `teku.rs`, `prysm.rs`, `lodestar.rs`), which add
//! their init steps to the same pod.
//!
//! A pair pod: init containers `testnet` (concatenates the `r-genesis-ssz-<k>` parts in order,
//! gunzips them to `/testnet/genesis.ssz`, checks the sha256 the genesis plugin reports, and
//! copies `config.yaml` and `deposit_contract_block.txt` from `r-testnet` beside it),
//! `beacon-key` (copies the raw 32-byte libp2p key onto `/data/lighthouse/beacon/network/key`,
//! where Lighthouse reads it; a read-only mount would not do, Lighthouse writes `enr.dat` beside
//! it) and `init-genesis` (`geth init` only when the data dir holds no chain, as for clique). The
//! engine API stays inside the pod: geth listens on 127.0.0.1:8551, the beacon node dials
//! `http://127.0.0.1:8551`, and both read the pair's JWT from the same file, `/jwt/<pod>`.
//!
//! Decisions (see docs/research/pos-workloads.md for the evidence):
//!
//! - **Beacon node.** `--allow-insecure-genesis-sync` always (we never checkpoint-sync; it keeps
//!   a beacon node whose volume is recreated weeks after genesis starting), `--supernode` by
//!   default (a small network cannot rely on custody columns being spread), and
//!   `--subscribe-all-subnets` by default (few nodes: every node carries every attestation
//!   subnet, so aggregation never lacks a mesh).
//! - **Probes.** geth on an RPC node: `GET /` on the HTTP port (geth answers an empty GET with
//!   200). Signers serve no JSON-RPC (nothing to serve, nothing to expose), so their geth is
//!   ready when its p2p port accepts connections. The beacon node: `GET /eth/v1/node/health`
//!   (200 ready, 206 syncing: both pass).

use super::besu;
use super::checkpoint;
use super::context::{Ctx, PairNode, Role};
use super::lodestar;
use super::nethermind;
use super::paths::{
    BEACON_DATADIR, BEACON_KEY_FILE, BEACON_NETWORK_DIR, DATA, GETH_DATADIR, ROLLOUT_BUDGET_ANNOTATION,
    ROLLOUT_GROUP_ANNOTATION, ROLLOUT_WEIGHT_ANNOTATION, TESTNET_DIR,
};
use super::peering::beacon_peer_args;
use super::prysm;
use super::repair::{self, AddPeer};
use super::reth;
use super::teku;
use crate::geth::{geth_common_args, geth_env, reporting_args, P2P_PORT};
use crate::rpc::rpc_args;
use crate::values::init_resources;
use ethwasm_ethereum_types::{ConsensusClient, ExecutionClient, NodeClients, PosGenesis, SecretKeyRef};
use ethwasm_plugin::k8s;
use ethwasm_plugin::workload::{self, Container, Pod};
use serde_json::{json, Value};

/// The engine API, inside the pod only.
const ENGINE_PORT: u16 = 8551;
/// geth's config as the pod's init container writes it (without the pod's own enode).
const GETH_TOML: &str = "/testnet/geth.toml";
/// Seconds a pair has to stop: geth flushes its state on SIGTERM with no deadline of its own
/// (a maintainer asks for at least 3 minutes, go-ethereum#24416; the ethpandaops charts give
/// 300 s), and Lighthouse persists its fork choice and caches.
const PAIR_GRACE_SECONDS: u32 = 300;

/// A projected volume holding one Secret key per pod, each as a file named after its pod.
fn per_pod_volume<'a>(name: &str, refs: impl IntoIterator<Item = (&'a str, &'a SecretKeyRef)>) -> Value {
    workload::projected_volume(
        name,
        refs.into_iter().map(|(pod, r)| workload::secret_items_source(&r.secret_name, [(r.key.as_str(), pod)])),
    )
}

/// Unpacks genesis.ssz beside config.yaml and deposit_contract_block.txt in the testnet dir, and
/// writes geth's config there without the pod's own enode (the RPC pods share one template and
/// one list; nobody should be told to dial itself).
fn testnet_script(pos: &PosGenesis, clients: NodeClients) -> String {
    format!(
        "{unpack}{filter}{peers}{static_nodes}",
        unpack = unpack_testnet_script(pos),
        peers = if clients.consensus == ConsensusClient::Teku { teku::own_peers_script() } else { String::new() },
        static_nodes = match clients.execution {
            ExecutionClient::Geth => String::new(),
            ExecutionClient::Besu => besu::own_static_nodes_script(),
            // Nethermind's static nodes are written by its node-files init container; the
            // list here is what resolve-peers waits for.
            ExecutionClient::Reth | ExecutionClient::Nethermind => reth::own_peers_script(),
        },
        filter = without_own_enode("/config/geth.toml", GETH_TOML),
    )
}

/// Unpacks genesis.ssz into the testnet dir (an emptyDir) from its ConfigMap parts, checks the
/// sha256 the genesis plugin reports, and copies config.yaml and deposit_contract_block.txt beside
/// it: the testnet dir every beacon node reads, and Lighthouse's slashing protection commands
/// (the genesis validators root is read from genesis.ssz). The volumes are [`testnet_volumes`].
pub(super) fn unpack_testnet_script(pos: &PosGenesis) -> String {
    let parts: Vec<String> = (0..pos.genesis_ssz_parts.len()).map(|k| format!("/genesis-ssz/part-{k}")).collect();
    format!(
        "set -eu\n\
         cat {parts} | gunzip > {TESTNET_DIR}/genesis.ssz\n\
         echo '{sha}  {TESTNET_DIR}/genesis.ssz' | sha256sum -c -\n\
         cp /testnet-config/config.yaml /testnet-config/deposit_contract_block.txt {TESTNET_DIR}/\n",
        parts = parts.join(" "),
        sha = pos.genesis_ssz_sha256.trim_start_matches("0x"),
    )
}

/// The mounts of [`unpack_testnet_script`]'s container.
pub(super) fn unpack_testnet_mounts() -> [Value; 3] {
    [
        workload::mount("testnet", TESTNET_DIR),
        workload::read_only_mount("genesis-ssz", "/genesis-ssz"),
        workload::read_only_mount("testnet-config", "/testnet-config"),
    ]
}

/// The volumes of [`unpack_testnet_script`]: the testnet ConfigMap, the genesis.ssz parts and
/// the testnet dir.
pub(super) fn testnet_volumes(pos: &PosGenesis) -> [Value; 3] {
    let parts = pos.genesis_ssz_parts.iter().enumerate().map(|(k, cm)| (cm, format!("part-{k}"))).collect::<Vec<_>>();
    let ssz = workload::projected_volume(
        "genesis-ssz",
        parts.iter().map(|(cm, path)| workload::config_map_source(cm, [("genesis.ssz.gz.part", path.as_str())])),
    );
    [workload::config_map_volume("testnet-config", &pos.testnet_config_map), ssz, workload::empty_dir_volume("testnet")]
}

/// An awk filter copying geth.toml from `from` to `to` without the lines naming `$POD_NAME`'s
/// host, and with the commas of each list put back (geth's TOML reader takes no trailing comma).
pub(super) fn without_own_enode(from: &str, to: &str) -> String {
    format!(
        r#"awk -v self="@$POD_NAME." '
  /^  "enode:/ {{ if (index($0, self) == 0) {{ sub(/,$/, ""); e[n++] = $0 }}; next }}
  /^\]/ {{ for (i = 0; i < n; i++) print e[i] (i < n - 1 ? "," : ""); n = 0; print; next }}
  {{ print }}' {from} > {to}
"#
    )
}

/// Puts the pod's libp2p key where Lighthouse reads it (raw 32 bytes).
fn beacon_key_script() -> String {
    format!(
        "set -eu\nmkdir -p {BEACON_NETWORK_DIR}\nrm -f {BEACON_KEY_FILE}\ncp \"/beacon-key/$POD_NAME\" {BEACON_KEY_FILE}\nchmod 600 {BEACON_KEY_FILE}\n"
    )
}

/// `geth init` at every start. On an empty data dir it writes the genesis; on one that holds the
/// chain it checks the genesis block is the same (else it fails: "database contains incompatible
/// genesis") and stores genesis.json's chain config when it changed compatibly, as a fork
/// scheduled for later changes it (go-ethereum core/genesis.go `SetupGenesisBlockWithOverride`:
/// `CheckCompatible` against the head, then `rawdb.WriteChainConfig`; read at v1.17.5, the
/// newest tag the source snapshot holds, unchanged through master). A running geth never reads
/// genesis.json again, and has no `--override.bpo3` flag, so this is how it learns the schedule.
fn geth_init_script(genesis_key: &str) -> String {
    format!(
        "if [ -d {GETH_DATADIR}/geth/chaindata ]; then echo 'chain data exists: checking its genesis and storing \
         the chain config'; fi; geth init --datadir={GETH_DATADIR} /genesis/{genesis_key}"
    )
}

/// One pair StatefulSet: `nodes` are its pods, each with `peers` other beacon nodes.
pub(super) fn pair_set(
    ctx: &Ctx<'_>,
    name: &str,
    labels: &Value,
    nodes: &[&PairNode<'_>],
    peers: usize,
    role: Role<'_>,
    clients: NodeClients,
) -> Value {
    let v = ctx.v;
    let b = &v.beacon;

    let execution = match clients.execution {
        ExecutionClient::Geth => geth_container(ctx, &role),
        ExecutionClient::Besu => besu::execution_container(ctx, ENGINE_PORT, &role),
        ExecutionClient::Reth => reth::execution_container(ctx, ENGINE_PORT, &role),
        ExecutionClient::Nethermind => nethermind::execution_container(ctx, ENGINE_PORT, &role),
    };
    let (testnet, beacon_key, init_genesis) = init_containers(ctx, clients);

    let component = match role {
        Role::Signer { .. } => "signer",
        Role::Rpc => "rpc",
    };
    let mut pod = ctx.on_chain(v.annotate(Pod::new(labels))).init_container(testnet).init_container(beacon_key);
    if let Some(init) = init_genesis {
        pod = pod.init_container(init);
    }
    if clients.execution == ExecutionClient::Nethermind {
        pod = pod.init_container(nethermind::node_files_container(ctx));
    }
    // Reth and Nethermind keep no peer whose name did not resolve at start (`reth.rs`).
    if matches!(clients.execution, ExecutionClient::Reth | ExecutionClient::Nethermind) {
        pod = pod.init_container(reth::resolve_container(ctx));
    }
    // Where an empty beacon node starts: a finalized checkpoint of another pair, or genesis.
    let sync_from = match clients.consensus {
        ConsensusClient::Lighthouse => checkpoint::lighthouse(),
        ConsensusClient::Teku => teku::sync_from(),
        ConsensusClient::Prysm => prysm::sync_from(),
        ConsensusClient::Lodestar => lodestar::sync_from(),
    };
    pod = pod.init_container(checkpoint::container(ctx, &sync_from));
    pod = pod.volumes(pair_volumes(ctx, nodes));
    // The JVM (Teku, Besu) and .NET (Nethermind) want a writable /tmp on the read-only root.
    if clients.consensus == ConsensusClient::Teku
        || matches!(clients.execution, ExecutionClient::Besu | ExecutionClient::Nethermind)
    {
        pod = pod.volumes([teku::tmp_volume()]);
    }
    let pod = pod.volumes(v.persistence.scratch_volume("data")).container(execution);
    let engine = format!("http://127.0.0.1:{ENGINE_PORT}");
    let pod = match clients.consensus {
        ConsensusClient::Lighthouse => pod
            .container(beacon_container(ctx, peers, &role))
            .container(peering_sidecar(ctx, &repair::script(&format!("http://127.0.0.1:{}", b.http_port)))),
        // Teku redials its static peers itself, and says when it is synced (`teku.rs`).
        ConsensusClient::Teku => pod.container(teku::beacon_container(ctx, &engine, &role)),
        // Prysm and Lodestar are handed their peers by the sidecar (`prysm.rs`, `lodestar.rs`).
        ConsensusClient::Prysm => {
            let add = AddPeer::Prysm { p2p_port: b.p2p_port };
            let script = repair::script_for(&format!("http://127.0.0.1:{}", b.http_port), &add);
            pod.container(prysm::beacon_container(ctx, &engine, &role)).container(peering_sidecar(ctx, &script))
        }
        ConsensusClient::Lodestar => {
            let add = AddPeer::Lodestar { p2p_port: b.p2p_port };
            let script = repair::script_for(&format!("http://127.0.0.1:{}", b.http_port), &add);
            pod.container(lodestar::beacon_container(ctx, &engine, &role)).container(peering_sidecar(ctx, &script))
        }
    };
    // The first container, the execution client, gets the placement's resources.
    let placement = match clients.execution {
        ExecutionClient::Geth => v.geth_placement(),
        ExecutionClient::Besu => {
            let mut p = v.placement.clone();
            p.resources = v.besu.resources.clone();
            p
        }
        ExecutionClient::Reth => {
            let mut p = v.placement.clone();
            p.resources = v.reth.resources.clone();
            p
        }
        ExecutionClient::Nethermind => {
            let mut p = v.placement.clone();
            p.resources = v.nethermind.resources.clone();
            p
        }
    };
    let pod = pod.placement(&placement).termination_grace_period(PAIR_GRACE_SECONDS).spread(&k8s::component_labels(
        ctx.release,
        "geth",
        component,
    ));
    let mut sts =
        workload::stateful_set(name, &ctx.service, nodes.len(), labels, pod, v.persistence.claim_template("data"));
    // One beacon node restarts at a time (its StatefulSet's own rolling update is one pod at a
    // time too), and the host waits for it to be synced again before the next (see
    // `synced_check`): the validator clients fall back to the others meanwhile.
    sts["metadata"]["annotations"] = json!({
        ROLLOUT_GROUP_ANNOTATION: "beacon-nodes",
        ROLLOUT_WEIGHT_ANNOTATION: "1",
        ROLLOUT_BUDGET_ANNOTATION: "1",
    });
    sts
}

/// The `peering` sidecar running `script` (busybox from the geth image), ready while its beacon
/// node is synced.
fn peering_sidecar(ctx: &Ctx<'_>, script: &str) -> Container {
    let b = &ctx.v.beacon;
    Container::new("peering", &ctx.geth_image, ctx.v.image.pull_policy())
        .command(["sh", "-c", script])
        .env(workload::pod_identity_env())
        .mounts([workload::read_only_mount("geth-config", "/peering")])
        .exec_readiness(&synced_check(b.http_port), 10)
        .resources(&b.peering.resources)
}

/// The readiness check that makes a pair ready only once its beacon node is synced: the
/// standard beacon API `GET /eth/v1/node/syncing` answering `"is_syncing":false` (Lighthouse
/// writes compact JSON). `/eth/v1/node/health` would not do as an HTTP probe: it answers 206
/// while syncing, which a probe counts as success. Run by the peering sidecar's busybox, so the
/// pod's readiness (Services, disruption budgets, a rollout's waves) waits for sync; the probe's
/// `timeoutSeconds` bounds it (no `wget -T`: Debian's busybox 1.35 crashes on it).
pub(super) fn synced_check(beacon_port: u16) -> Vec<String> {
    vec![
        "sh".into(),
        "-c".into(),
        format!("wget -qO- http://127.0.0.1:{beacon_port}/eth/v1/node/syncing | grep -q '\"is_syncing\":false'"),
    ]
}

/// The pair's geth: the engine API on 127.0.0.1 only, JSON-RPC on RPC nodes, and probes on the
/// HTTP port (RPC nodes) or the p2p port (signers).
fn geth_container(ctx: &Ctx<'_>, role: &Role<'_>) -> Container {
    let (v, i) = (ctx.v, ctx.i);
    let geth_pull = v.image.pull_policy();
    let mut geth_args = geth_common_args(GETH_DATADIR, i.genesis.network_id, v);
    geth_args.extend([
        "--nodiscover".into(),
        format!("--config={GETH_TOML}"),
        "--nodekey=/nodekey/$(POD_NAME)".into(),
        "--authrpc.addr=127.0.0.1".into(),
        format!("--authrpc.port={ENGINE_PORT}"),
        "--authrpc.vhosts=localhost".into(),
        "--authrpc.jwtsecret=/jwt/$(POD_NAME)".into(),
    ]);
    // geth moves the gas limit toward its own target (60M by default) by 1/1024 a block: the
    // genesis limit is the target, so the chain keeps it.
    if let Some(gas) = i.genesis.gas_limit {
        geth_args.push(format!("--miner.gaslimit={gas}"));
    }
    let mut geth_ports = vec![workload::container_port("p2p", P2P_PORT, "TCP")];
    if let Role::Rpc = role {
        geth_args.extend(rpc_args(&v.rpc));
        geth_ports.push(workload::container_port("http", v.rpc.service.http_port, "TCP"));
        geth_ports.push(workload::container_port("ws", v.rpc.service.ws_port, "TCP"));
    }
    geth_args.extend(reporting_args(v, i));
    if v.metrics.enabled {
        geth_ports.push(workload::container_port("metrics", v.metrics.port, "TCP"));
    }
    let geth = Container::new("geth", &ctx.geth_image, geth_pull)
        .command(["geth"])
        .args(geth_args)
        .args(v.extra_args.iter().cloned())
        .env(geth_env(i))
        .ports(geth_ports)
        .mounts([
            workload::mount("data", DATA),
            workload::read_only_mount("testnet", TESTNET_DIR),
            workload::read_only_mount("nodekey", "/nodekey"),
            workload::read_only_mount("jwt", "/jwt"),
        ]);
    // Startup allows 10 minutes (a large database opens slowly); liveness restarts a geth that
    // stops answering for 2 minutes.
    match role {
        Role::Rpc => geth
            .http_readiness("/", "http")
            .startup(workload::http_probe("/", "http", 10, 60))
            .liveness(workload::http_probe("/", "http", 30, 4)),
        Role::Signer { .. } => geth
            .tcp_readiness("p2p")
            .startup(workload::tcp_probe("p2p", 10, 60))
            .liveness(workload::tcp_probe("p2p", 30, 4)),
    }
}

/// The pair's Lighthouse beacon node: the engine API of the pod's geth, `peers` other beacon
/// nodes to peer with, the fee recipient of a signer's pair, and probes on the beacon API.
fn beacon_container(ctx: &Ctx<'_>, peers: usize, role: &Role<'_>) -> Container {
    let v = ctx.v;
    let b = &v.beacon;
    let beacon_pull = b.image.pull_policy();
    let quic = b.p2p_port + 1;
    let mut beacon_args = vec![
        "beacon_node".to_string(),
        format!("--testnet-dir={TESTNET_DIR}"),
        format!("--datadir={BEACON_DATADIR}"),
        format!("--debug-level={}", b.debug_level),
        format!("--execution-endpoint=http://127.0.0.1:{ENGINE_PORT}"),
        "--execution-jwt=/jwt/$(POD_NAME)".into(),
        "--http".into(),
        "--http-address=0.0.0.0".into(),
        format!("--http-port={}", b.http_port),
        "--listen-address=0.0.0.0".into(),
        format!("--port={}", b.p2p_port),
        format!("--quic-port={quic}"),
        "--enr-address=$(POD_IP)".into(),
        format!("--enr-tcp-port={}", b.p2p_port),
        format!("--enr-udp-port={}", b.p2p_port),
        format!("--enr-quic-port={quic}"),
        "--disable-enr-auto-update".into(),
        "--disable-upnp".into(),
        "--disable-packet-filter".into(),
        "--enable-private-discovery".into(),
        // The sync flag (a checkpoint, or genesis) is added at start: see `checkpoint`.
    ];
    if b.supernode {
        beacon_args.push("--supernode".into());
    }
    if b.subscribe_all_subnets {
        beacon_args.push("--subscribe-all-subnets".into());
    }
    beacon_args.extend(beacon_peer_args(peers));
    if let Role::Signer { fee_recipient } = role {
        beacon_args.push(format!("--suggested-fee-recipient={fee_recipient}"));
    }
    let mut beacon_ports = vec![
        workload::container_port("beacon-p2p", b.p2p_port, "TCP"),
        workload::container_port("beacon-disc", b.p2p_port, "UDP"),
        workload::container_port("beacon-quic", quic, "UDP"),
        workload::container_port("beacon-api", b.http_port, "TCP"),
    ];
    if v.metrics.enabled {
        beacon_args.push("--metrics".into());
        beacon_args.push("--metrics-address=0.0.0.0".into());
        beacon_args.push(format!("--metrics-port={}", b.metrics_port));
        beacon_ports.push(workload::container_port("beacon-metrics", b.metrics_port, "TCP"));
    }
    Container::new("beacon", &ctx.beacon_image, beacon_pull)
        .command(["sh".to_string(), "-c".into(), checkpoint::wrapper(), "lighthouse".into()])
        .args(beacon_args)
        .args(b.extra_args.iter().cloned())
        .env(workload::pod_identity_env())
        .ports(beacon_ports)
        .mounts([
            workload::mount("data", DATA),
            workload::read_only_mount("testnet", TESTNET_DIR),
            workload::read_only_mount("jwt", "/jwt"),
        ])
        // Ready when synced with its execution client (health: 200, or 206 while syncing); alive
        // while its API answers at all (health is 503 whenever geth is down, which is no reason
        // to restart the beacon node).
        .http_readiness("/eth/v1/node/health", "beacon-api")
        .startup(workload::http_probe("/eth/v1/node/version", "beacon-api", 10, 60))
        .liveness(workload::http_probe("/eth/v1/node/version", "beacon-api", 30, 4))
        .resources(&b.resources)
}

/// The pair's init containers, in order: `testnet` (genesis.ssz, config.yaml and geth's config in
/// the testnet dir), `beacon-key` (the libp2p key where Lighthouse reads it) and `init-genesis`.
fn init_containers(ctx: &Ctx<'_>, clients: NodeClients) -> (Container, Container, Option<Container>) {
    let (v, i, pos) = (ctx.v, ctx.i, ctx.pos);
    let geth_pull = v.image.pull_policy();
    let init = init_resources();
    let testnet = Container::new("testnet", &ctx.geth_image, geth_pull)
        .command(["sh", "-c", &testnet_script(pos, clients)])
        .env(workload::pod_identity_env())
        .mounts(unpack_testnet_mounts())
        .mounts([workload::read_only_mount("geth-config", "/config")])
        .resources(&init);
    let beacon_key = match clients.consensus {
        ConsensusClient::Lighthouse => Container::new("beacon-key", &ctx.geth_image, geth_pull)
            .command(["sh", "-c", &beacon_key_script()])
            .env(workload::pod_identity_env())
            .mounts([workload::mount("data", DATA), workload::read_only_mount("beacon-key", "/beacon-key")])
            .resources(&init),
        ConsensusClient::Teku => teku::key_container(ctx),
        ConsensusClient::Prysm => prysm::key_container(ctx),
        ConsensusClient::Lodestar => lodestar::key_container(ctx),
    };
    // Besu reads genesis.json at every start itself (`besu.rs`).
    let init_genesis = (clients.execution == ExecutionClient::Geth).then(|| {
        Container::new("init-genesis", &ctx.geth_image, geth_pull)
            .command(["sh", "-c", &geth_init_script(&i.genesis.key)])
            .mounts([workload::mount("data", DATA), workload::read_only_mount("genesis", "/genesis")])
            .resources(&init)
    });
    (testnet, beacon_key, init_genesis)
}

/// The pair pod's volumes: the genesis and testnet ConfigMaps, the genesis.ssz parts, the testnet
/// dir, geth's config, and each pod's node key, JWT and beacon node key (files named after the pods).
fn pair_volumes(ctx: &Ctx<'_>, nodes: &[&PairNode<'_>]) -> [Value; 8] {
    // Each pod's raw key, and Lodestar's peer-id.json of the same key where the pod runs it.
    let mut beacon_keys: Vec<(String, &SecretKeyRef)> = Vec::new();
    for n in nodes {
        beacon_keys.push((n.pod.to_string(), &n.beacon.node_key));
        if let Some(json) = &n.beacon.peer_id_json {
            beacon_keys.push((format!("{}.peer-id.json", n.pod), json));
        }
    }
    let [testnet_config, ssz, testnet] = testnet_volumes(ctx.pos);
    [
        workload::config_map_volume("genesis", &ctx.i.genesis.config_map),
        testnet_config,
        ssz,
        testnet,
        workload::config_map_volume("geth-config", &format!("{}-geth-config", ctx.release)),
        per_pod_volume("nodekey", nodes.iter().map(|n| (n.pod, n.node_key))),
        per_pod_volume("jwt", nodes.iter().map(|n| (n.pod, n.jwt))),
        per_pod_volume("beacon-key", beacon_keys.iter().map(|(path, r)| (path.as_str(), *r))),
    ]
}
