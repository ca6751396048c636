//! What validators sign after genesis, as the consensus specs define it: the signing roots of
//! a deposit (`DepositMessage` over the deposit domain) and of a voluntary exit
//! (`VoluntaryExit` over the exit domain, fixed to Capella's fork version by EIP-7044), and the
//! `deposit_data_root` the deposit contract checks. Signing itself is the caller's (a BLS
//! signature over the 32-byte root: `consensus_keys::bls::sign`).

use crate::ssz::{byte_vector_root, container_root, hash_pair, u64_root, Root};
use crate::state::fork_data_root;

/// `DOMAIN_DEPOSIT`.
pub const DOMAIN_DEPOSIT: [u8; 4] = [0x03, 0, 0, 0];
/// `DOMAIN_VOLUNTARY_EXIT`.
pub const DOMAIN_VOLUNTARY_EXIT: [u8; 4] = [0x04, 0, 0, 0];

/// `compute_domain(domain_type, fork_version, genesis_validators_root)`: the domain type, then
/// the first 28 bytes of the fork data root.
pub fn compute_domain(domain_type: [u8; 4], fork_version: [u8; 4], genesis_validators_root: &[u8; 32]) -> [u8; 32] {
    let fork_data = fork_data_root(fork_version, genesis_validators_root);
    let mut domain = [0u8; 32];
    domain[..4].copy_from_slice(&domain_type);
    domain[4..].copy_from_slice(&fork_data[..28]);
    domain
}

/// `compute_signing_root`: `hash_tree_root(SigningData(object_root, domain))`.
pub fn signing_root(object_root: &[u8; 32], domain: &[u8; 32]) -> [u8; 32] {
    hash_pair(object_root, domain)
}

/// `hash_tree_root(DepositMessage(pubkey, withdrawal_credentials, amount))`.
pub fn deposit_message_root(pubkey: &[u8; 48], withdrawal_credentials: &[u8; 32], amount_gwei: u64) -> [u8; 32] {
    container_root(&[byte_vector_root(pubkey), *withdrawal_credentials, u64_root(amount_gwei)])
}

/// The root a deposit's signature signs: its message over the deposit domain, which every
/// network computes with its GENESIS_FORK_VERSION and a zero genesis validators root (deposits
/// are valid across forks, and may be made before genesis).
pub fn deposit_signing_root(
    pubkey: &[u8; 48],
    withdrawal_credentials: &[u8; 32],
    amount_gwei: u64,
    genesis_fork_version: [u8; 4],
) -> [u8; 32] {
    let domain = compute_domain(DOMAIN_DEPOSIT, genesis_fork_version, &[0u8; 32]);
    signing_root(&deposit_message_root(pubkey, withdrawal_credentials, amount_gwei), &domain)
}

/// `hash_tree_root(DepositData(pubkey, withdrawal_credentials, amount, signature))`: the
/// `deposit_data_root` argument of the deposit contract's `deposit`.
pub fn deposit_data_root(
    pubkey: &[u8; 48],
    withdrawal_credentials: &[u8; 32],
    amount_gwei: u64,
    signature: &[u8; 96],
) -> [u8; 32] {
    let fields: [Root; 4] =
        [byte_vector_root(pubkey), *withdrawal_credentials, u64_root(amount_gwei), byte_vector_root(signature)];
    container_root(&fields)
}

/// The root a voluntary exit's signature signs: `VoluntaryExit(epoch, validator_index)` over
/// `DOMAIN_VOLUNTARY_EXIT` with CAPELLA_FORK_VERSION and the genesis validators root, whatever
/// the fork (EIP-7044: an exit signed once stays valid).
pub fn voluntary_exit_signing_root(
    epoch: u64,
    validator_index: u64,
    capella_fork_version: [u8; 4],
    genesis_validators_root: &[u8; 32],
) -> [u8; 32] {
    let domain = compute_domain(DOMAIN_VOLUNTARY_EXIT, capella_fork_version, genesis_validators_root);
    signing_root(&container_root(&[u64_root(epoch), u64_root(validator_index)]), &domain)
}
