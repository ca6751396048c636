//! genesis plugin: the chain's genesis block as a ConfigMap.
//!
//! Clique proof of authority (default; geth v1.13.15) with the signers in `extraData`, or the
//! 2018 chart's ethash proof of work (geth v1.11.6). chainId = networkId. Prefunds the signers
//! (optionally) and every account the secrets plugin lists, plus extra `alloc` entries passed
//! through. Provides the ConfigMap's name and a content hash that workloads carry as a pod
//! annotation, so a genesis change rolls them.
//!
//! Proof of stake (`consensus: pos`) is in [`pos`]: the execution and consensus genesis from the
//! validators the secrets plugin provides.

pub mod pos;
pub mod wei;

pub use ethwasm_ethereum_types::{Consensus, GenesisRef};
use ethwasm_ethereum_types::{Global, Prefunded, Signers, Validators};
use ethwasm_plugin::{export, k8s, Info, Input, Output, Plugin, PluginError};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// JSON Schema of the `genesis` values section.
pub const SCHEMA: &str = include_str!("schema.json");

/// The `genesis` values section.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Values {
    pub consensus: Consensus,
    pub chain_id: u64,
    pub gas_limit: String,
    pub difficulty: String,
    pub timestamp: String,
    pub clique: Clique,
    pub prefund_signers: bool,
    pub balance: Value,
    pub alloc: Map<String, Value>,
    /// Proof-of-stake settings.
    pub pos: pos::PosValues,
}

/// Clique settings.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Clique {
    pub period: u64,
    pub epoch: u64,
}

impl Default for Clique {
    fn default() -> Self {
        Clique { period: 5, epoch: 30000 }
    }
}

impl Default for Values {
    fn default() -> Self {
        Values {
            consensus: Consensus::Clique,
            chain_id: 98052,
            gas_limit: "0x8000000".into(),
            difficulty: "0x400".into(),
            timestamp: "0x0".into(),
            clique: Clique::default(),
            prefund_signers: true,
            balance: Value::String("1000000ether".into()),
            alloc: Map::new(),
            pos: pos::PosValues::default(),
        }
    }
}

/// The plugin.
pub struct Genesis;

impl Plugin for Genesis {
    fn info() -> Info {
        Info::new(
            "genesis",
            env!("CARGO_PKG_VERSION"),
            "genesis (clique, ethash, or proof of stake with the beacon state) as ConfigMaps",
        )
        .provides(&["genesis"])
        .requires(&["signers", "prefunded", "validators"])
        .schema(SCHEMA)
    }

    fn render(input: Input) -> Result<Output, PluginError> {
        let v: Values = input.values()?;
        let global: Global = input.global()?;
        if let Some(g) = global.consensus.filter(|g| *g != v.consensus) {
            return Err(PluginError::InvalidValues(format!(
                "consensus: genesis.consensus is {} but global.consensus is {}; set genesis.consensus only (a chart \
                 copies it to global.consensus)",
                v.consensus.as_str(),
                g.as_str()
            )));
        }
        let signers: Signers = input.input("signers")?;
        let prefunded: Prefunded = input.input("prefunded")?;
        if v.consensus == Consensus::Pos {
            let validators: Validators = input.input("validators")?;
            return pos::render(&input.release().name, input.release().created, &v, &prefunded, &validators);
        }
        let addrs: Vec<String> = signers.signers.into_iter().map(|s| s.address).collect();
        render(&input.release().name, &v, &addrs, &prefunded)
    }
}

/// Parses `0x`-prefixed hex of 20 bytes.
fn address_bytes(a: &str) -> Result<Vec<u8>, String> {
    let b = hex::decode(a.trim_start_matches("0x")).map_err(|e| format!("`{a}` is not hex: {e}"))?;
    if b.len() != 20 {
        return Err(format!("`{a}` is not a 20-byte address"));
    }
    Ok(b)
}

/// Clique's extraData: 32 zero bytes, the signers sorted ascending, 65 zero bytes.
pub fn clique_extra_data(signers: &[String]) -> Result<String, String> {
    let mut addrs = signers.iter().map(|s| address_bytes(s)).collect::<Result<Vec<_>, _>>()?;
    addrs.sort();
    addrs.dedup();
    let mut s = String::from("0x");
    s.push_str(&"00".repeat(32));
    for a in addrs {
        s.push_str(&hex::encode(a));
    }
    s.push_str(&"00".repeat(65));
    Ok(s)
}

/// The genesis document.
pub fn genesis_json(v: &Values, signers: &[String], prefunded: &Prefunded) -> Result<Value, PluginError> {
    let invalid = PluginError::InvalidValues;
    let balance = wei::parse(&v.balance).map_err(|e| invalid(format!("balance: {e}")))?.to_string();
    let mut config = json!({
        "chainId": v.chain_id,
        "homesteadBlock": 0,
        "eip150Block": 0,
        "eip155Block": 0,
        "eip158Block": 0,
        "byzantiumBlock": 0,
        "constantinopleBlock": 0,
        "petersburgBlock": 0,
        "istanbulBlock": 0,
        "berlinBlock": 0,
        "londonBlock": 0,
    });
    let (difficulty, extra) = match v.consensus {
        Consensus::Clique => {
            if signers.is_empty() {
                return Err(invalid(
                    "consensus: clique needs at least one signer; set global.topology.signers >= 1".into(),
                ));
            }
            config["clique"] = json!({ "period": v.clique.period, "epoch": v.clique.epoch });
            ("0x1".to_string(), clique_extra_data(signers).map_err(PluginError::MissingInput)?)
        }
        Consensus::Ethash => (v.difficulty.clone(), "0x".to_string()),
        Consensus::Pos => return Err(invalid("consensus: pos takes the proof-of-stake path (pos::render)".into())),
    };
    let mut alloc = Map::new();
    let funded = if v.prefund_signers { prefunded.signers.iter() } else { [].iter() };
    for a in funded.chain(prefunded.accounts.iter()) {
        alloc.insert(a.clone(), json!({ "balance": balance }));
    }
    for (addr, entry) in &v.alloc {
        address_bytes(addr).map_err(|e| invalid(format!("alloc.{addr}: {e}")))?;
        let mut entry = entry.clone();
        if let Some(b) = entry.get("balance").cloned() {
            let wei = wei::parse(&b).map_err(|e| invalid(format!("alloc.{addr}.balance: {e}")))?;
            entry["balance"] = wei.to_string().into();
        }
        // Supplied entries win over generated ones for the same address (any letter case).
        let existing = alloc.keys().find(|k| k.eq_ignore_ascii_case(addr)).cloned();
        if let Some(k) = existing {
            alloc.remove(&k);
        }
        alloc.insert(addr.clone(), entry);
    }
    Ok(json!({
        "config": config,
        "nonce": "0x0",
        "timestamp": v.timestamp,
        "extraData": extra,
        "gasLimit": v.gas_limit,
        "difficulty": difficulty,
        "mixHash": format!("0x{}", "00".repeat(32)),
        "coinbase": format!("0x{}", "00".repeat(20)),
        "alloc": alloc,
    }))
}

/// Renders the ConfigMap and output for `release`.
pub fn render(release: &str, v: &Values, signers: &[String], prefunded: &Prefunded) -> Result<Output, PluginError> {
    let genesis = genesis_json(v, signers, prefunded)?;
    let text = serde_json::to_string_pretty(&genesis).expect("JSON serializes");
    let hash = hex::encode(Sha256::digest(text.as_bytes()));
    let name = format!("{release}-genesis");
    let network_id = v.chain_id.to_string();
    let mut cm = k8s::config_map(&name, [("genesis.json", text.as_str()), ("networkId", network_id.as_str())]);
    cm["metadata"]["labels"] = json!({ "app.kubernetes.io/name": "genesis", "app.kubernetes.io/instance": release });
    let out = GenesisRef {
        config_map: name,
        key: "genesis.json".into(),
        chain_id: v.chain_id,
        network_id: v.chain_id,
        consensus: v.consensus,
        hash,
        gas_limit: u64::from_str_radix(v.gas_limit.trim_start_matches("0x"), 16).ok(),
        pos: None,
    };
    Ok(Output::new().manifest(cm).output("genesis", &out))
}

export!(Genesis);

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
    const B: &str = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";

    fn prefunded() -> Prefunded {
        Prefunded {
            signers: vec![A.into(), B.into()],
            accounts: vec!["0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB".into()],
        }
    }

    #[test]
    fn clique_extra_data_sorts_signers() {
        let extra = clique_extra_data(&[A.into(), B.into()]).unwrap();
        assert_eq!(extra.len(), 2 + 64 + 2 * 40 + 130);
        assert_eq!(&extra[66..106], "2c7536e3605d9c16a7a3d7b1898e529396a65c23", "0x2c.. sorts before 0x5a..");
        assert_eq!(&extra[106..146], "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
        assert!(extra[146..].chars().all(|c| c == '0'));
    }

    #[test]
    fn clique_genesis_has_engine_forks_and_alloc() {
        let g = genesis_json(&Values::default(), &[A.into(), B.into()], &prefunded()).unwrap();
        assert_eq!(g["config"]["chainId"], 98052);
        assert_eq!(g["config"]["clique"], json!({"period": 5, "epoch": 30000}));
        assert_eq!(g["config"]["londonBlock"], 0);
        assert_eq!(g["difficulty"], "0x1");
        assert_eq!(g["alloc"].as_object().unwrap().len(), 3);
        assert_eq!(g["alloc"][A]["balance"], "1000000000000000000000000");
    }

    #[test]
    fn ethash_genesis_is_the_2018_shape() {
        let v: Values = serde_json::from_value(json!({"consensus": "ethash", "prefundSigners": false})).unwrap();
        let g = genesis_json(&v, &[A.into()], &prefunded()).unwrap();
        assert!(g["config"].get("clique").is_none());
        assert_eq!(g["difficulty"], "0x400");
        assert_eq!(g["gasLimit"], "0x8000000");
        assert_eq!(g["extraData"], "0x");
        assert_eq!(g["alloc"].as_object().unwrap().len(), 1, "signers not funded");
    }

    #[test]
    fn extra_alloc_passes_through_and_wins() {
        let v: Values = serde_json::from_value(json!({"alloc": {
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed": {"balance": "2 ether", "code": "0x6000", "storage": {"0x00": "0x01"}}
        }}))
        .unwrap();
        let g = genesis_json(&v, &[A.into()], &prefunded()).unwrap();
        let alloc = g["alloc"].as_object().unwrap();
        assert_eq!(alloc.len(), 3);
        let e = &alloc["0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"];
        assert_eq!(e["balance"], "2000000000000000000");
        assert_eq!(e["code"], "0x6000");
        assert_eq!(e["storage"]["0x00"], "0x01");
    }

    #[test]
    fn errors_name_the_value() {
        let v: Values = serde_json::from_value(json!({"alloc": {"0x12": {}}})).unwrap();
        match genesis_json(&v, &[A.into()], &prefunded()) {
            Err(PluginError::InvalidValues(m)) => assert!(m.starts_with("alloc.0x12: "), "{m}"),
            other => panic!("{other:?}"),
        }
        match genesis_json(&Values::default(), &[], &prefunded()) {
            Err(PluginError::InvalidValues(m)) => assert!(m.contains("global.topology.signers"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn render_hashes_the_document() {
        let out = render("eth", &Values::default(), &[A.into()], &prefunded()).unwrap();
        let r: GenesisRef = serde_json::from_value(out.get_output("genesis").unwrap()).unwrap();
        let cm = &out.manifests()[0];
        let text = cm["data"]["genesis.json"].as_str().unwrap();
        assert_eq!(r.hash, hex::encode(Sha256::digest(text.as_bytes())));
        assert_eq!(cm["data"]["networkId"], "98052");
        assert_eq!(r.config_map, "eth-genesis");
    }

    fn validators(n: u8) -> Validators {
        let pubkeys: Vec<String> = (1..=n)
            .map(|i| {
                let mut sk = [0u8; 32];
                sk[31] = i;
                format!("0x{}", hex::encode(consensus_keys::bls::public_key(&sk).unwrap()))
            })
            .collect();
        let creds = format!("0x01{}{}", "00".repeat(11), &A[2..].to_lowercase());
        Validators { withdrawal_credentials: vec![creds; pubkeys.len()], pubkeys, ..Validators::default() }
    }

    fn pos_values(extra: Value) -> Values {
        let mut v = json!({"consensus": "pos", "pos": {"genesisTime": 1_767_225_600u64}});
        if let (Some(a), Value::Object(b)) = (v.as_object_mut(), extra) {
            a.extend(b);
        }
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn proof_of_stake_ships_both_genesis_files_and_a_packed_beacon_state() {
        use std::io::Read;
        let out = pos::render("eth", 1_767_225_600, &pos_values(json!({})), &prefunded(), &validators(4)).unwrap();
        let r: GenesisRef = serde_json::from_value(out.get_output("genesis").unwrap()).unwrap();
        let p = r.pos.clone().unwrap();
        assert_eq!((p.fork.as_str(), p.genesis_time, p.seconds_per_slot), ("fulu", 1_767_225_600, 12));
        let manifests = out.manifests();
        let by_name = |n: &str| manifests.iter().find(|m| m["metadata"]["name"] == n).unwrap().clone();
        let g: Value = serde_json::from_str(by_name("eth-genesis")["data"]["genesis.json"].as_str().unwrap()).unwrap();
        assert_eq!(g["config"]["terminalTotalDifficulty"], 0);
        assert_eq!(g["config"]["osakaTime"], 0);
        assert_eq!(g["timestamp"], "0x6955b900", "the genesis time");
        // Made before 2026-12-07: the osaka blobSchedule entry stays (the chain keeps its bytes).
        assert_eq!(g["config"]["blobSchedule"]["osaka"]["max"], 9);
        assert_eq!(r.gas_limit, Some(0x8000000), "the nodes keep the genesis gas limit");
        let alloc = g["alloc"].as_object().unwrap();
        assert!(alloc.keys().any(|k| k.eq_ignore_ascii_case("0x4242424242424242424242424242424242424242")));
        assert!(!alloc.keys().any(|k| k.eq_ignore_ascii_case(A)), "proof of stake funds no node account");
        assert!(
            alloc.keys().any(|k| k.eq_ignore_ascii_case("0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB")),
            "accounts are"
        );
        let testnet = by_name("eth-testnet");
        assert!(testnet["data"]["config.yaml"].as_str().unwrap().contains("SECONDS_PER_SLOT: 12"));
        assert_eq!(testnet["data"]["deposit_contract_block_hash.txt"], p.execution_genesis_hash);
        // cat the parts, gunzip: the state whose sha256 the output names.
        use base64::Engine;
        let mut packed = Vec::new();
        for part in &p.genesis_ssz_parts {
            let b64 = by_name(part)["binaryData"]["genesis.ssz.gz.part"].as_str().unwrap().to_string();
            packed.extend(base64::engine::general_purpose::STANDARD.decode(b64).unwrap());
        }
        let mut ssz = Vec::new();
        flate2::read::GzDecoder::new(&packed[..]).read_to_end(&mut ssz).unwrap();
        assert_eq!(p.genesis_ssz_sha256, format!("0x{}", hex::encode(Sha256::digest(&ssz))));
        assert!(ssz.len() > 2_700_000, "a mainnet-preset state: {} bytes", ssz.len());
        assert!(packed.len() < 200_000, "it packs well: {} bytes", packed.len());
        // The same inputs give the same bytes.
        let again = pos::render("eth", 1_767_225_600, &pos_values(json!({})), &prefunded(), &validators(4)).unwrap();
        assert_eq!(again.manifests(), manifests);
    }

    #[test]
    fn electra_and_a_changed_genesis_time_change_the_hash() {
        let fulu = pos::render("eth", 1_767_225_600, &pos_values(json!({})), &prefunded(), &validators(2)).unwrap();
        let electra = pos::render(
            "eth",
            1_767_225_600,
            &pos_values(json!({"pos": {"genesisTime": 1_767_225_600u64, "fork": "electra"}})),
            &prefunded(),
            &validators(2),
        )
        .unwrap();
        let later = pos::render(
            "eth",
            1_767_225_600,
            &pos_values(json!({"pos": {"genesisTime": 1_767_225_612u64}})),
            &prefunded(),
            &validators(2),
        )
        .unwrap();
        let hash = |o: &Output| serde_json::from_value::<GenesisRef>(o.get_output("genesis").unwrap()).unwrap().hash;
        assert_ne!(hash(&fulu), hash(&electra));
        assert_ne!(hash(&fulu), hash(&later));
        let e: GenesisRef = serde_json::from_value(electra.get_output("genesis").unwrap()).unwrap();
        assert_eq!(e.pos.unwrap().fork, "electra");
    }

    #[test]
    fn proof_of_stake_alloc_entries_win_however_the_address_is_written() {
        let mut pf = prefunded();
        pf.accounts.push(A.to_lowercase());
        let v = pos_values(json!({"alloc": {A[2..].to_uppercase(): {"balance": "7"}}}));
        let out = pos::render("eth", 1_767_225_600, &v, &pf, &validators(1)).unwrap();
        let cm = out.manifests().into_iter().find(|m| m["metadata"]["name"] == "eth-genesis").unwrap();
        let g: Value = serde_json::from_str(cm["data"]["genesis.json"].as_str().unwrap()).unwrap();
        let entries: Vec<&Value> = g["alloc"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| k.trim_start_matches("0x").eq_ignore_ascii_case(&A[2..]))
            .map(|(_, v)| v)
            .collect();
        assert_eq!(entries.len(), 1, "one account");
        assert_eq!(entries[0]["balance"], "0x7");
    }

    #[test]
    fn adding_a_node_keeps_the_proof_of_stake_genesis() {
        let hash = |signers: Vec<String>| {
            let pf = Prefunded { signers, ..prefunded() };
            let out = pos::render("eth", 1_767_225_600, &pos_values(json!({})), &pf, &validators(4)).unwrap();
            serde_json::from_value::<GenesisRef>(out.get_output("genesis").unwrap()).unwrap().hash
        };
        assert_eq!(hash(vec![A.into()]), hash(vec![A.into(), B.into()]));
    }

    #[test]
    fn new_chains_leave_out_the_osaka_blob_entry_geth_ignores() {
        let out =
            pos::render("eth", pos::GENESIS_DEFAULTS_V2, &pos_values(json!({})), &prefunded(), &validators(4)).unwrap();
        let m = out.manifests();
        let cm = m.iter().find(|m| m["metadata"]["name"] == "eth-genesis").unwrap();
        let g: Value = serde_json::from_str(cm["data"]["genesis.json"].as_str().unwrap()).unwrap();
        let schedule = g["config"]["blobSchedule"].as_object().unwrap();
        assert_eq!(schedule.keys().map(String::as_str).collect::<Vec<_>>(), ["cancun", "prague", "bpo1", "bpo2"]);
        assert_eq!(g["config"]["osakaTime"], 0, "Osaka itself is still scheduled");
    }

    #[test]
    fn the_genesis_time_defaults_to_the_release_creation_plus_the_delay() {
        let time = |v: Value, created: u64| {
            let out = pos::render("eth", created, &pos_values(v), &prefunded(), &validators(1)).unwrap();
            let r: GenesisRef = serde_json::from_value(out.get_output("genesis").unwrap()).unwrap();
            r.pos.unwrap().genesis_time
        };
        let unset = json!({"pos": {"genesisTime": 0}});
        // Chains created from 2026-12-07 on wait 300 s; those created before keep 60 s.
        assert_eq!(time(unset.clone(), 1_800_000_000), 1_800_000_300);
        assert_eq!(time(unset.clone(), pos::GENESIS_DEFAULTS_V2 - 1), pos::GENESIS_DEFAULTS_V2 + 59);
        assert_eq!(time(json!({"pos": {"genesisDelay": 60}}), 1_800_000_000), 1_800_000_060);
        assert_eq!(time(json!({"pos": {"genesisTime": 0, "genesisDelay": 300}}), 1_800_000_000), 1_800_000_300);
        // An explicit time wins over the release's.
        assert_eq!(time(json!({"pos": {"genesisTime": 1_767_225_600u64}}), 1_800_000_000), 1_767_225_600);
        // The same release (creation time) always gives the same genesis.
        assert_eq!(time(unset.clone(), 1_800_000_000), time(unset, 1_800_000_000));
    }

    #[test]
    fn proof_of_stake_errors_say_what_to_set() {
        let err = |r: Result<Output, PluginError>| match r {
            Err(PluginError::InvalidValues(m)) | Err(PluginError::MissingInput(m)) => m,
            other => panic!("expected an error, got {other:?}"),
        };
        let no_time: Values = serde_json::from_value(json!({"consensus": "pos"})).unwrap();
        assert!(err(pos::render("eth", 0, &no_time, &prefunded(), &validators(1))).starts_with("pos.genesisTime"));
        let m = err(pos::render("eth", 1_767_225_600, &pos_values(json!({})), &prefunded(), &Validators::default()));
        assert!(m.contains("global.consensus"), "{m}");
        let code = pos_values(json!({"alloc": {A: {"code": "0x00"}}}));
        assert!(err(pos::render("eth", 1_767_225_600, &code, &prefunded(), &validators(1)))
            .starts_with(&format!("alloc.{A}.code")));
    }
}
