//! Besu (besu-eth/besu) as the execution client of a pair, in geth's place.
//!
//! Every flag was read at the pinned tag's source (`app/src/main/java/org/hyperledger/besu/cli/
//! BesuCommand.java` and `cli/options/*Options.java` at 26.8.0); the evidence is in
//! docs/research/clients-execution.md.
//!
//! Decisions:
//!
//! - **Genesis.** `--genesis-file` reads the chart's geth `genesis.json` unchanged: Besu lower-cases
//!   the keys it looks up (`osakaTime`, `bpo1Time`, `blobSchedule`...), and from 26.7.0 on a
//!   genesis that names no consensus engine is proof of stake (no `ethash: {}` needed). Besu
//!   reads it at every start, so a fork scheduled later reaches it by a restart, as geth's
//!   `geth init` at every start does; it has no init step.
//! - **Identity.** `--node-private-key-file` reads the first line as hex, the file geth reads
//!   (`KeyPairUtil`), so the enode id is the one every peer list names, whichever client runs.
//! - **Peering.** `--static-nodes-file`, a JSON array of every other execution node's enode URL
//!   by DNS name, written by the testnet init container from the `enodes` list without the pod's
//!   own; `--Xdns-enabled` and `--Xdns-update-enabled` make Besu accept the names and resolve
//!   them again at each dial, so a peer whose pod comes back with a new IP is found again.
//!   Discovery is off, as for geth.
//! - **Engine API.** `--engine-rpc-port` on the host of `--rpc-http-host`, which the image's
//!   `BESU_RPC_HTTP_HOST` sets to 0.0.0.0: a signer sets it back to 127.0.0.1 (no JSON-RPC to
//!   serve); an RPC node serves JSON-RPC on every interface and so the engine API too, behind
//!   the JWT and the engine's own host allowlist (`localhost,127.0.0.1`, the default).
//! - **Running as the pod's user.** `/opt/besu/bin/besu` directly (the image's entry script
//!   re-joins the arguments into one string), uid 10001 on a read-only root: `/tmp` is an
//!   emptyDir (the JVM's native libraries, Besu's pid file), `JAVA_OPTS` sets the heap.
//! - **Probes.** TCP: on the HTTP port for RPC nodes (`/liveness` would need the Host allowlist to
//!   admit the kubelet's), on the p2p port for signers.

use super::context::{tcp_probed, Ctx, PairNode, Role};
use crate::geth::P2P_PORT;
use crate::values::Values;
use ethwasm_plugin::{k8s, workload};
use serde_json::json;
use workload::Container;

pub(super) const BESU: &str = "hyperledger/besu";
/// Osaka and the BPO forks, and a genesis without a consensus engine (26.7.0 on); the newest
/// tag whose source was read.
pub(super) const BESU_TAG: &str = "26.8.0";
const BESU_DATADIR: &str = "/data/besu";
/// The static nodes the testnet init container writes (without the pod's own).
pub(super) const BESU_STATIC_NODES: &str = "/testnet/static-nodes.json";

/// The `enodes` file: every execution node's enode URL, one a line.
pub(super) fn enodes_file(ctx: &Ctx<'_>, nodes: &[&PairNode<'_>]) -> String {
    nodes.iter().map(|n| format!("enode://{}@{}:{P2P_PORT}\n", n.node_id, ctx.host(n.pod))).collect()
}

/// The testnet init container's step for a Besu pod: its static nodes without itself, as JSON.
pub(super) fn own_static_nodes_script() -> String {
    static_nodes_script(BESU_STATIC_NODES)
}

/// Writes the `enodes` list (mounted at `/config`) without the pod's own entry to `to`, as a
/// JSON array of strings (`static-nodes.json`).
pub(super) fn static_nodes_script(to: &str) -> String {
    format!(
        r#"grep -v "@$POD_NAME\." /config/enodes | awk 'BEGIN {{ printf "[" }} {{ printf "%s\n  \"%s\"", (NR > 1 ? "," : ""), $0 }} END {{ print "\n]" }}' > {to}
"#
    )
}

/// Besu's log level for geth's `verbosity` (0 silent .. 5 trace).
fn logging(verbosity: u8) -> &'static str {
    match verbosity {
        0 => "OFF",
        1 => "ERROR",
        2 => "WARN",
        3 => "INFO",
        4 => "DEBUG",
        _ => "TRACE",
    }
}

/// Besu's JSON-RPC flags for an RPC node: `miners.rpc`'s namespaces (upper case, as Besu names
/// them), hosts and origins.
fn rpc_args(v: &Values) -> Vec<String> {
    let r = &v.rpc;
    let upper = |apis: &[String]| apis.iter().map(|a| a.to_uppercase()).collect::<Vec<_>>().join(",");
    let mut a = vec![
        "--rpc-http-enabled=true".to_string(),
        "--rpc-http-host=0.0.0.0".into(),
        format!("--rpc-http-port={}", r.service.http_port),
        format!("--rpc-http-api={}", upper(&r.http_api)),
        format!("--host-allowlist={}", r.vhosts.join(",")),
        "--rpc-ws-enabled=true".into(),
        "--rpc-ws-host=0.0.0.0".into(),
        format!("--rpc-ws-port={}", r.service.ws_port),
        format!("--rpc-ws-api={}", upper(&r.ws_api)),
    ];
    if !r.cors_domains.is_empty() {
        a.push(format!("--rpc-http-cors-origins={}", r.cors_domains.join(",")));
    }
    a
}

/// The pair's Besu: the engine API for the pod's beacon node, JSON-RPC on RPC nodes, probes.
pub(super) fn execution_container(ctx: &Ctx<'_>, engine_port: u16, role: &Role<'_>) -> Container {
    let (v, i) = (ctx.v, ctx.i);
    let b = &v.besu;
    let mut args = vec![
        format!("--data-path={BESU_DATADIR}"),
        format!("--genesis-file=/genesis/{}", i.genesis.key),
        format!("--network-id={}", i.genesis.network_id),
        "--sync-mode=FULL".into(),
        format!("--logging={}", logging(v.verbosity)),
        "--p2p-host=$(POD_IP)".into(),
        format!("--p2p-port={P2P_PORT}"),
        "--nat-method=NONE".into(),
        "--discovery-enabled=false".into(),
        format!("--static-nodes-file={BESU_STATIC_NODES}"),
        "--Xdns-enabled=true".into(),
        "--Xdns-update-enabled=true".into(),
        "--node-private-key-file=/nodekey/$(POD_NAME)".into(),
        "--engine-rpc-enabled=true".into(),
        format!("--engine-rpc-port={engine_port}"),
        "--engine-jwt-secret=/jwt/$(POD_NAME)".into(),
    ];
    if let Some(gas) = i.genesis.gas_limit {
        args.push(format!("--target-gas-limit={gas}"));
    }
    let mut ports = vec![workload::container_port("p2p", P2P_PORT, "TCP")];
    match role {
        Role::Rpc => {
            args.extend(rpc_args(v));
            ports.push(workload::container_port("http", v.rpc.service.http_port, "TCP"));
            ports.push(workload::container_port("ws", v.rpc.service.ws_port, "TCP"));
        }
        Role::Signer { .. } => args.push("--rpc-http-host=127.0.0.1".into()),
    }
    if v.metrics.enabled {
        args.extend([
            "--metrics-enabled=true".to_string(),
            "--metrics-host=0.0.0.0".into(),
            format!("--metrics-port={}", v.metrics.port),
        ]);
        ports.push(workload::container_port("besu-metrics", v.metrics.port, "TCP"));
    }
    let mut env = workload::pod_identity_env();
    env.push(json!({ "name": "JAVA_OPTS", "value": b.java_opts }));
    if i.ethstats.enabled {
        // Kubernetes expands $(VAR) from the container's env; the secret never enters the manifest.
        args.push(format!("--ethstats=$(POD_NAME):$(WS_SECRET)@{}", i.ethstats.address));
        env.push(k8s::secret_env("WS_SECRET", &i.ethstats.secret.secret_name, &i.ethstats.secret.key));
    }
    let container = Container::new("besu", &b.image.reference(BESU, BESU_TAG), b.image.pull_policy())
        .command(["/opt/besu/bin/besu"])
        .args(args)
        .args(b.extra_args.iter().cloned())
        .env(env)
        .ports(ports)
        .mounts([
            workload::mount("data", super::paths::DATA),
            workload::read_only_mount("testnet", super::paths::TESTNET_DIR),
            workload::read_only_mount("genesis", "/genesis"),
            workload::read_only_mount("nodekey", "/nodekey"),
            workload::read_only_mount("jwt", "/jwt"),
            workload::mount("tmp", "/tmp"),
        ]);
    tcp_probed(container, role)
}
