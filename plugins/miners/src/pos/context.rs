//! What every object of a proof-of-stake render shares: the render's context, the pairs and
//! their keys, and small helpers.

use super::paths::DATA;
use crate::geth::{GENESIS_HASH_ANNOTATION, GENESIS_ID_ANNOTATION};
use crate::inputs::Inputs;
use crate::values::Values;
use crate::values::{init_resources, Beacon};
use ethwasm_ethereum_types::{BeaconNodeKey, ConsensusClient, ExecutionClient, PosGenesis, SecretKeyRef};
use ethwasm_plugin::workload::{self, Container, Pod};
use ethwasm_plugin::PluginError;
use sha2::{Digest, Sha256};

pub(super) fn missing(what: String) -> PluginError {
    PluginError::MissingInput(what)
}

/// One execution/beacon pair pod and its keys.
pub(super) struct PairNode<'a> {
    pub(super) pod: &'a str,
    /// Its enode id.
    pub(super) node_id: &'a str,
    pub(super) node_key: &'a SecretKeyRef,
    pub(super) jwt: &'a SecretKeyRef,
    pub(super) beacon: &'a BeaconNodeKey,
}

/// The role of a pair StatefulSet.
pub(super) enum Role<'a> {
    /// A signer's pair: its validator client dials this beacon node; fees to `fee_recipient`.
    Signer { fee_recipient: &'a str },
    /// RPC nodes: JSON-RPC and the beacon API for users, no validators.
    Rpc,
}

/// What every object of the render shares.
pub(super) struct Ctx<'a> {
    pub(super) namespace: &'a str,
    pub(super) release: &'a str,
    pub(super) v: &'a Values,
    pub(super) i: &'a Inputs,
    pub(super) pos: &'a PosGenesis,
    /// The pairs' headless Service.
    pub(super) service: String,
    pub(super) geth_image: String,
    pub(super) beacon_image: String,
}

impl Ctx<'_> {
    /// `pod` annotated with the chain it runs: the genesis files' digest (a change, such as a
    /// scheduled fork, rolls it onto the new config) and the genesis id (what the host judges
    /// the chain's identity by).
    pub(super) fn on_chain(&self, pod: Pod) -> Pod {
        let pod = pod.annotation(GENESIS_HASH_ANNOTATION, &self.i.genesis.hash);
        match self.pos.state_root.as_str() {
            "" => pod,
            root => pod.annotation(GENESIS_ID_ANNOTATION, root),
        }
    }

    /// Whether some node of the network runs `client` (a beacon node or a validator client).
    pub(super) fn runs(&self, client: ConsensusClient) -> bool {
        let (signers, rpc) = (self.i.signers.signers.len() as u32, self.i.rpc.nodes.len() as u32);
        self.i.clients.consensus_in_use(signers, rpc).contains(&client)
    }

    /// Whether some node of the network runs execution client `client`.
    pub(super) fn runs_execution(&self, client: ExecutionClient) -> bool {
        let (signers, rpc) = (self.i.signers.signers.len() as u32, self.i.rpc.nodes.len() as u32);
        self.i.clients.execution_in_use(signers, rpc).contains(&client)
    }

    /// A pair pod's DNS name.
    pub(super) fn host(&self, pod: &str) -> String {
        format!("{pod}.{}.{}.svc.{}", self.service, self.namespace, self.i.cluster_domain)
    }
}

/// The pair running `pod`: its keys from the `validators` output.
pub(super) fn pair<'a>(
    i: &'a Inputs,
    pod: &'a str,
    node_id: &'a str,
    node_key: &'a SecretKeyRef,
) -> Result<PairNode<'a>, PluginError> {
    let jwt = i.validators.jwt.iter().find(|(p, _)| p == pod).map(|(_, r)| r).ok_or_else(|| {
        missing(format!(
            "validators: no engine API JWT for pod {pod}; the secrets plugin makes one per execution/beacon pair when \
             global.consensus is pos"
        ))
    })?;
    let beacon = i.validators.beacon_nodes.iter().find(|b| b.pod == pod).ok_or_else(|| {
        missing(format!(
            "validators: no beacon node key for pod {pod}; the secrets plugin makes one per execution/beacon pair \
             when global.consensus is pos"
        ))
    })?;
    Ok(PairNode { pod, node_id, node_key, jwt, beacon })
}

pub(super) fn sha256_hex(text: &str) -> String {
    hex_lower(&Sha256::digest(text.as_bytes()))
}

pub(super) fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `0x` and 40 hex digits.
pub(super) fn is_address(a: &str) -> bool {
    a.len() == 42 && a.starts_with("0x") && a[2..].bytes().all(|c| c.is_ascii_hexdigit())
}

/// The `beacon-key` init container of a beacon node other than Lighthouse (the geth image's
/// busybox): `script` writes the pod's key, from `/beacon-key/$POD_NAME`, where its client reads it.
pub(super) fn beacon_key_container(ctx: &Ctx<'_>, script: &str) -> Container {
    Container::new("beacon-key", &ctx.geth_image, ctx.v.image.pull_policy())
        .command(["sh", "-c", script])
        .env(workload::pod_identity_env())
        .mounts([workload::mount("data", DATA), workload::read_only_mount("beacon-key", "/beacon-key")])
        .resources(&init_resources())
}

/// A beacon node's ports, named as every client's pods name them: libp2p TCP and discovery UDP,
/// QUIC on the next port (`quic`), the beacon API, and metrics when on.
pub(super) fn beacon_ports(b: &Beacon, quic: bool, metrics: bool) -> Vec<serde_json::Value> {
    let mut ports = vec![
        workload::container_port("beacon-p2p", b.p2p_port, "TCP"),
        workload::container_port("beacon-disc", b.p2p_port, "UDP"),
    ];
    if quic {
        ports.push(workload::container_port("beacon-quic", b.p2p_port + 1, "UDP"));
    }
    ports.push(workload::container_port("beacon-api", b.http_port, "TCP"));
    if metrics {
        ports.push(workload::container_port("beacon-metrics", b.metrics_port, "TCP"));
    }
    ports
}

/// An execution client other than geth, probed over TCP: the HTTP port on RPC nodes, p2p on
/// signers (none of them serves a health endpoint every pod can use).
pub(super) fn tcp_probed(container: Container, role: &Role<'_>) -> Container {
    let port = match role {
        Role::Rpc => "http",
        Role::Signer { .. } => "p2p",
    };
    container.tcp_readiness(port).startup(workload::tcp_probe(port, 10, 60)).liveness(workload::tcp_probe(port, 30, 4))
}
