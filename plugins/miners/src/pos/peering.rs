//! Who dials whom, by DNS name: geth's static and trusted nodes (`geth.toml`, enode ids from the
//! node keys), and the beacon nodes' list for the peering sidecar (`repair.rs`, peer ids from the
//! beacon node keys). Both are files of the `r-geth-config` ConfigMap, fixed at render time,
//! since ENRs need pod IPs the render cannot know.
//!
//! Decisions (see docs/research/pos-operations.md for the evidence):
//!
//! - **Execution.** geth runs `--nodiscover` with the static nodes of `geth.toml`: geth >= 1.15
//!   keeps DNS names in enode URLs and resolves them when it dials, and redials static peers for
//!   ever. The pod's own init container drops the pod's own enode from its copy.
//! - **Consensus.** No peer flags. Lighthouse v8.3 dials `--boot-nodes` (and the deprecated
//!   `--libp2p-addresses`) once, at start, and never again; `--trusted-peers` only protects peers
//!   from pruning and dials nobody. A dropped connection would stay dropped until a restart, and
//!   a peer list in the arguments would restart every pair whenever a node is added. The peering
//!   sidecar instead hands each missing peer's current ENR to `POST /lighthouse/add_peer`, which
//!   Lighthouse redials every heartbeat while the peer is away. `--enr-address=$(POD_IP)` with
//!   `--disable-enr-auto-update` makes that ENR point at the pod; `--target-peers` is set (mesh +
//!   5) only when the mesh nears 50, the lowest default Lighthouse has shipped (50 to 200 across
//!   versions): below that the default already exceeds the mesh.

use super::context::{Ctx, PairNode};
use crate::geth::P2P_PORT;

/// The lowest default `--target-peers` Lighthouse has shipped.
const TARGET_PEERS_FLOOR: usize = 50;

impl Ctx<'_> {
    /// `node`'s enode URL.
    fn enode(&self, node: &PairNode<'_>) -> String {
        format!("enode://{}@{}:{P2P_PORT}", node.node_id, self.host(node.pod))
    }
}

/// `geth.toml`: every execution node as a static and trusted peer, by DNS name.
pub(super) fn geth_config(ctx: &Ctx<'_>, nodes: &[&PairNode<'_>]) -> String {
    // One entry a line, no trailing comma (geth's TOML reader is TOML 0.4).
    let list = nodes.iter().map(|n| format!("  \"{}\"", ctx.enode(n))).collect::<Vec<_>>().join(",\n");
    format!(
        "# Every execution node of release {release}, dialled by DNS name (geth resolves static nodes\n\
         # when it dials and keeps redialling them). Rendered by the miners plugin.\n\
         [Node.P2P]\nStaticNodes = [\n{list}\n]\nTrustedNodes = [\n{list}\n]\n",
        release = ctx.release
    )
}

/// The beacon node's peering flags for a node with `peers` other beacon nodes: only a target
/// above the mesh when the mesh is large (the sidecar does the dialling).
pub(super) fn beacon_peer_args(peers: usize) -> Vec<String> {
    if peers + 5 > TARGET_PEERS_FLOOR {
        vec![format!("--target-peers={}", peers + 5)]
    } else {
        Vec::new()
    }
}
