//! geth's genesis.json and the genesis block: the alloc (deposit contract, system contracts,
//! prefunded accounts), the chain config, and the header `geth init` derives from them.

use super::header::{ExecutionHeader, HeaderFork};
use crate::trie::{state_root, AllocAccount};
use crate::{GenesisError, GenesisFork, GenesisInput};
use alloy_primitives::U256;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// go-ethereum's `params.InitialBaseFee` (1 gwei), the genesis base fee when none is set.
pub(crate) const INITIAL_BASE_FEE: u64 = 1_000_000_000;

/// A blob schedule entry of geth's chain config: (fork key, target, max, baseFeeUpdateFraction).
const BLOB_SCHEDULE: [(&str, u64, u64, u64); 5] = [
    ("cancun", 3, 6, 3_338_477),
    ("prague", 6, 9, 5_007_716),
    ("osaka", 6, 9, 5_007_716),
    ("bpo1", 10, 15, 8_346_193),
    ("bpo2", 14, 21, 11_684_671),
];

/// The execution genesis: genesis.json text, the alloc and the derived block header.
pub(crate) struct ElGenesis {
    pub(crate) genesis_json: String,
    pub(crate) header: ExecutionHeader,
}

/// Parses a wei amount: decimal digits, or 0x-prefixed hex, below 2^256.
pub(crate) fn parse_wei(text: &str) -> Option<U256> {
    let (digits, radix) = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None => (text, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    U256::from_str_radix(digits, radix as u64).ok()
}

/// The alloc: genesis contracts first, then the prefunded accounts (an address may appear only once).
pub(crate) fn alloc(input: &GenesisInput) -> Result<BTreeMap<[u8; 20], AllocAccount>, GenesisError> {
    let mut alloc = BTreeMap::new();
    let contracts = std::iter::once(super::contracts::deposit_contract(input.deposit_contract_address))
        .chain(super::contracts::system_contracts());
    for contract in contracts {
        let account = AllocAccount {
            nonce: contract.nonce,
            balance: U256::ZERO,
            code: contract.code.to_vec(),
            storage: contract.storage.into_iter().collect(),
        };
        if alloc.insert(contract.address, account).is_some() {
            return Err(GenesisError::DuplicateAccount(hex::encode(contract.address)));
        }
    }
    for account in &input.prefunded {
        let balance = parse_wei(&account.balance_wei).ok_or_else(|| GenesisError::BadBalance {
            address: hex::encode(account.address),
            balance: account.balance_wei.clone(),
        })?;
        let entry = AllocAccount { balance, ..AllocAccount::default() };
        if alloc.insert(account.address, entry).is_some() {
            return Err(GenesisError::DuplicateAccount(hex::encode(account.address)));
        }
    }
    Ok(alloc)
}

fn hex_quantity(value: U256) -> String {
    format!("{value:#x}")
}

fn hex_data(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// geth's chain config for a chain whose forks up to `fork` are all active at genesis.
fn chain_config(input: &GenesisInput) -> Value {
    let mut config = Map::new();
    config.insert("chainId".into(), json!(input.chain_id));
    for key in [
        "homesteadBlock",
        "eip150Block",
        "eip155Block",
        "eip158Block",
        "byzantiumBlock",
        "constantinopleBlock",
        "petersburgBlock",
        "istanbulBlock",
        "berlinBlock",
        "londonBlock",
        "mergeNetsplitBlock",
    ] {
        config.insert(key.into(), json!(0));
    }
    config.insert("terminalTotalDifficulty".into(), json!(0));
    let mut forks = vec!["shanghai", "cancun", "prague"];
    if input.fork == GenesisFork::Fulu {
        forks.extend(["osaka", "bpo1", "bpo2"]);
    }
    for fork in &forks {
        config.insert(format!("{fork}Time"), json!(0));
    }
    config.insert("depositContractAddress".into(), json!(hex_data(&input.deposit_contract_address)));
    let mut schedule = Map::new();
    for (fork, target, max, fraction) in BLOB_SCHEDULE {
        if forks.contains(&fork) && (fork != "osaka" || input.osaka_blob_entry) {
            schedule.insert(fork.into(), json!({"target": target, "max": max, "baseFeeUpdateFraction": fraction}));
        }
    }
    // Forks scheduled after genesis (geth reads a changed config with `geth init` on its data
    // directory; see the miners plugin).
    for (b, fork) in input.scheduled_bpos.iter().zip(crate::SCHEDULED_BPO_NAMES) {
        config.insert(format!("{fork}Time"), json!(input.epoch_time(b.epoch)));
        let params = json!({"target": b.target, "max": b.max, "baseFeeUpdateFraction": b.base_fee_update_fraction});
        schedule.insert(fork.into(), params);
    }
    config.insert("blobSchedule".into(), Value::Object(schedule));
    Value::Object(config)
}

fn alloc_json(alloc: &BTreeMap<[u8; 20], AllocAccount>) -> Value {
    let mut out = Map::new();
    for (address, account) in alloc {
        let mut entry = Map::new();
        entry.insert("balance".into(), json!(hex_quantity(account.balance)));
        if account.nonce != 0 {
            entry.insert("nonce".into(), json!(format!("{:#x}", account.nonce)));
        }
        if !account.code.is_empty() {
            entry.insert("code".into(), json!(hex_data(&account.code)));
        }
        if !account.storage.is_empty() {
            let storage: Map<String, Value> =
                account.storage.iter().map(|(slot, value)| (hex_data(slot), json!(hex_data(value)))).collect();
            entry.insert("storage".into(), Value::Object(storage));
        }
        out.insert(hex_data(address), Value::Object(entry));
    }
    Value::Object(out)
}

/// Builds genesis.json and the genesis header (`input` must already be validated).
pub(crate) fn build(input: &GenesisInput) -> Result<ElGenesis, GenesisError> {
    let alloc = alloc(input)?;
    let root = state_root(&alloc);
    let base_fee = U256::from(INITIAL_BASE_FEE);
    let header = ExecutionHeader::genesis(
        root.0,
        input.gas_limit,
        input.genesis_time,
        input.extra_data.clone(),
        base_fee,
        HeaderFork::Prague,
    );
    let zero32 = hex_data(&[0u8; 32]);
    let genesis = json!({
        "config": chain_config(input),
        "nonce": "0x0",
        "timestamp": format!("{:#x}", input.genesis_time),
        "extraData": hex_data(&input.extra_data),
        "gasLimit": format!("{:#x}", input.gas_limit),
        "difficulty": "0x0",
        "mixHash": zero32,
        "coinbase": hex_data(&[0u8; 20]),
        "alloc": alloc_json(&alloc),
        "number": "0x0",
        "gasUsed": "0x0",
        "parentHash": zero32,
        "baseFeePerGas": hex_quantity(base_fee),
        "excessBlobGas": "0x0",
        "blobGasUsed": "0x0",
    });
    // Serialising a Value built from strings and integers cannot fail.
    let mut genesis_json = serde_json::to_string_pretty(&genesis).unwrap_or_default();
    genesis_json.push('\n');
    Ok(ElGenesis { genesis_json, header })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trie::state_root;

    fn slot(n: u8) -> [u8; 32] {
        let mut s = [0u8; 32];
        s[31] = n;
        s
    }

    #[test]
    fn geth_devnet_fixture_state_root_and_hash() {
        // eth-beacon-genesis eth1/testdata/genesis-devnet.json with go-ethereum's pinned results
        // (eth1/genesis_test.go): a Prague genesis with balances, nonce, code and storage.
        let mut alloc = BTreeMap::new();
        let rich = parse_wei("0x21e19e0c9bab2400000").unwrap();
        for a in ["8943545177806ed17b9f23f0a21ee5948ecaa776", "e25583099ba105d9ec0a67f5ae86d90e50036425"] {
            let address: [u8; 20] = hex::decode(a).unwrap().try_into().unwrap();
            alloc.insert(address, AllocAccount { balance: rich, ..Default::default() });
        }
        let mut contract = AllocAccount {
            code: hex::decode(
                "60806040526004361061003f5760003560e01c806301ffc9a71461004457806322895118146100a4578063621fd13014\
                 6101ba578063c5f2892f14610244575b600080fd5b606063ffffffff46168060005260208101601f81f3",
            )
            .unwrap(),
            ..Default::default()
        };
        contract.storage.insert(
            slot(0x22),
            hex::decode("f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b")
                .unwrap()
                .try_into()
                .unwrap(),
        );
        contract.storage.insert(
            slot(0x23),
            hex::decode("db56114e00fdd4c1f85c892bf35ac9a89289aaecb1ebd0a96cde606a748b5d71")
                .unwrap()
                .try_into()
                .unwrap(),
        );
        let mut a200 = [0u8; 20];
        a200[18] = 2;
        alloc.insert(a200, contract);
        let mut a100 = [0u8; 20];
        a100[18] = 1;
        alloc.insert(a100, AllocAccount { balance: U256::from(1u8), nonce: 0x2a, ..Default::default() });

        let root = state_root(&alloc);
        assert_eq!(hex::encode(root), "63068632ffe9270457fc525dcdc6393aa3db76bf19abb1b0965154ee51f1d619");
        let header = ExecutionHeader::genesis(
            root.0,
            0x2255100,
            0x67d0c000,
            vec![0u8; 32],
            U256::from(INITIAL_BASE_FEE),
            HeaderFork::Prague,
        );
        assert_eq!(hex::encode(header.hash()), "1b984f36493840bd8e09eda640d0672600356a1ae069e5c1bb91d442d5fe29ca");
    }

    #[test]
    fn parse_wei_forms() {
        assert_eq!(parse_wei("0"), Some(U256::ZERO));
        assert_eq!(parse_wei("1000000000000000000000"), Some(U256::from(10u128.pow(21))));
        assert_eq!(parse_wei("0xff"), Some(U256::from(255u8)));
        assert_eq!(parse_wei(""), None);
        assert_eq!(parse_wei("-1"), None);
        assert_eq!(parse_wei("1e18"), None);
        assert_eq!(parse_wei("0x"), None);
        assert_eq!(parse_wei(&"9".repeat(80)), None);
    }
}
