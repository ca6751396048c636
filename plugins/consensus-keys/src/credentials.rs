//! Withdrawal credentials of a deposit: `0x00` (BLS key), `0x01` and `0x02` (execution address).

use crate::{Error, PublicKey, Result};
use sha2::{Digest, Sha256};

/// Prefix of credentials that commit to a BLS withdrawal key.
pub const BLS_WITHDRAWAL_PREFIX: u8 = 0x00;
/// Prefix of credentials that pay out to an execution address (phase0/Capella).
pub const ETH1_ADDRESS_WITHDRAWAL_PREFIX: u8 = 0x01;
/// Prefix of compounding credentials to an execution address (Electra, EIP-7251).
pub const COMPOUNDING_WITHDRAWAL_PREFIX: u8 = 0x02;

/// `0x00 || sha256(withdrawal_pubkey)[1..]`.
pub fn bls_withdrawal_credentials(withdrawal_pubkey: &PublicKey) -> [u8; 32] {
    let mut creds: [u8; 32] = Sha256::digest(withdrawal_pubkey).into();
    creds[0] = BLS_WITHDRAWAL_PREFIX;
    creds
}

/// `0x01 || 11 zero bytes || address`.
pub fn eth1_address_withdrawal_credentials(address: &[u8; 20]) -> [u8; 32] {
    address_credentials(ETH1_ADDRESS_WITHDRAWAL_PREFIX, address)
}

/// `0x02 || 11 zero bytes || address`.
pub fn compounding_withdrawal_credentials(address: &[u8; 20]) -> [u8; 32] {
    address_credentials(COMPOUNDING_WITHDRAWAL_PREFIX, address)
}

fn address_credentials(prefix: u8, address: &[u8; 20]) -> [u8; 32] {
    let mut creds = [0u8; 32];
    creds[0] = prefix;
    creds[12..].copy_from_slice(address);
    creds
}

/// Parses `0x` + 40 hex digits (any case, checksum not checked) into an execution address.
pub fn parse_execution_address(address: &str) -> Result<[u8; 20]> {
    let invalid = || Error::InvalidAddress(address.to_string());
    let digits = address.strip_prefix("0x").or_else(|| address.strip_prefix("0X")).ok_or_else(invalid)?;
    let mut out = [0u8; 20];
    hex::decode_to_slice(digits, &mut out).map_err(|_| invalid())?;
    Ok(out)
}
