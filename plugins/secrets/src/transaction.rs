//! EIP-1559 transactions signed in the sandbox (the deposits of validators that join a running
//! chain): the RLP of EIP-2718 type 2, the signing hash `keccak256(0x02 || rlp([chain_id, nonce,
//! max_priority_fee_per_gas, max_fee_per_gas, gas_limit, to, value, data, access_list]))`, and
//! a low-s secp256k1 signature with its y parity (EIP-1559's "Specification"; EIP-2 for low s).
//!
//! Checked against an independent decoder and signer recovery (tests/pos/crosscheck.py: the
//! `rlp` and `coincurve` packages) and executed by EthereumJS against the rendered genesis
//! (tests/lodestar/deposits.mjs).

use crate::eth::{keccak256, PrivateKey};
use alloy_rlp::{Encodable, Header};
use k256::ecdsa::SigningKey;

/// An EIP-1559 transaction with an empty access list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eip1559 {
    pub chain_id: u64,
    pub nonce: u64,
    pub max_priority_fee_per_gas: u128,
    pub max_fee_per_gas: u128,
    pub gas_limit: u64,
    pub to: [u8; 20],
    /// Wei.
    pub value: u128,
    pub data: Vec<u8>,
}

/// A signed transaction: its bytes (what `eth_sendRawTransaction` takes) and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub raw: Vec<u8>,
    pub hash: [u8; 32],
}

/// EIP-2718's type byte of EIP-1559 transactions.
const TYPE: u8 = 0x02;

/// A big-endian unsigned integer as RLP encodes it: no leading zero bytes.
fn trimmed(bytes: &[u8]) -> &[u8] {
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    &bytes[zeros..]
}

impl Eip1559 {
    /// The fields the signature covers, RLP-encoded one after another (not yet a list).
    fn fields(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.chain_id.encode(&mut out);
        self.nonce.encode(&mut out);
        self.max_priority_fee_per_gas.encode(&mut out);
        self.max_fee_per_gas.encode(&mut out);
        self.gas_limit.encode(&mut out);
        self.to.encode(&mut out);
        self.value.encode(&mut out);
        self.data.as_slice().encode(&mut out);
        // The access list: an empty list.
        Header { list: true, payload_length: 0 }.encode(&mut out);
        out
    }

    /// `TYPE || rlp(list of payload)`.
    fn typed(payload: &[u8]) -> Vec<u8> {
        let mut out = vec![TYPE];
        Header { list: true, payload_length: payload.len() }.encode(&mut out);
        out.extend_from_slice(payload);
        out
    }

    /// The hash the sender signs.
    pub fn signing_hash(&self) -> [u8; 32] {
        keccak256(&Self::typed(&self.fields()))
    }

    /// Signs with `key` (RFC 6979 nonces, so the same transaction always signs the same).
    pub fn sign(&self, key: &PrivateKey) -> Result<Signed, String> {
        let signer = SigningKey::from_bytes(&key.to_bytes().into()).map_err(|e| format!("signing key: {e}"))?;
        let (signature, recovery) =
            signer.sign_prehash_recoverable(&self.signing_hash()).map_err(|e| format!("signing: {e}"))?;
        // k256 signs with a low s (EIP-2) and gives the recovery id that goes with it.
        let (r, s) = (signature.r().to_bytes(), signature.s().to_bytes());
        let mut payload = self.fields();
        u8::from(recovery.is_y_odd()).encode(&mut payload);
        trimmed(&r).encode(&mut payload);
        trimmed(&s).encode(&mut payload);
        let raw = Self::typed(&payload);
        Ok(Signed { hash: keccak256(&raw), raw })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The unsigned fields against RLP written out by hand (an independent decoder and signer
    /// recovery check the signed ones in crosscheck.py).
    #[test]
    fn fields_are_the_rlp_of_eip_1559() {
        let tx = Eip1559 {
            chain_id: 1,
            nonce: 0,
            max_priority_fee_per_gas: 0,
            max_fee_per_gas: 1,
            gas_limit: 21000,
            to: [0x11; 20],
            value: 0,
            data: vec![],
        };
        // 01 80 80 01 825208 94<11 x20> 80 80 c0
        let mut want = vec![0x01, 0x80, 0x80, 0x01, 0x82, 0x52, 0x08, 0x94];
        want.extend([0x11; 20]);
        want.extend([0x80, 0x80, 0xc0]);
        assert_eq!(tx.fields(), want);
        let typed = Eip1559::typed(&want);
        assert_eq!(&typed[..2], &[0x02, 0xc0 + want.len() as u8]);
    }

    #[test]
    fn signing_is_deterministic_and_recoverable() {
        let key = PrivateKey::from_hex(&"11".repeat(32)).unwrap();
        let tx = Eip1559 {
            chain_id: 98052,
            nonce: 7,
            max_priority_fee_per_gas: 1_000_000_000,
            max_fee_per_gas: 100_000_000_000,
            gas_limit: 200_000,
            to: [0x42; 20],
            value: 32_000_000_000_000_000_000,
            data: vec![1, 2, 3],
        };
        let a = tx.sign(&key).unwrap();
        assert_eq!(a, tx.sign(&key).unwrap());
        assert_eq!(a.raw[0], 2);
        // Recover the signer from the signature k256 made, as a node does.
        let payload = &a.raw[1..];
        let mut buf = payload;
        let header = Header::decode(&mut buf).unwrap();
        assert!(header.list);
        let (r, s, parity) = {
            let mut fields: Vec<Vec<u8>> = Vec::new();
            let mut rest = buf;
            while !rest.is_empty() {
                let h = Header::decode(&mut rest).unwrap();
                fields.push(rest[..h.payload_length].to_vec());
                rest = &rest[h.payload_length..];
            }
            let n = fields.len();
            (fields[n - 2].clone(), fields[n - 1].clone(), fields[n - 3].clone())
        };
        let mut sig = [0u8; 64];
        sig[32 - r.len()..32].copy_from_slice(&r);
        sig[64 - s.len()..].copy_from_slice(&s);
        let sig = k256::ecdsa::Signature::from_slice(&sig).unwrap();
        let id = k256::ecdsa::RecoveryId::from_byte(parity.first().copied().unwrap_or(0)).unwrap();
        let vk = k256::ecdsa::VerifyingKey::recover_from_prehash(&tx.signing_hash(), &sig, id).unwrap();
        let point = vk.to_encoded_point(false);
        assert_eq!(&point.as_bytes()[1..], &key.public_key()[..]);
    }
}
