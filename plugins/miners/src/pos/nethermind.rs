//! Nethermind (NethermindEth/nethermind) as the execution client of a pair, in geth's place.
//!
//! The repository is too large to read whole here: the flags were read in the versioned
//! documentation (docs.nethermind.io, the configuration reference, 2.x), in single source files
//! of the 2.x era, and in the Kurtosis launcher that runs them against current releases; the
//! evidence, and what stays open, is in docs/research/nethermind.md.
//!
//! Decisions:
//!
//! - **Genesis.** `--Init.ChainSpecPath` reads the chart's geth `genesis.json` (EIP-7949, since
//!   1.38.0: a file whose first key is `config` is a geth genesis), at every start, so a fork
//!   scheduled later reaches it by a restart; `--config=none` (no network preset), full sync from
//!   genesis (`Sync.FastSync` and `Sync.SnapSync` off).
//! - **Identity.** `--KeyStore.EnodeKeyFile` reads the key as 32 raw bytes: the `node-files`
//!   init container writes them from the hex file geth reads, so the enode id is the one every
//!   peer list names.
//! - **Peering.** `--Init.StaticNodesPath`, a JSON array of every other execution node's enode by
//!   DNS name, written by the same init container onto the data volume (Nethermind may write the
//!   file). Nethermind resolves a name once, when it reads the list, and leaves out one that does
//!   not resolve: the `resolve-peers` init container (`reth.rs`) waits for the names first.
//!   Discovery is off (`--Init.DiscoveryEnabled=false`).
//! - **JSON-RPC and the engine API.** The engine API on 127.0.0.1 (`--JsonRpc.EngineHost`); a
//!   signer serves JSON-RPC on 127.0.0.1 only, an RPC node on every interface.
//! - **The image.** Its entry point starts Nethermind (by a script in newer images): the pod sets
//!   no command, only arguments. It runs as the pod's user on a read-only root; everything it
//!   writes is under `--data-dir` (database, keystore, logs), and `/tmp` is an emptyDir for .NET.
//! - **ethstats.** `--EthStats.Enabled`, `--EthStats.Server` (the server's WebSocket URL, its
//!   `/api` path, where geth's `--ethstats` connects too) and `--EthStats.Name`, from
//!   `Nethermind.EthStats/IEthStatsConfig.cs` and the configuration reference; the secret comes
//!   from the environment (`NETHERMIND_ETHSTATSCONFIG_SECRET`, the reference's variable for
//!   `EthStats.Secret`), so it never enters the manifest.

use super::context::{tcp_probed, Ctx, Role};
use super::paths::DATA;
use crate::geth::P2P_PORT;
use crate::values::{init_resources, Values};
use ethwasm_plugin::k8s;
use ethwasm_plugin::workload::{self, Container};

pub(super) const NETHERMIND: &str = "nethermind/nethermind";
/// Reads a geth genesis since 1.38.0; the release current operators run (2.3.0 is days old and
/// changes its runtime and receipts format).
pub(super) const NETHERMIND_TAG: &str = "2.2.2";
const NETHERMIND_DATADIR: &str = "/data/nethermind";
const NODE_KEY: &str = "/data/nethermind/node.key";
const STATIC_NODES: &str = "/data/nethermind/static-nodes.json";

/// The `node-files` init container's script: the node key as raw bytes (each hex pair printed
/// as its octal escape, which every POSIX `printf` knows), and the static nodes without the
/// pod's own, as JSON.
pub(super) fn node_files_script() -> String {
    format!(
        r#"set -eu
mkdir -p {NETHERMIND_DATADIR}
rm -f {NODE_KEY}
k=$(tr -d ' \n' < "/nodekey/$POD_NAME")
while [ -n "$k" ]; do b=${{k%"${{k#??}}"}}; k=${{k#??}}; printf "\\$(printf %o "0x$b")"; done > {NODE_KEY}
chmod 600 {NODE_KEY}
{peers}"#,
        peers = super::besu::static_nodes_script(STATIC_NODES),
    )
}

/// The `node-files` init container (the geth image's busybox).
pub(super) fn node_files_container(ctx: &Ctx<'_>) -> Container {
    Container::new("node-files", &ctx.geth_image, ctx.v.image.pull_policy())
        .command(["sh", "-c", &node_files_script()])
        .env(workload::pod_identity_env())
        .mounts([
            workload::mount("data", DATA),
            workload::read_only_mount("nodekey", "/nodekey"),
            workload::read_only_mount("geth-config", "/config"),
        ])
        .resources(&init_resources())
}

/// Nethermind's `--log` for geth's `verbosity` (0 silent .. 5 trace).
fn log(verbosity: u8) -> &'static str {
    match verbosity {
        0 | 1 => "ERROR",
        2 => "WARN",
        3 => "INFO",
        4 => "DEBUG",
        _ => "TRACE",
    }
}

/// JSON-RPC: on every interface with `miners.rpc`'s namespaces for an RPC node, on 127.0.0.1
/// for a signer.
fn rpc_args(v: &Values, role: &Role<'_>) -> Vec<String> {
    let r = &v.rpc;
    let mut a = vec!["--JsonRpc.Enabled=true".to_string(), format!("--JsonRpc.Port={}", r.service.http_port)];
    match role {
        Role::Rpc => a.extend([
            "--JsonRpc.Host=0.0.0.0".to_string(),
            format!("--JsonRpc.EnabledModules={}", r.http_api.join(",")),
            "--Init.WebSocketsEnabled=true".into(),
            format!("--JsonRpc.WebSocketsPort={}", r.service.ws_port),
        ]),
        Role::Signer { .. } => a.push("--JsonRpc.Host=127.0.0.1".into()),
    }
    a
}

/// The pair's Nethermind: the engine API for the pod's beacon node, JSON-RPC, probes.
pub(super) fn execution_container(ctx: &Ctx<'_>, engine_port: u16, role: &Role<'_>) -> Container {
    let (v, i) = (ctx.v, ctx.i);
    let n = &v.nethermind;
    let mut args = vec![
        format!("--data-dir={NETHERMIND_DATADIR}"),
        "--config=none".into(),
        format!("--Init.ChainSpecPath=/genesis/{}", i.genesis.key),
        format!("--log={}", log(v.verbosity)),
        format!("--KeyStore.EnodeKeyFile={NODE_KEY}"),
        format!("--Init.StaticNodesPath={STATIC_NODES}"),
        "--Init.DiscoveryEnabled=false".into(),
        format!("--Network.P2PPort={P2P_PORT}"),
        format!("--Network.DiscoveryPort={P2P_PORT}"),
        "--Network.LocalIp=$(POD_IP)".into(),
        "--Network.ExternalIp=$(POD_IP)".into(),
        "--JsonRpc.EngineHost=127.0.0.1".into(),
        format!("--JsonRpc.EnginePort={engine_port}"),
        "--JsonRpc.JwtSecretFile=/jwt/$(POD_NAME)".into(),
        "--Sync.FastSync=false".into(),
        "--Sync.SnapSync=false".into(),
    ];
    if ctx.pos.seconds_per_slot != 12 {
        args.push(format!("--Blocks.SecondsPerSlot={}", ctx.pos.seconds_per_slot));
    }
    if let Some(gas) = i.genesis.gas_limit {
        args.push(format!("--Blocks.TargetBlockGasLimit={gas}"));
    }
    args.extend(rpc_args(v, role));
    let mut ports = vec![workload::container_port("p2p", P2P_PORT, "TCP")];
    if let Role::Rpc = role {
        ports.push(workload::container_port("http", v.rpc.service.http_port, "TCP"));
        ports.push(workload::container_port("ws", v.rpc.service.ws_port, "TCP"));
    }
    if v.metrics.enabled {
        args.extend([
            "--Metrics.Enabled=true".to_string(),
            "--Metrics.ExposeHost=0.0.0.0".into(),
            format!("--Metrics.ExposePort={}", v.metrics.port),
        ]);
        ports.push(workload::container_port("nm-metrics", v.metrics.port, "TCP"));
    }
    let mut env = workload::pod_identity_env();
    if i.ethstats.enabled {
        args.extend([
            "--EthStats.Enabled=true".to_string(),
            format!("--EthStats.Server=ws://{}/api", i.ethstats.address),
            "--EthStats.Name=$(POD_NAME)".into(),
        ]);
        let secret = &i.ethstats.secret;
        env.push(k8s::secret_env("NETHERMIND_ETHSTATSCONFIG_SECRET", &secret.secret_name, &secret.key));
    }
    let container = Container::new("nethermind", &n.image.reference(NETHERMIND, NETHERMIND_TAG), n.image.pull_policy())
        .args(args)
        .args(n.extra_args.iter().cloned())
        .env(env)
        .ports(ports)
        .mounts([
            workload::mount("data", DATA),
            workload::read_only_mount("genesis", "/genesis"),
            workload::read_only_mount("jwt", "/jwt"),
            workload::mount("tmp", "/tmp"),
        ]);
    tcp_probed(container, role)
}
