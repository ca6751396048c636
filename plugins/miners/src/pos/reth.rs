//! Reth (paradigmxyz/reth) as the execution client of a pair, in geth's place.
//!
//! Every flag was read in the pinned tag's CLI reference (`docs/vocs/docs/pages/cli/reth/node.mdx`
//! at v2.5.1, generated from the source); the evidence is in docs/research/clients-execution.md.
//!
//! Decisions:
//!
//! - **Genesis.** `--chain` reads the chart's geth `genesis.json` at every start (`osakaTime`,
//!   `bpo1Time`.., `blobSchedule`, `depositContractAddress`; `crates/chainspec/src/spec.rs`), so a
//!   fork scheduled later reaches it by a restart; it needs no init step.
//! - **Identity.** `--p2p-secret-key` parses the whole file as 64 hex digits, no newline: the
//!   file geth reads (`crates/cli/util/src/load_secret_key.rs`), so the enode id is the one every
//!   peer list names.
//! - **Peering.** `--trusted-peers`, every other execution node's enode URL by DNS name, which
//!   Reth redials and resolves again every hour and after failures. A name that does not resolve
//!   when Reth starts is left out for good (`peers.rs`), so the `resolve-peers` init container
//!   waits, two minutes at most, until every peer's name resolves (the headless Service publishes
//!   a pod as soon as it has an IP); a peer it gave up on still dials this node by name. The list
//!   is read from a file the testnet init container writes without the pod's own entry (the RPC
//!   pods share one template). Discovery is off, as for geth.
//! - **Engine API** on 127.0.0.1 (`--authrpc.addr`), as for geth. `--full`: a pruned node, as
//!   geth's default, not an archive.
//! - **Probes.** TCP: Reth serves no health endpoint; the HTTP port on RPC nodes, p2p on signers.

use super::context::{tcp_probed, Ctx, Role};
use super::paths::{DATA, TESTNET_DIR};
use crate::geth::P2P_PORT;
use crate::values::{init_resources, Values};
use ethwasm_plugin::{k8s, workload};
use workload::Container;

pub(super) const RETH: &str = "ghcr.io/paradigmxyz/reth";
/// Osaka and the BPO forks; the newest tag whose source was read.
pub(super) const RETH_TAG: &str = "v2.5.1";
const RETH_DATADIR: &str = "/data/reth";
/// The trusted peers the testnet init container writes (comma-separated, without the pod's own).
pub(super) const RETH_PEERS: &str = "/testnet/reth-peers";

/// The testnet init container's step for a Reth pod: its peers without itself, on one line.
pub(super) fn own_peers_script() -> String {
    format!("grep -v \"@$POD_NAME\\.\" /config/enodes | tr '\\n' ',' | sed 's/,$//' > {RETH_PEERS}\n")
}

/// Waits, `RESOLVE_SECONDS` (120) at most in all, until every peer's name resolves.
pub(super) fn resolve_script() -> String {
    format!(
        r#"set -u
end=$(( $(date +%s) + ${{RESOLVE_SECONDS:-120}} ))
for e in $(tr ',' ' ' < {RETH_PEERS}); do
  h=${{e#*@}}
  h=${{h%:*}}
  until nslookup "$h" > /dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$end" ]; then
      echo "resolve-peers: $h does not resolve yet; reth starts without it, and it dials this node by name"
      break
    fi
    sleep 2
  done
done
"#
    )
}

/// The `resolve-peers` init container (the geth image's busybox).
pub(super) fn resolve_container(ctx: &Ctx<'_>) -> Container {
    Container::new("resolve-peers", &ctx.geth_image, ctx.v.image.pull_policy())
        .command(["sh", "-c", &resolve_script()])
        .mounts([workload::read_only_mount("testnet", TESTNET_DIR)])
        .resources(&init_resources())
}

/// Reth's `--verbosity` for geth's (0 silent .. 5 trace).
fn verbosity(v: u8) -> String {
    match v {
        0 => "--quiet".into(),
        n => format!("-{}", "v".repeat(n.min(5) as usize)),
    }
}

/// Reth's JSON-RPC flags for an RPC node, from `miners.rpc`.
fn rpc_args(v: &Values) -> Vec<String> {
    let r = &v.rpc;
    let mut a = vec![
        "--http".to_string(),
        "--http.addr=0.0.0.0".into(),
        format!("--http.port={}", r.service.http_port),
        format!("--http.api={}", r.http_api.join(",")),
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

/// Starts Reth with its arguments and the trusted peers of [`RETH_PEERS`], when there are any.
fn start_script() -> String {
    format!("peers=$(cat {RETH_PEERS})\nexec /usr/local/bin/reth \"$@\" ${{peers:+--trusted-peers=$peers}}\n")
}

/// The pair's Reth: the engine API for the pod's beacon node, JSON-RPC on RPC nodes, probes.
pub(super) fn execution_container(ctx: &Ctx<'_>, engine_port: u16, role: &Role<'_>) -> Container {
    let (v, i) = (ctx.v, ctx.i);
    let r = &v.reth;
    let mut args = vec![
        "node".to_string(),
        format!("--datadir={RETH_DATADIR}"),
        format!("--chain=/genesis/{}", i.genesis.key),
        "--full".into(),
        verbosity(v.verbosity),
        "--addr=0.0.0.0".into(),
        format!("--port={P2P_PORT}"),
        "--nat=extip:$(POD_IP)".into(),
        "--disable-discovery".into(),
        "--p2p-secret-key=/nodekey/$(POD_NAME)".into(),
        "--authrpc.addr=127.0.0.1".into(),
        format!("--authrpc.port={engine_port}"),
        "--authrpc.jwtsecret=/jwt/$(POD_NAME)".into(),
    ];
    if let Some(gas) = i.genesis.gas_limit {
        args.push(format!("--builder.gaslimit={gas}"));
    }
    let mut ports = vec![workload::container_port("p2p", P2P_PORT, "TCP")];
    if let Role::Rpc = role {
        args.extend(rpc_args(v));
        ports.push(workload::container_port("http", v.rpc.service.http_port, "TCP"));
        ports.push(workload::container_port("ws", v.rpc.service.ws_port, "TCP"));
    }
    if v.metrics.enabled {
        args.push(format!("--metrics=0.0.0.0:{}", v.metrics.port));
        ports.push(workload::container_port("reth-metrics", v.metrics.port, "TCP"));
    }
    let mut env = workload::pod_identity_env();
    if i.ethstats.enabled {
        // Kubernetes expands $(VAR) from the container's env; the secret never enters the manifest.
        args.push(format!("--ethstats=$(POD_NAME):$(WS_SECRET)@{}", i.ethstats.address));
        env.push(k8s::secret_env("WS_SECRET", &i.ethstats.secret.secret_name, &i.ethstats.secret.key));
    }
    let container = Container::new("reth", &r.image.reference(RETH, RETH_TAG), r.image.pull_policy())
        .command(["sh".to_string(), "-c".into(), start_script(), "reth".into()])
        .args(args)
        .args(r.extra_args.iter().cloned())
        .env(env)
        .ports(ports)
        .mounts([
            workload::mount("data", DATA),
            workload::read_only_mount("testnet", TESTNET_DIR),
            workload::read_only_mount("genesis", "/genesis"),
            workload::read_only_mount("nodekey", "/nodekey"),
            workload::read_only_mount("jwt", "/jwt"),
        ]);
    tcp_probed(container, role)
}
