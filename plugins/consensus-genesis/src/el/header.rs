//! The execution genesis block header and its hash, with the fields go-ethereum's
//! `Genesis.toBlockWithRoot` (core/genesis.go) sets for a London..Osaka genesis.

use alloy_primitives::{keccak256, B256, U256};
use alloy_rlp::{Encodable, Header};

/// keccak256(rlp([])): the uncle hash of a block without uncles.
pub(crate) const EMPTY_OMMERS_HASH: [u8; 32] = [
    0x1d, 0xcc, 0x4d, 0xe8, 0xde, 0xc7, 0x5d, 0x7a, 0xab, 0x85, 0xb5, 0x67, 0xb6, 0xcc, 0xd4, 0x1a, 0xd3, 0x12, 0x45,
    0x1b, 0x94, 0x8a, 0x74, 0x13, 0xf0, 0xa1, 0x42, 0xfd, 0x40, 0xd4, 0x93, 0x47,
];
/// Root of the empty Merkle-Patricia trie (transactions, receipts and withdrawals of the genesis block).
pub(crate) const EMPTY_TRIE_ROOT: [u8; 32] = [
    0x56, 0xe8, 0x1f, 0x17, 0x1b, 0xcc, 0x55, 0xa6, 0xff, 0x83, 0x45, 0xe6, 0x92, 0xc0, 0xf8, 0x6e, 0x5b, 0x48, 0xe0,
    0x1b, 0x99, 0x6c, 0xad, 0xc0, 0x01, 0x62, 0x2f, 0xb5, 0xe3, 0x63, 0xb4, 0x21,
];
/// sha256(""): EIP-7685 requests hash of a block without requests.
pub(crate) const EMPTY_REQUESTS_HASH: [u8; 32] = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41,
    0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// An execution block header; `None` fields belong to forks not active at the block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ExecutionHeader {
    pub(crate) parent_hash: [u8; 32],
    pub(crate) ommers_hash: [u8; 32],
    pub(crate) beneficiary: [u8; 20],
    pub(crate) state_root: [u8; 32],
    pub(crate) transactions_root: [u8; 32],
    pub(crate) receipts_root: [u8; 32],
    pub(crate) logs_bloom: [u8; 256],
    pub(crate) difficulty: U256,
    pub(crate) number: u64,
    pub(crate) gas_limit: u64,
    pub(crate) gas_used: u64,
    pub(crate) timestamp: u64,
    pub(crate) extra_data: Vec<u8>,
    pub(crate) mix_hash: [u8; 32],
    pub(crate) nonce: [u8; 8],
    /// London.
    pub(crate) base_fee_per_gas: Option<U256>,
    /// Shanghai.
    pub(crate) withdrawals_root: Option<[u8; 32]>,
    /// Cancun.
    pub(crate) blob_gas_used: Option<u64>,
    /// Cancun.
    pub(crate) excess_blob_gas: Option<u64>,
    /// Cancun.
    pub(crate) parent_beacon_block_root: Option<[u8; 32]>,
    /// Prague.
    pub(crate) requests_hash: Option<[u8; 32]>,
}

/// Which fork's header fields a genesis header carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum HeaderFork {
    /// London..Shanghai fields plus Cancun's blob and beacon-root fields (known-answer tests only).
    #[cfg_attr(not(test), allow(dead_code))]
    Cancun,
    /// Cancun plus the EIP-7685 requests hash (Prague and Osaka).
    Prague,
}

impl ExecutionHeader {
    /// The header `geth init` derives for a post-merge genesis (number 0, difficulty 0, nonce 0,
    /// empty transactions, receipts and withdrawals, zero parent beacon root, no blob gas).
    pub(crate) fn genesis(
        state_root: [u8; 32],
        gas_limit: u64,
        timestamp: u64,
        extra_data: Vec<u8>,
        base_fee_per_gas: U256,
        fork: HeaderFork,
    ) -> Self {
        ExecutionHeader {
            parent_hash: [0; 32],
            ommers_hash: EMPTY_OMMERS_HASH,
            beneficiary: [0; 20],
            state_root,
            transactions_root: EMPTY_TRIE_ROOT,
            receipts_root: EMPTY_TRIE_ROOT,
            logs_bloom: [0; 256],
            difficulty: U256::ZERO,
            number: 0,
            gas_limit,
            gas_used: 0,
            timestamp,
            extra_data,
            mix_hash: [0; 32],
            nonce: [0; 8],
            base_fee_per_gas: Some(base_fee_per_gas),
            withdrawals_root: Some(EMPTY_TRIE_ROOT),
            blob_gas_used: Some(0),
            excess_blob_gas: Some(0),
            parent_beacon_block_root: Some([0; 32]),
            requests_hash: (fork >= HeaderFork::Prague).then_some(EMPTY_REQUESTS_HASH),
        }
    }

    /// The header's RLP encoding.
    pub(crate) fn rlp(&self) -> Vec<u8> {
        let mut fields: Vec<&dyn Encodable> = vec![
            &self.parent_hash,
            &self.ommers_hash,
            &self.beneficiary,
            &self.state_root,
            &self.transactions_root,
            &self.receipts_root,
            &self.logs_bloom,
            &self.difficulty,
            &self.number,
            &self.gas_limit,
            &self.gas_used,
            &self.timestamp,
        ];
        let extra: &[u8] = &self.extra_data;
        fields.push(&extra);
        fields.push(&self.mix_hash);
        fields.push(&self.nonce);
        // Optional fields are trailing and cumulative: stop at the first absent one.
        let optional: [Option<&dyn Encodable>; 6] = [
            self.base_fee_per_gas.as_ref().map(|v| v as &dyn Encodable),
            self.withdrawals_root.as_ref().map(|v| v as &dyn Encodable),
            self.blob_gas_used.as_ref().map(|v| v as &dyn Encodable),
            self.excess_blob_gas.as_ref().map(|v| v as &dyn Encodable),
            self.parent_beacon_block_root.as_ref().map(|v| v as &dyn Encodable),
            self.requests_hash.as_ref().map(|v| v as &dyn Encodable),
        ];
        fields.extend(optional.into_iter().map_while(|f| f));
        let payload_length: usize = fields.iter().map(|f| f.length()).sum();
        let mut out = Vec::with_capacity(payload_length + 4);
        Header { list: true, payload_length }.encode(&mut out);
        for field in fields {
            field.encode(&mut out);
        }
        out
    }

    /// keccak256 of the RLP: the block hash.
    pub(crate) fn hash(&self) -> B256 {
        keccak256(self.rlp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn constants() {
        assert_eq!(keccak256([0xc0u8]).0, EMPTY_OMMERS_HASH);
        assert_eq!(keccak256([0x80u8]).0, EMPTY_TRIE_ROOT);
        let empty_sha: [u8; 32] = Sha256::digest([]).into();
        assert_eq!(empty_sha, EMPTY_REQUESTS_HASH);
    }

    #[test]
    fn geth_empty_cancun_genesis_hash() {
        // eth-beacon-genesis eth1/testdata/genesis-empty.json: pinned geth output (eth1/genesis_test.go).
        let header = ExecutionHeader::genesis(
            EMPTY_TRIE_ROOT,
            0x1c9c380,
            0,
            vec![],
            U256::from(1_000_000_000u64),
            HeaderFork::Cancun,
        );
        assert_eq!(hex::encode(header.hash()), "0598047b8adde700d2e815fe0c7436002f7c50ef32447aa4f4bf4c09e1a97789");
    }
}
