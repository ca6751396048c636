//! Peering that heals: the `peering` sidecar beside every beacon node, and the file it reads.
//!
//! Each pair pod runs a small loop (busybox `sh`, `wget` and `sed` from the geth image, which is
//! Alpine) that, every [`INTERVAL`] seconds, asks its own beacon node which peers are connected
//! (`GET /eth/v1/node/peers?state=connected`) and, for every other beacon node of the release
//! that is missing, reads that node's current ENR from its beacon API
//! (`GET /eth/v1/node/identity`, checking the peer id is the one its key gives) and hands it to
//! its own node (`POST /lighthouse/add_peer`, sigp/lighthouse#7198), which dials it. An ENR
//! carries the pod's IP, which changes when the pod is recreated; reading it afresh each time is
//! what lets a restarted peer be found again without restarting anyone.
//!
//! The list of beacon nodes is a file of the `r-geth-config` ConfigMap (`beacon-peers`: one
//! `POD PEER_ID API_URL` line each), mounted as a volume, not as arguments: the kubelet updates
//! a mounted ConfigMap in place, so scaling the network changes what every sidecar dials within
//! a minute or two, and no pod restarts. A sidecar skips its own line (`$POD_NAME`), so the RPC
//! pods, which share one template and one file, never dial themselves.
//!
//! Why a sidecar and not flags: Lighthouse dials `--libp2p-addresses` (and boot nodes) once, at
//! start, and does not redial them when a connection drops; trusted peers are only kept from
//! being pruned (docs/research/pos-operations.md). A lost peer would stay lost until a restart.

use super::context::{Ctx, PairNode};

/// Seconds between two rounds.
pub const INTERVAL: u32 = 15;
/// Seconds any one HTTP call may take.
const CALL_TIMEOUT: u32 = 5;
/// Where the sidecar finds the peer list (the `r-geth-config` ConfigMap, mounted whole).
pub const PEERS_FILE: &str = "/peering/beacon-peers";

impl Ctx<'_> {
    /// The beacon API of `pod`, by DNS name.
    pub(super) fn beacon_api(&self, pod: &str) -> String {
        format!("http://{}:{}", self.host(pod), self.v.beacon.http_port)
    }
}

/// The `beacon-peers` file: every beacon node of the release, one `POD PEER_ID API_URL` a line.
pub(super) fn peers_file(ctx: &Ctx<'_>, nodes: &[&PairNode<'_>]) -> String {
    let mut s = String::new();
    for n in nodes {
        s.push_str(&format!("{} {} {}\n", n.pod, n.beacon.peer_id, ctx.beacon_api(n.pod)));
    }
    s
}

/// How a beacon node is asked to dial a missing peer: the step of the sidecar's loop, with
/// `$pod`, `$id`, `$api` (the peer's beacon API) and `$identity` (its answer) set.
pub(super) enum AddPeer {
    /// Lighthouse: the peer's current ENR to `POST /lighthouse/add_peer` (sigp/lighthouse#7198).
    Lighthouse,
    /// Prysm: the peer's multiaddr by DNS name to `POST /prysm/node/trusted_peers`, which adds it
    /// to the trusted peers Prysm redials every 5 s (OffchainLabs/prysm v7.1.6
    /// `beacon-chain/rpc/prysm/node/handlers.go` `AddTrustedPeer`, `p2p/watch_peers.go`).
    Prysm { p2p_port: u16 },
    /// Lodestar: the peer's id and address by DNS name to `POST /eth/v1/lodestar/connect_peer`,
    /// which dials it once (ChainSafe/lodestar v1.39.1 `packages/api/src/beacon/routes/lodestar.ts`);
    /// the sidecar asks again every round while the peer is missing.
    Lodestar { p2p_port: u16 },
}

impl AddPeer {
    fn step(&self) -> String {
        match self {
            AddPeer::Lighthouse => format!(
                r#"      enr=$(printf '%s' "$identity" | sed -n 's/.*"enr":"\(enr:[^"]*\)".*/\1/p')
      if [ -z "$enr" ]; then echo "peering: $pod: no ENR in its identity"; continue; fi
      if timeout {CALL_TIMEOUT} wget -q -O /dev/null --header 'Content-Type: application/json' \
          --post-data "{{\"enr\":\"$enr\"}}" "$self/lighthouse/add_peer" 2>/dev/null; then
        echo "peering: $pod: not connected; asked the beacon node to dial $id"
      else
        echo "peering: $pod: add_peer failed; retrying in ${{interval}}s"
      fi
"#
            ),
            AddPeer::Prysm { p2p_port } => format!(
                r#"      host=$(printf '%s' "$api" | sed 's|^http://||; s|:[0-9]*$||')
      if timeout {CALL_TIMEOUT} wget -q -O /dev/null --header 'Content-Type: application/json' \
          --header 'Accept: application/json' \
          --post-data "{{\"addr\":\"/dns4/$host/tcp/{p2p_port}/p2p/$id\"}}" "$self/prysm/node/trusted_peers" 2>/dev/null; then
        echo "peering: $pod: not connected; asked the beacon node to trust and dial $id"
      else
        echo "peering: $pod: trusted_peers failed; retrying in ${{interval}}s"
      fi
"#
            ),
            AddPeer::Lodestar { p2p_port } => format!(
                r#"      host=$(printf '%s' "$api" | sed 's|^http://||; s|:[0-9]*$||')
      if timeout {CALL_TIMEOUT} wget -q -O /dev/null --header 'Content-Type: application/json' --post-data '{{}}' \
          "$self/eth/v1/lodestar/connect_peer?peerId=$id&multiaddr=/dns4/$host/tcp/{p2p_port}" 2>/dev/null; then
        echo "peering: $pod: not connected; asked the beacon node to dial $id"
      else
        echo "peering: $pod: connect_peer failed; retrying in ${{interval}}s"
      fi
"#
            ),
        }
    }
}

/// The sidecar's script for a Lighthouse beacon node.
pub(super) fn script(own_api: &str) -> String {
    script_for(own_api, &AddPeer::Lighthouse)
}

/// The sidecar's script. `REPAIR_ROUNDS` (default 0: for ever) and `REPAIR_INTERVAL` exist for
/// the tests; the rendered pod sets neither.
pub(super) fn script_for(own_api: &str, add: &AddPeer) -> String {
    let add = add.step();
    format!(
        r#"set -u
self="{own_api}"
interval="${{REPAIR_INTERVAL:-{INTERVAL}}}"
rounds="${{REPAIR_ROUNDS:-0}}"
round=0
get() {{ timeout {CALL_TIMEOUT} wget -q -O - "$1" 2>/dev/null | tr -d ' \n\r\t'; }}
echo "peering: keeping $(grep -vc "^${{POD_NAME:-}} " {PEERS_FILE} 2>/dev/null || echo 0) beacon nodes connected (every ${{interval}}s)"
while :; do
  if connected=$(get "$self/eth/v1/node/peers?state=connected") && [ -n "$connected" ]; then
    while read -r pod id api; do
      [ -n "${{api:-}}" ] || continue
      [ "$pod" = "${{POD_NAME:-}}" ] && continue
      case "$connected" in *"\"peer_id\":\"$id\""*) continue ;; esac
      identity=$(get "$api/eth/v1/node/identity")
      case "$identity" in
        *"\"peer_id\":\"$id\""*) ;;
        "") echo "peering: $pod: not connected, and its beacon API does not answer yet"; continue ;;
        *) echo "peering: $pod: its beacon API reports another peer id than $id; not dialling it"; continue ;;
      esac
{add}    done < {PEERS_FILE}
  fi
  round=$((round + 1))
  if [ "$rounds" -gt 0 ] && [ "$round" -ge "$rounds" ]; then exit 0; fi
  sleep "$interval"
done
"#
    )
}
