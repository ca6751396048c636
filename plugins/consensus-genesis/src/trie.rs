//! Merkle-Patricia roots as `geth init` computes them for a genesis alloc: a secure trie keyed by
//! `keccak(address)` of RLP `[nonce, balance, storageRoot, codeHash]`, each storage trie keyed by
//! `keccak(slot)` of the RLP of the big-endian value with leading zeros trimmed (zero values absent).
//! Every alloc entry is an account, even an empty one (geth commits without deleting empty objects).

use alloy_primitives::{keccak256, B256, U256};
use alloy_rlp::{Encodable, Header};
use alloy_trie::{HashBuilder, Nibbles};
use std::collections::BTreeMap;

/// One account of the genesis alloc.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct AllocAccount {
    pub(crate) nonce: u64,
    pub(crate) balance: U256,
    pub(crate) code: Vec<u8>,
    /// Storage slot -> value, both 32-byte big-endian; zero values are ignored like geth does.
    pub(crate) storage: BTreeMap<[u8; 32], [u8; 32]>,
}

/// Root of a trie whose (already hashed) keys map to RLP-encoded values.
fn root_of(mut leaves: Vec<(B256, Vec<u8>)>) -> B256 {
    leaves.sort_by_key(|leaf| leaf.0);
    let mut builder = HashBuilder::default();
    for (key, value) in &leaves {
        builder.add_leaf(Nibbles::unpack(key), value);
    }
    builder.root()
}

/// Storage root of one account.
pub(crate) fn storage_root(storage: &BTreeMap<[u8; 32], [u8; 32]>) -> B256 {
    let leaves = storage
        .iter()
        .filter(|(_, value)| value.iter().any(|b| *b != 0))
        .map(|(slot, value)| (keccak256(slot), alloy_rlp::encode(U256::from_be_bytes(*value))))
        .collect();
    root_of(leaves)
}

/// RLP of the account as stored in the state trie.
pub(crate) fn account_rlp(account: &AllocAccount) -> Vec<u8> {
    let storage_root = storage_root(&account.storage);
    let code_hash = keccak256(&account.code);
    let payload_length = account.nonce.length() + account.balance.length() + storage_root.length() + code_hash.length();
    let mut out = Vec::with_capacity(payload_length + 3);
    Header { list: true, payload_length }.encode(&mut out);
    account.nonce.encode(&mut out);
    account.balance.encode(&mut out);
    storage_root.encode(&mut out);
    code_hash.encode(&mut out);
    out
}

/// State root of the whole alloc.
pub(crate) fn state_root(alloc: &BTreeMap<[u8; 20], AllocAccount>) -> B256 {
    root_of(alloc.iter().map(|(address, account)| (keccak256(address), account_rlp(account))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_trie_root() {
        assert_eq!(
            hex::encode(state_root(&BTreeMap::new())),
            "56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421"
        );
    }
}
