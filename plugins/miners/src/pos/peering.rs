//! Who dials whom, by DNS name: geth's static and trusted nodes (`geth.toml`, enode ids from
//! the node keys) and the beacon nodes' `--libp2p-addresses` / `--trusted-peers` (peer ids from
//! the beacon node keys), all fixed at render time because ENRs need pod IPs the render cannot
//! know.
//!
//! Decisions (see docs/research/pos-workloads.md for the evidence):
//!
//! - **Peering.** geth runs `--nodiscover` with the static nodes of `r-geth-config`: geth ≥ 1.15
//!   keeps DNS names in enode URLs and resolves them when it dials, and redials static peers for
//!   ever. Beacon nodes get `--libp2p-addresses=/dns4/<host>/tcp/9000/p2p/<peer id>` and
//!   `--trusted-peers` for the other beacon nodes. Lighthouse dials those once at start, so each
//!   pair of nodes connects when the later of the two starts; the headless Service publishes
//!   not-ready pods so the names resolve by then. A signer's list leaves itself out; `r-rpc`'s
//!   pods share one template, so their list holds every RPC pod, a node's own address included
//!   (libp2p refuses to dial its own peer id; nothing else happens). `--enr-address=$(POD_IP)`
//!   with `--disable-enr-auto-update` gives discovery a usable record; `--target-peers` is set
//!   (mesh + 5) only when the mesh nears 50, the lowest default Lighthouse has shipped (50 to 200
//!   across versions): below that the default already exceeds the mesh.

use super::{Ctx, PairNode};
use crate::P2P_PORT;

/// The lowest default `--target-peers` Lighthouse has shipped.
const TARGET_PEERS_FLOOR: usize = 50;

impl Ctx<'_> {
    /// The multiaddr other beacon nodes dial `node` at.
    fn multiaddr(&self, node: &PairNode<'_>) -> String {
        format!("/dns4/{}/tcp/{}/p2p/{}", self.host(node.pod), self.v.beacon.p2p_port, node.beacon.peer_id)
    }
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

/// The beacon node's peering flags: `peers`' multiaddrs and peer ids, none when it has no peers.
pub(super) fn beacon_peer_args(ctx: &Ctx<'_>, peers: &[&PairNode<'_>]) -> Vec<String> {
    let mut args = Vec::new();
    if !peers.is_empty() {
        let addrs: Vec<String> = peers.iter().map(|p| ctx.multiaddr(p)).collect();
        let ids: Vec<&str> = peers.iter().map(|p| p.beacon.peer_id.as_str()).collect();
        args.push(format!("--libp2p-addresses={}", addrs.join(",")));
        args.push(format!("--trusted-peers={}", ids.join(",")));
        // Lighthouse warns when trusted peers reach the target, and prunes past it.
        if peers.len() + 5 > TARGET_PEERS_FLOOR {
            args.push(format!("--target-peers={}", peers.len() + 5));
        }
    }
    args
}
