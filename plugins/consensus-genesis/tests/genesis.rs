//! End-to-end tests of `build_genesis`: determinism, input validation, fork differences, and values
//! pinned after a cross-check confirmed them against the executable consensus specs, py-trie
//! and rlp (so a change in any derivation shows up here without Python).
#![allow(clippy::unwrap_used)]

mod common;

use common::{aggregate, pubkey_of, sample_input};
use consensus_genesis::preset::UNSET_DEPOSIT_REQUESTS_START_INDEX;
use consensus_genesis::{
    build_genesis, fork_digest, ForkVersions, GenesisError, GenesisFork, GenesisInput, PrefundedAccount, ScheduledBpo,
    ValidatorInput,
};

fn h(b: &[u8]) -> String {
    hex::encode(b)
}

#[test]
fn same_input_gives_byte_identical_output() {
    let input = sample_input(64, GenesisFork::Fulu);
    let a = build_genesis(&input, &aggregate).unwrap();
    let b = build_genesis(&input.clone(), &aggregate).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.genesis_ssz, b.genesis_ssz);
    assert_eq!(a.genesis_json, b.genesis_json);
    assert_eq!(a.config_yaml, b.config_yaml);
}

#[test]
fn pinned_sample_network_fulu() {
    let out = build_genesis(&sample_input(64, GenesisFork::Fulu), &aggregate).unwrap();
    assert_eq!(h(&out.execution_block_hash), "bfc2b0ee5379bf65f49beab029f446677c4546c186759d58c78ca46924ffad1f");
    assert_eq!(h(&out.execution_state_root), "4c4b4140a6738ada7a05d624dcf0ce788796b4fba768341824d9b022c01b44bb");
    assert_eq!(h(&out.genesis_validators_root), "ccdd643e4f6af91fef6336faf085c6d8fadbffa3eae593046b150d7e8848bdd7");
    assert_eq!(h(&out.fork_digest), "2f3b7a42");
    assert_eq!(h(&out.beacon_state_root), "5fc0b3d090d4257fa8e4700d684592185fda082c4761352b8ce6a9ad059e300b");
    assert_eq!(h(&out.beacon_block_root), "1a3c1c135af50e7d082bfd073923ca8b19146e25ae95f61944fedf1a5ad09363");
    assert_eq!(out.active_validators, 60);
    assert_eq!(out.genesis_ssz.len(), 2_746_712);
    assert_eq!(out.deposit_contract_block, "0");
    assert_eq!(out.deposit_contract_block_hash, format!("0x{}", h(&out.execution_block_hash)));
}

#[test]
fn electra_and_fulu_differ_where_the_specs_say() {
    let electra = build_genesis(&sample_input(64, GenesisFork::Electra), &aggregate).unwrap();
    let fulu = build_genesis(&sample_input(64, GenesisFork::Fulu), &aggregate).unwrap();
    // Same validators, but the execution genesis differs (Osaka/BPO config is not in the header, yet
    // the timestamps and alloc are equal, so the EL hash is equal) ...
    assert_eq!(electra.execution_block_hash, fulu.execution_block_hash);
    assert_eq!(electra.genesis_validators_root, fulu.genesis_validators_root);
    // ... the Fulu state carries the 64-entry proposer lookahead ...
    assert_eq!(fulu.genesis_ssz.len() - electra.genesis_ssz.len(), 64 * 8);
    // ... and Electra's deposit_requests_start_index is UNSET, Fulu's the deposit count (0).
    let (electra_index, fulu_index) =
        (deposit_requests_start_index(&electra.genesis_ssz), deposit_requests_start_index(&fulu.genesis_ssz));
    assert_eq!(electra_index, UNSET_DEPOSIT_REQUESTS_START_INDEX);
    assert_eq!(fulu_index, 0);
    assert!(electra.genesis_json.contains("\"pragueTime\": 0"));
    assert!(!electra.genesis_json.contains("osakaTime"));
    assert!(fulu.genesis_json.contains("\"bpo2Time\": 0"));
    assert!(electra.config_yaml.contains("FULU_FORK_EPOCH: 18446744073709551615"));
    assert!(fulu.config_yaml.contains("FULU_FORK_EPOCH: 0"));
    assert!(fulu.config_yaml.contains("  - EPOCH: 0\n    MAX_BLOBS_PER_BLOCK: 21\n"));
}

/// Reads `deposit_requests_start_index` from a serialised state: it follows the fixed part up to and
/// including `historical_summaries`' offset (offsets located by walking the fixed-size fields).
fn deposit_requests_start_index(ssz: &[u8]) -> u64 {
    let fixed_before = 8
        + 32
        + 8
        + 16
        + 112
        + 2 * 32 * 8192
        + 4
        + 72
        + 4
        + 8
        + 4
        + 4
        + 32 * 65536
        + 8 * 8192
        + 4
        + 4
        + 1
        + 3 * 40
        + 4
        + 2 * (48 * 513)
        + 4
        + 8
        + 8
        + 4;
    u64::from_le_bytes(ssz[fixed_before..fixed_before + 8].try_into().unwrap())
}

#[test]
fn fork_digest_electra_is_the_fork_data_root_prefix() {
    // compute_fork_data_root(0x00000000, zero root) = f5a5fd42...; its prefix is mainnet's phase0 digest
    // for a zero validators root.
    assert_eq!(fork_digest(GenesisFork::Electra, [0; 4], &[0; 32]), [0xf5, 0xa5, 0xfd, 0x42]);
    assert_ne!(fork_digest(GenesisFork::Fulu, [0; 4], &[0; 32]), [0xf5, 0xa5, 0xfd, 0x42]);
}

#[test]
fn fork_versions_for_chain() {
    let v = ForkVersions::for_chain(1337);
    assert_eq!(v.genesis, [0x10, 0x00, 0x05, 0x39]);
    assert_eq!(v.electra, [0x60, 0x00, 0x05, 0x39]);
    assert_eq!(v.fulu, [0x70, 0x00, 0x05, 0x39]);
    assert_eq!(ForkVersions::for_chain(0x1234_5678).altair, [0x20, 0x34, 0x56, 0x78]);
}

fn one_validator(fork: GenesisFork) -> GenesisInput {
    let mut input = GenesisInput::new(32382, 1_700_000_000, fork);
    input.validators.push(ValidatorInput::new(pubkey_of(1), [0u8; 32]));
    input
}

#[test]
fn single_validator_network_builds() {
    let out = build_genesis(&one_validator(GenesisFork::Fulu), &aggregate).unwrap();
    assert_eq!(out.active_validators, 1);
    assert!(out.config_yaml.contains("MIN_GENESIS_ACTIVE_VALIDATOR_COUNT: 1\n"));
    assert!(out.config_yaml.contains("CONFIG_NAME: 'ethwasm-32382'\n"));
}

#[test]
fn invalid_inputs_are_rejected() {
    let err = |input: &GenesisInput| build_genesis(input, &aggregate).unwrap_err();

    let empty = GenesisInput::new(1337, 0, GenesisFork::Electra);
    assert_eq!(err(&empty), GenesisError::NoActiveValidators);

    let mut low = one_validator(GenesisFork::Electra);
    low.validators[0].balance_gwei = 31_999_999_999;
    assert_eq!(err(&low), GenesisError::NoActiveValidators);
    low.validators[0].balance_gwei = 999_999_999;
    assert!(matches!(err(&low), GenesisError::ValidatorBalanceTooLow { index: 0, .. }));

    let mut dup = one_validator(GenesisFork::Electra);
    dup.validators.push(dup.validators[0].clone());
    assert!(matches!(err(&dup), GenesisError::DuplicateValidator { index: 1, .. }));

    let mut creds = one_validator(GenesisFork::Electra);
    creds.validators[0].withdrawal_credentials[0] = 0x03;
    assert!(matches!(err(&creds), GenesisError::BadWithdrawalCredentials { index: 0, prefix: 3 }));

    let mut extra = one_validator(GenesisFork::Electra);
    extra.extra_data = vec![0; 33];
    assert_eq!(err(&extra), GenesisError::ExtraDataTooLong(33));

    let mut name = one_validator(GenesisFork::Electra);
    name.config_name = "mainnet".into();
    assert!(matches!(err(&name), GenesisError::BadConfigName(_)));
    name.config_name = "My_Net".into();
    assert!(matches!(err(&name), GenesisError::BadConfigName(_)));

    let mut versions = one_validator(GenesisFork::Electra);
    versions.fork_versions.fulu = versions.fork_versions.electra;
    assert!(matches!(err(&versions), GenesisError::BadForkVersion(_)));
    versions.fork_versions = ForkVersions::for_chain(1337);
    versions.fork_versions.genesis = [0, 0, 0, 0];
    assert!(matches!(err(&versions), GenesisError::BadForkVersion(_)));

    let mut balance = one_validator(GenesisFork::Electra);
    balance.prefunded.push(PrefundedAccount { address: [1; 20], balance_wei: "12abc".into() });
    assert!(matches!(err(&balance), GenesisError::BadBalance { .. }));

    let mut clash = one_validator(GenesisFork::Electra);
    clash.prefunded.push(PrefundedAccount { address: [0x42; 20], balance_wei: "1".into() });
    assert!(matches!(err(&clash), GenesisError::DuplicateAccount(_)));

    let mut slot = one_validator(GenesisFork::Electra);
    slot.seconds_per_slot = 0;
    assert_eq!(err(&slot), GenesisError::BadSlotTime(0));

    let mut gas = one_validator(GenesisFork::Electra);
    gas.gas_limit = 0;
    assert_eq!(err(&gas), GenesisError::ZeroGasLimit);

    let failing = |_: &[[u8; 48]]| -> Result<[u8; 48], String> { Err("bad key".into()) };
    assert_eq!(
        build_genesis(&one_validator(GenesisFork::Electra), &failing).unwrap_err(),
        GenesisError::Aggregation("bad key".into())
    );
}

#[test]
fn genesis_json_has_geths_shape() {
    let out = build_genesis(&sample_input(4, GenesisFork::Fulu), &aggregate).unwrap();
    let v: serde_json::Value = serde_json::from_str(&out.genesis_json).unwrap();
    let cfg = &v["config"];
    assert_eq!(cfg["chainId"], 1337);
    assert_eq!(cfg["terminalTotalDifficulty"], 0);
    assert_eq!(cfg["depositContractAddress"], "0x4242424242424242424242424242424242424242");
    assert_eq!(cfg["blobSchedule"]["bpo2"]["max"], 21);
    // geth >= 1.17.5 ignores an osaka entry (go-ethereum #35029): left out unless asked for.
    assert!(cfg["blobSchedule"].get("osaka").is_none());
    assert_eq!(cfg["blobSchedule"]["prague"]["baseFeeUpdateFraction"], 5007716);
    let mut older = sample_input(4, GenesisFork::Fulu);
    older.osaka_blob_entry = true;
    let older: serde_json::Value =
        serde_json::from_str(&build_genesis(&older, &aggregate).unwrap().genesis_json).unwrap();
    assert_eq!(older["config"]["blobSchedule"]["osaka"]["baseFeeUpdateFraction"], 5007716);
    assert_eq!(v["baseFeePerGas"], "0x3b9aca00");
    assert_eq!(v["difficulty"], "0x0");
    assert_eq!(v["gasLimit"], "0x3938700");
    let alloc = v["alloc"].as_object().unwrap();
    assert_eq!(alloc.len(), 5 + 4);
    let beacon_roots = &alloc["0x000f3df6d732807ef1319fb7b8bb8522d0beac02"];
    assert_eq!(beacon_roots["nonce"], "0x1");
    assert_eq!(beacon_roots["balance"], "0x0");
    assert_eq!(alloc["0x4242424242424242424242424242424242424242"]["storage"].as_object().unwrap().len(), 31);
    assert_eq!(alloc["0x4444444444444444444444444444444444444444"]["balance"], format!("0x1{}", "0".repeat(50)));
}

/// Forks scheduled after genesis change config.yaml's BLOB_SCHEDULE and geth's chain config, at
/// the same moment (epoch * 32 slots after genesis), and nothing that names the chain: the
/// genesis state, its validators root, fork digest and the execution genesis block.
#[test]
fn scheduled_bpo_forks_change_the_config_not_the_genesis() {
    let plain = sample_input(64, GenesisFork::Fulu);
    let mut scheduled = plain.clone();
    scheduled.scheduled_bpos = vec![
        ScheduledBpo { epoch: 100, target: 21, max: 28, base_fee_update_fraction: 17_526_888 },
        ScheduledBpo { epoch: 250, target: 28, max: 36, base_fee_update_fraction: 23_369_184 },
    ];
    let (a, b) = (build_genesis(&plain, &aggregate).unwrap(), build_genesis(&scheduled, &aggregate).unwrap());
    assert_eq!(a.beacon_state_root, b.beacon_state_root);
    assert_eq!(a.genesis_ssz, b.genesis_ssz);
    assert_eq!((a.genesis_validators_root, a.fork_digest), (b.genesis_validators_root, b.fork_digest));
    assert_eq!(a.execution_block_hash, b.execution_block_hash);
    assert_ne!(a.config_yaml, b.config_yaml);
    assert!(b.config_yaml.contains("  - EPOCH: 100\n    MAX_BLOBS_PER_BLOCK: 28\n"), "{}", b.config_yaml);
    assert!(b.config_yaml.contains("  - EPOCH: 250\n    MAX_BLOBS_PER_BLOCK: 36\n"), "{}", b.config_yaml);
    let config: serde_json::Value = serde_json::from_str(&b.genesis_json).unwrap();
    let config = &config["config"];
    let slot = scheduled.seconds_per_slot;
    assert_eq!(config["bpo3Time"], scheduled.genesis_time + 100 * 32 * slot);
    assert_eq!(config["bpo4Time"], scheduled.genesis_time + 250 * 32 * slot);
    assert!(config.get("bpo5Time").is_none());
    assert_eq!(
        config["blobSchedule"]["bpo3"],
        serde_json::json!({"target": 21, "max": 28, "baseFeeUpdateFraction": 17_526_888})
    );
    // Without a schedule, the files are those of every chain made before.
    assert!(!a.genesis_json.contains("bpo3") && !a.config_yaml.contains("scheduled after genesis"));

    let bad = |bpos: Vec<ScheduledBpo>, fork: GenesisFork| {
        let mut input = sample_input(4, fork);
        input.scheduled_bpos = bpos;
        build_genesis(&input, &aggregate).unwrap_err().to_string()
    };
    let at = |epoch: u64| ScheduledBpo { epoch, target: 1, max: 2, base_fee_update_fraction: 1 };
    assert!(bad(vec![at(5), at(5)], GenesisFork::Fulu).contains("bpo4 at epoch 5: epochs must increase"));
    assert!(bad(vec![at(0)], GenesisFork::Fulu).contains("start after epoch 0"));
    assert!(bad(vec![at(1), at(2), at(3), at(4)], GenesisFork::Fulu).contains("room for 3"));
    assert!(bad(vec![at(1)], GenesisFork::Electra).contains("follow Fulu"));
    let upside_down = ScheduledBpo { epoch: 1, target: 3, max: 2, base_fee_update_fraction: 1 };
    assert!(bad(vec![upside_down], GenesisFork::Fulu).contains("0 < target <= max"));
}
