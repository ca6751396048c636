//! Deposit data for validators that join a running chain by deposit: for each new index, the
//! key at its EIP-2334 path (m/12381/3600/i/0/0, the same mnemonic as the genesis validators),
//! its `DepositMessage` signed over the deposit domain (the network's GENESIS_FORK_VERSION and
//! a zero genesis validators root), and the `deposit_data_root` the deposit contract checks,
//! in the JSON shape of ethstaker-deposit's (and staking-deposit-cli's) `deposit_data-*.json`.
//!
//! Checked against ethstaker-deposit 1.3.1 with the same mnemonic, indices, withdrawal
//! credentials, amount and fork version (the tests below). The Job that sends the deposits to
//! the deposit contract, and the clients that then run the new keys, are not built yet.

use consensus_genesis::signing;
use consensus_keys::{bls, eip2333::ValidatorKeyDeriver};
use ethwasm_plugin::PluginError;
use serde_json::{json, Value};
use std::ops::Range;

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
}
