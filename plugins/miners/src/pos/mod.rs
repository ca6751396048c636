//! Proof of stake: execution/beacon pairs (geth + Lighthouse unless `global.clients` names
//! others: Besu, Reth or Nethermind; Teku, Prysm or Lodestar), validator clients, and RPC pairs,
//! all peered and keyed at render time from the secrets and genesis plugins' outputs. Each
//! client other than geth and Lighthouse has its file (`besu.rs`, `reth.rs`, `nethermind.rs`,
//! `teku.rs`, `prysm.rs`, `lodestar.rs`); what every validator client shares is `launch.rs`.
//!
//! What it renders for release `r` (pod names are the ones the secrets plugin keys everything
//! by, so a JWT, a node key and a beacon key always reach the pod they were made for):
//!
//! - headless Service `r-geth` (`publishNotReadyAddresses`): every pair pod is
//!   `<pod>.r-geth.<ns>.svc.<clusterDomain>` before it is ready, for both clients' peering;
//! - ConfigMap `r-geth-config`: `geth.toml` with `[Node.P2P] StaticNodes` and `TrustedNodes`,
//!   the enode URL of every execution node (id from its node key, host its DNS name);
//! - StatefulSet `r-signer-<i>` per signer (one replica, pod `r-signer-<i>-0`): containers `geth`
//!   and `beacon`; StatefulSet `r-rpc` (pods `r-rpc-<k>`): the same pair without validators,
//!   serving JSON-RPC behind Service `r-rpc` and the beacon API behind Service `r-beacon`
//!   (with `global.clients.rpc` a list, `r-rpc` holds the default pair's nodes and
//!   `r-rpc-<execution>-<consensus>` each other pair's);
//! - StatefulSet `r-validator-<c>` per validator client (one replica, signer `c`'s slice of
//!   the keys), headless Service `r-validator`, PodDisruptionBudget `r-validators`;
//! - PodDisruptionBudgets `r-signers`, `r-rpc`, NetworkPolicy `r-rpc` (optional), as for clique.
//!
//! Each concern has its file: `node.rs` (the pair StatefulSets and their init containers),
//! `peering.rs` (static nodes, libp2p addresses), `validator.rs` (the validator clients); their
//! values (`miners.beacon`, `miners.validator`) are with the rest of the section in the crate's
//! `values.rs`. `render.rs` resolves the inputs into pairs, renders the Services and budgets, and
//! puts the pieces together.
//!
//! Decisions (see docs/research/pos-workloads.md for the evidence; the others are with the code
//! they shape):
//!
//! - **Scaling.** More or fewer signers: pairs and validator StatefulSets are added, or no longer
//!   rendered and pruned. The secrets plugin re-splits the keys over the clients, so keys move.
//!   Every validator StatefulSet carries `ethwasm.io/stop-before-change`: the host stops every
//!   changed client (and deletes dropped ones) and waits for their pods to go before it applies
//!   anything, so a moved key is never live twice; a client whose keys changed registers them in
//!   its slashing protection database and waits for doppelgangers first (`validator.rs`).
//! - **Disruptions.** `r-validators` (maxUnavailable 0 by default) makes a node drain wait for an
//!   operator, who moves a validator client deliberately; never force-delete a validator pod on an
//!   unreachable node: the old one may still be signing.
//! - **Fee recipient.** `validator.feeRecipient`, or the pair's signer address (the account the
//!   secrets plugin derives and the genesis prefunds, clique's etherbase).

mod besu;
mod checkpoint;
mod context;
mod deposits;
mod exits;
mod finality;
mod first_start;
mod history;
mod launch;
mod lodestar;
mod nethermind;
mod node;
mod paths;
mod peering;
mod prysm;
mod render;
mod repair;
mod reth;
mod retired;
mod teku;
mod validator;

pub use paths::{CONFIG_HASH_ANNOTATION, STOP_BEFORE_CHANGE_ANNOTATION, VALIDATORS_ANNOTATION};
pub(crate) use render::render;

#[cfg(test)]
mod besu_tests;
#[cfg(test)]
mod chain_script_tests;
#[cfg(test)]
mod checkpoint_tests;
#[cfg(test)]
mod history_tests;
#[cfg(test)]
mod lodestar_tests;
#[cfg(test)]
mod nethermind_tests;
#[cfg(test)]
mod prysm_tests;
#[cfg(test)]
mod reth_tests;
#[cfg(test)]
mod rpc_sets_tests;
#[cfg(test)]
mod script_tests;
#[cfg(test)]
mod teku_tests;
#[cfg(test)]
mod tests;
