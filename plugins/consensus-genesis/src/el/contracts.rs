//! Contracts of the execution genesis alloc: the deposit contract (deployed runtime code plus the
//! zero-hash storage its constructor writes) and the system contracts of EIP-4788, EIP-2935, EIP-7002
//! and EIP-7251 (go-ethereum params/protocol_params.go; ethpandaops ethereum-genesis-generator
//! apps/el-gen/system-contracts.yaml). Byte strings are decoded at compile time, so a malformed one is a
//! build error, not a run-time failure.

use crate::ssz::zero_hash;

/// Number of hex digits in `s`, whitespace ignored.
const fn hex_digits(s: &str) -> usize {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut n = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_whitespace() {
            n += 1;
        }
        i += 1;
    }
    n
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => panic!("invalid hex digit"),
    }
}

/// Decodes hex (no 0x prefix, whitespace ignored) into exactly `N` bytes; evaluated in const context.
const fn decode<const N: usize>(s: &str) -> [u8; N] {
    assert!(hex_digits(s) == 2 * N, "hex length mismatch");
    let bytes = s.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    let mut digit = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if !c.is_ascii_whitespace() {
            let v = nibble(c);
            if digit % 2 == 0 {
                out[digit / 2] = v << 4;
            } else {
                out[digit / 2] |= v;
            }
            digit += 1;
        }
        i += 1;
    }
    out
}

macro_rules! hex_bytes {
    ($name:ident, $hex:expr) => {
        const $name: [u8; hex_digits($hex) / 2] = decode::<{ hex_digits($hex) / 2 }>($hex);
    };
}

/// The deposit contract's deployed (runtime) bytecode, solc 0.6.11 (6358 bytes).
const DEPOSIT_CONTRACT_HEX: &str = include_str!("deposit_contract.hex");
hex_bytes!(DEPOSIT_CONTRACT_CODE, DEPOSIT_CONTRACT_HEX);

hex_bytes!(BEACON_ROOTS_ADDRESS, "000F3df6D732807Ef1319fB7B8bB8522d0Beac02");
hex_bytes!(
    BEACON_ROOTS_CODE,
    "3373fffffffffffffffffffffffffffffffffffffffe14604d57602036146024575f5ffd5b5f35801560495762001fff810690815414603c\
     575f5ffd5b62001fff01545f5260205ff35b5f5ffd5b62001fff42064281555f359062001fff015500"
);

hex_bytes!(HISTORY_STORAGE_ADDRESS, "0000F90827F1C53a10cb7A02335B175320002935");
hex_bytes!(
    HISTORY_STORAGE_CODE,
    "3373fffffffffffffffffffffffffffffffffffffffe14604657602036036042575f35600143038111604257611fff81430311604257611f\
     ff9006545f5260205ff35b5f5ffd5b5f35611fff60014303065500"
);

hex_bytes!(WITHDRAWAL_QUEUE_ADDRESS, "00000961Ef480Eb55e80D19ad83579A64c007002");
hex_bytes!(
    WITHDRAWAL_QUEUE_CODE,
    "3373fffffffffffffffffffffffffffffffffffffffe1460cb5760115f54807fffffffffffffffffffffffffffffffffffffffffffffffff\
     ffffffffffffffff146101f457600182026001905f5b5f82111560685781019083028483029004916001019190604d565b909390049250\
     505036603814608857366101f457346101f4575f5260205ff35b34106101f457600154600101600155600354806003026004013381556001\
     015f35815560010160203590553360601b5f5260385f601437604c5fa0600101600355005b6003546002548082038060101160df57506010\
     5b5f5b8181146101835782810160030260040181604c02815460601b8152601401816001015481526020019060020154807fffffffffffff\
     ffffffffffffffffffff00000000000000000000000000000000168252906010019060401c908160381c81600701538160301c81600601\
     538160281c81600501538160201c81600401538160181c81600301538160101c81600201538160081c81600101535360010160e1565b91\
     0180921461019557906002556101a0565b90505f6002555f6003555b5f54807fffffffffffffffffffffffffffffffffffffffffffffff\
     ffffffffffffffffff14156101cd57505f5b6001546002828201116101e25750505f6101e8565b01600290035b5f555f600155604c025ff3\
     5b5f5ffd"
);

hex_bytes!(CONSOLIDATION_QUEUE_ADDRESS, "0000BBdDc7CE488642fb579F8B00f3a590007251");
hex_bytes!(
    CONSOLIDATION_QUEUE_CODE,
    "3373fffffffffffffffffffffffffffffffffffffffe1460d35760115f54807fffffffffffffffffffffffffffffffffffffffffffffffff\
     ffffffffffffffff1461019a57600182026001905f5b5f82111560685781019083028483029004916001019190604d565b909390049250\
     5050366060146088573661019a573461019a575f5260205ff35b341061019a57600154600101600155600354806004026004013381556001\
     015f358155600101602035815560010160403590553360601b5f5260605f60143760745fa0600101600355005b60035460025480820380\
     60021160e7575060025b5f5b8181146101295782810160040260040181607402815460601b81526014018160010154815260200181600201\
     5481526020019060030154905260010160e9565b910180921461013b5790600255610146565b90505f6002555f6003555b5f54807fffff\
     ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff141561017357505f5b6001546001828201116101885750505f\
     61018e565b01600190035b5f555f6001556074025ff35b5f5ffd"
);

/// One contract of the genesis alloc.
pub(crate) struct GenesisContract {
    pub(crate) address: [u8; 20],
    pub(crate) code: &'static [u8],
    pub(crate) nonce: u64,
    /// Non-zero storage slots (slot, value), both 32-byte big-endian.
    pub(crate) storage: Vec<([u8; 32], [u8; 32])>,
}

/// The deposit contract at `address`: runtime code and `zero_hashes[1..32]` in slots 34..=64, as its
/// constructor leaves them (slots 0..=31 `branch`, 32 `deposit_count`, 33..=64 `zero_hashes`).
pub(crate) fn deposit_contract(address: [u8; 20]) -> GenesisContract {
    let storage = (1u32..32)
        .map(|i| {
            let mut slot = [0u8; 32];
            slot[31] = 33 + i as u8;
            (slot, zero_hash(i))
        })
        .collect();
    GenesisContract { address, code: &DEPOSIT_CONTRACT_CODE, nonce: 0, storage }
}

/// The EIP-7002/EIP-7251 queues' slot 0 (`EXCESS_*_REQUESTS`) holds `EXCESS_INHIBITOR` (2^256 - 1)
/// after their deployment transactions; the first end-of-block system call resets it.
fn excess_inhibitor() -> Vec<([u8; 32], [u8; 32])> {
    vec![([0u8; 32], [0xffu8; 32])]
}

/// The four system contracts every Prague/Osaka genesis needs (nonce 1, balance 0).
pub(crate) fn system_contracts() -> Vec<GenesisContract> {
    vec![
        GenesisContract { address: BEACON_ROOTS_ADDRESS, code: &BEACON_ROOTS_CODE, nonce: 1, storage: vec![] },
        GenesisContract { address: HISTORY_STORAGE_ADDRESS, code: &HISTORY_STORAGE_CODE, nonce: 1, storage: vec![] },
        GenesisContract {
            address: WITHDRAWAL_QUEUE_ADDRESS,
            code: &WITHDRAWAL_QUEUE_CODE,
            nonce: 1,
            storage: excess_inhibitor(),
        },
        GenesisContract {
            address: CONSOLIDATION_QUEUE_ADDRESS,
            code: &CONSOLIDATION_QUEUE_CODE,
            nonce: 1,
            storage: excess_inhibitor(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::keccak256;

    #[test]
    fn deposit_contract_code_is_the_solc_0_6_11_runtime() {
        assert_eq!(DEPOSIT_CONTRACT_CODE.len(), 6358);
        // Ends with solc's CBOR metadata: ipfs hash, then "solc" 0.6.11.
        assert!(hex::encode(DEPOSIT_CONTRACT_CODE).ends_with("64736f6c634300060b0033"));
        // The DepositEvent topic is in the code.
        let topic = keccak256(b"DepositEvent(bytes,bytes,bytes,bytes,bytes)");
        assert!(DEPOSIT_CONTRACT_CODE.windows(32).any(|w| w == topic.as_slice()));
        assert_eq!(
            hex::encode(keccak256(DEPOSIT_CONTRACT_CODE)),
            "6c029a231254fadb724d63be769f75eedd66362df034a3e663252b49d062a666"
        );
    }

    #[test]
    fn deposit_contract_storage_matches_the_genesis_generator() {
        let c = deposit_contract([0x42; 20]);
        assert_eq!(c.storage.len(), 31);
        assert_eq!(c.storage[0].0[31], 0x22);
        assert_eq!(hex::encode(c.storage[1].1), "db56114e00fdd4c1f85c892bf35ac9a89289aaecb1ebd0a96cde606a748b5d71");
        assert_eq!(c.storage[30].0[31], 0x40);
        assert_eq!(hex::encode(c.storage[30].1), "985e929f70af28d0bdd1a90a808f977f597c7c778c489e98d3bd8910d31ac0f7");
    }

    #[test]
    fn system_contract_code_hashes() {
        // EIP-4788 and EIP-2935 state these code hashes; the bytecode equals go-ethereum's
        // params.{BeaconRoots,HistoryStorage,WithdrawalQueue,ConsolidationQueue}Code.
        let hashes: Vec<String> = system_contracts().iter().map(|c| hex::encode(keccak256(c.code))).collect();
        assert_eq!(
            hashes,
            vec![
                "f57acd40259872606d76197ef052f3d35588dadf919ee1f0e3cb9b62d3f4b02c",
                "6e49e66782037c0555897870e29fa5e552daf4719552131a0abce779daec0a5d",
                "0345a365d2f4c5975b9f1599abe0a2ee76b7a3a731bc68781bd04c84e4858f50",
                "78c6cb5202685228bbcbfb992b1c4e116c7ec5ef11e25b8e92716cfc628ddd60",
            ]
        );
        let sizes: Vec<usize> = system_contracts().iter().map(|c| c.code.len()).collect();
        assert_eq!(sizes, vec![97, 83, 504, 414]);
    }
}
