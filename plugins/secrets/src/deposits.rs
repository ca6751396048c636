//! Deposit data for validators that join a running chain by deposit: for each new index, the
//! key at its EIP-2334 path (m/12381/3600/i/0/0, the same mnemonic as the genesis validators),
//! its `DepositMessage` signed over the deposit domain (the network's GENESIS_FORK_VERSION and
//! a zero genesis validators root), and the `deposit_data_root` the deposit contract checks,
//! in the JSON shape of ethstaker-deposit's (and staking-deposit-cli's) `deposit_data-*.json`.
//!
//! Checked against ethstaker-deposit 1.3.1 with the same mnemonic, indices, withdrawal
//! credentials, amount and fork version (the tests below).
//!
//! Each deposit is sent by a transaction signed here too ([`signed_deposits`]): a call of the
//! deposit contract's `deposit(bytes pubkey, bytes withdrawal_credentials, bytes signature,
//! bytes32 deposit_data_root)` with 32 ETH, from the deposit account the genesis funds. The
//! account sends nothing else, so the deposit of validator `i` takes nonce `i - genesis
//! validators`: sending one twice is refused by the nonce, and the order of the nonces is the
//! order in which the beacon chain gives the validators their indices, so a validator's index
//! on chain is its key's EIP-2334 index. The miners plugin's Job sends them.

use crate::eth::{checksum, keccak256, PrivateKey};
use crate::transaction::Eip1559;
use consensus_genesis::signing;
use consensus_keys::{bls, eip2333::ValidatorKeyDeriver};
use ethwasm_ethereum_types::DepositsRef;
use ethwasm_plugin::{k8s, PluginError};
use serde_json::{json, Value};
use std::ops::Range;

/// What a validator deposits: MIN_ACTIVATION_BALANCE, 32 ETH in Gwei.
pub const DEPOSIT_GWEI: u64 = 32_000_000_000;
/// Gas of one deposit transaction: the contract's `deposit` uses under 90,000 (EthereumJS
/// measures it in tests/lodestar/deposits.mjs).
const DEPOSIT_GAS: u64 = 150_000;
/// Fees the transactions offer, wei per gas: a private chain's base fee sits near its floor of
/// 7 wei unless blocks run full, so 100 Gwei leaves room for a loaded chain, and the account pays
/// only the base fee and the tip.
const MAX_FEE_PER_GAS: u128 = 100_000_000_000;
const MAX_PRIORITY_FEE_PER_GAS: u128 = 1_000_000_000;

/// One validator's deposit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepositDatum {
    /// The validator's index (its EIP-2334 path).
    pub index: u32,
    pub pubkey: [u8; 48],
    pub withdrawal_credentials: [u8; 32],
    pub amount_gwei: u64,
    pub signature: [u8; 96],
    pub deposit_message_root: [u8; 32],
    pub deposit_data_root: [u8; 32],
    pub fork_version: [u8; 4],
}

impl DepositDatum {
    /// The entry of a `deposit_data-*.json` file (hex without 0x, as deposit-cli writes it).
    pub fn to_json(&self, network_name: &str) -> Value {
        json!({
            "pubkey": hex::encode(self.pubkey),
            "withdrawal_credentials": hex::encode(self.withdrawal_credentials),
            "amount": self.amount_gwei,
            "signature": hex::encode(self.signature),
            "deposit_message_root": hex::encode(self.deposit_message_root),
            "deposit_data_root": hex::encode(self.deposit_data_root),
            "fork_version": hex::encode(self.fork_version),
            "network_name": network_name,
        })
    }
}

/// The deposits of the validators at `indices`, each of `amount_gwei` to `withdrawal_credentials`.
pub fn deposit_data(
    deriver: &ValidatorKeyDeriver,
    indices: Range<u32>,
    withdrawal_credentials: [u8; 32],
    amount_gwei: u64,
    genesis_fork_version: [u8; 4],
) -> Result<Vec<DepositDatum>, PluginError> {
    indices
        .map(|index| {
            let failed = |e: consensus_keys::Error| PluginError::Failed(format!("deposit of validator {index}: {e}"));
            let sk = deriver.signing_sk(index);
            let pubkey = bls::public_key(&sk).map_err(failed)?;
            let message_root = signing::deposit_message_root(&pubkey, &withdrawal_credentials, amount_gwei);
            let root =
                signing::deposit_signing_root(&pubkey, &withdrawal_credentials, amount_gwei, genesis_fork_version);
            let signature = bls::sign(&sk, &root).map_err(failed)?;
            Ok(DepositDatum {
                index,
                pubkey,
                withdrawal_credentials,
                amount_gwei,
                signature,
                deposit_message_root: message_root,
                deposit_data_root: signing::deposit_data_root(
                    &pubkey,
                    &withdrawal_credentials,
                    amount_gwei,
                    &signature,
                ),
                fork_version: genesis_fork_version,
            })
        })
        .collect()
}

/// The call data of `deposit(bytes,bytes,bytes,bytes32)` for `d` (Solidity's ABI: the three
/// byte strings by offset after the four head words, each a length and its bytes padded to 32).
pub fn call_data(d: &DepositDatum) -> Vec<u8> {
    fn word(n: usize) -> [u8; 32] {
        let mut w = [0u8; 32];
        w[24..].copy_from_slice(&(n as u64).to_be_bytes());
        w
    }
    fn tail(out: &mut Vec<u8>, bytes: &[u8]) {
        out.extend(word(bytes.len()));
        out.extend(bytes);
        out.resize(out.len() + (32 - bytes.len() % 32) % 32, 0);
    }
    let mut tails = Vec::new();
    let mut offsets = Vec::new();
    for bytes in [&d.pubkey[..], &d.withdrawal_credentials[..], &d.signature[..]] {
        offsets.push(4 * 32 + tails.len());
        tail(&mut tails, bytes);
    }
    let mut out = keccak256(b"deposit(bytes,bytes,bytes,bytes32)")[..4].to_vec();
    for o in offsets {
        out.extend(word(o));
    }
    out.extend(d.deposit_data_root);
    out.extend(tails);
    out
}

/// What the deposits are made for.
pub struct DepositRequest<'a> {
    pub release: &'a str,
    /// The validators of the genesis: the first deposit takes nonce 0.
    pub genesis_validators: u32,
    /// The validators that join: `genesis_validators..`.
    pub indices: Range<u32>,
    pub withdrawal_credentials: [u8; 32],
    pub chain_id: u64,
    pub genesis_fork_version: [u8; 4],
    pub deposit_contract: [u8; 20],
}

/// The deposits of `r.indices` and the transactions that send them from `account`: the Secret
/// (`deposit_data.json`, `transactions`) and its reference.
pub fn signed_deposits(
    r: &DepositRequest<'_>,
    deriver: &ValidatorKeyDeriver,
    account: &PrivateKey,
) -> Result<(Value, DepositsRef), PluginError> {
    let data =
        deposit_data(deriver, r.indices.clone(), r.withdrawal_credentials, DEPOSIT_GWEI, r.genesis_fork_version)?;
    let mut lines = String::new();
    for d in &data {
        let tx = Eip1559 {
            chain_id: r.chain_id,
            nonce: u64::from(d.index - r.genesis_validators),
            max_priority_fee_per_gas: MAX_PRIORITY_FEE_PER_GAS,
            max_fee_per_gas: MAX_FEE_PER_GAS,
            gas_limit: DEPOSIT_GAS,
            to: r.deposit_contract,
            value: u128::from(d.amount_gwei) * 1_000_000_000,
            data: call_data(d),
        };
        let signed =
            tx.sign(account).map_err(|e| PluginError::Failed(format!("deposit of validator {}: {e}", d.index)))?;
        lines.push_str(&format!("{} 0x{} 0x{}\n", d.index, hex::encode(signed.hash), hex::encode(&signed.raw)));
    }
    let network = format!("ethwasm-{}", r.chain_id);
    let json = Value::Array(data.iter().map(|d| d.to_json(&network)).collect()).to_string();
    let name = format!("{}-validator-deposits", r.release);
    let secret = k8s::secret(&name, [("deposit_data.json", json.as_str()), ("transactions", lines.as_str())]);
    let reference =
        DepositsRef { secret: name, indices: r.indices.clone().collect(), account: checksum(&account.address_bytes()) };
    Ok((secret, reference))
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus_keys::bip39;

    /// ethstaker-deposit 1.3.1's `Credential(...).deposit_datum_dict` for the mnemonic of 23
    /// "abandon" and "art", indices 64 and 65, 32 ETH to 0x4242...42 (0x01 credentials), genesis
    /// fork version 0x10017f04 (chain 98052's): made by it, not by this crate.
    const ETHSTAKER: [(&str, &str, &str, &str, &str); 2] = [
        (
            "878f919e007e0b5b40188c7870468e0ab66d86e4825c8e1e6240ad325f16b0dd8531e7a1729f92433269fd350b49932f",
            "ac0bd8a84a64f86b99e16d2987b50cf0564a10771e494d44d28fd3bc673509d2f23c94171a22972684bd3d920249bf0419b3ad28e2f0545f06bed7c5bbed995f10e9a4f30833af4080be4a609668815a526fb1543dc7e167cdde6c8f82f11c5e",
            "2b96c6b2caee271a07d081c97552ccfa0e01abc13ba7c47482ef80f3830eb62f",
            "1a78dd53b98c06cc17f7ab2d7afaab2a25401d2e5a7d945bf597937e86374902",
            "10017f04",
        ),
        (
            "b60b6c219f8459e349178ac3bc8dc43755bd7da39f82dbd8f55c47e2d7e072a0bab026ecb93836fa4e46a43749d95d4a",
            "9593a4abbb8aa1ecb2a5330d78e9f7d1862653e9ad7c8b8e63638e6314c0c061343082680d4b728c5719e674f4e248a1108f5707cb03207059e0ffdf7abe26e4104b6ce591d2e34ebd41838e4f9d1e96b16207e51df234b5ac04329d43ed83f6",
            "0bf6372971aa8c0ba3792b51568010a9158b5d921c5a3274bfc6a9d91827a599",
            "f42b716464e15e7fbe15b8393e4067b04a4e10a69a91e893b11cce30b4d59f7e",
            "10017f04",
        ),
    ];

    #[test]
    fn deposit_data_matches_ethstaker_deposit() {
        let words = format!("{}art", "abandon ".repeat(23));
        let seed = bip39::mnemonic_to_seed(&words, "").unwrap();
        let deriver = ValidatorKeyDeriver::from_seed(&seed).unwrap();
        let mut wc = [0u8; 32];
        wc[0] = 1;
        wc[12..].copy_from_slice(&[0x42; 20]);
        let data = deposit_data(&deriver, 64..66, wc, 32_000_000_000, [0x10, 0x01, 0x7f, 0x04]).unwrap();
        for (d, (pubkey, signature, message_root, data_root, fork)) in data.iter().zip(ETHSTAKER) {
            let j = d.to_json("ethwasm-98052");
            assert_eq!(j["pubkey"], pubkey, "validator {}", d.index);
            assert_eq!(j["withdrawal_credentials"], "0100000000000000000000004242424242424242424242424242424242424242");
            assert_eq!(j["amount"], 32_000_000_000u64);
            assert_eq!(j["signature"], signature, "validator {}", d.index);
            assert_eq!(j["deposit_message_root"], message_root);
            assert_eq!(j["deposit_data_root"], data_root);
            assert_eq!(j["fork_version"], fork);
        }
    }

    #[test]
    fn call_data_is_the_abi_of_deposit() {
        let d = DepositDatum {
            index: 0,
            pubkey: [0xaa; 48],
            withdrawal_credentials: [0xbb; 32],
            amount_gwei: DEPOSIT_GWEI,
            signature: [0xcc; 96],
            deposit_message_root: [0; 32],
            deposit_data_root: [0xdd; 32],
            fork_version: [0; 4],
        };
        let c = call_data(&d);
        // The selector of deposit(bytes,bytes,bytes,bytes32) as the deposit contract's ABI lists it.
        assert_eq!(hex::encode(&c[..4]), "22895118");
        assert_eq!(c.len(), 4 + 4 * 32 + (32 + 64) + (32 + 32) + (32 + 96));
        let word = |i: usize| &c[4 + 32 * i..4 + 32 * (i + 1)];
        assert_eq!(word(0)[31], 0x80);
        assert_eq!(word(1)[31], 0xe0);
        assert_eq!((word(2)[30], word(2)[31]), (0x01, 0x20));
        assert_eq!(word(3), &[0xdd; 32]);
        assert_eq!(word(4)[31], 48);
        assert_eq!(word(5), &[0xaa; 32]);
        assert_eq!(&word(6)[..16], &[0xaa; 16]);
        assert_eq!(&word(6)[16..], &[0; 16]);
    }
}
