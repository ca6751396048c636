//! Independent derivations the proof-of-stake chart tests compare the render against: libp2p
//! peer ids (secp256k1 compressed key → protobuf → identity multihash → base58btc), the EIP-2335
//! keystore checksum that proves a password opens a keystore, and the validators of the SSZ
//! genesis BeaconState. Only secp256k1 and sha256 come from elsewhere (the secrets plugin's
//! `PrivateKey`, the host's `sha256`).

use ethwasm::plugin::sha256;
use ethwasm_plugin_secrets::eth::PrivateKey;
use serde_json::Value;

const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Base58 with the Bitcoin alphabet (libp2p's base58btc); leading zero bytes become `1`s.
pub fn base58(bytes: &[u8]) -> String {
    let mut digits: Vec<u8> = Vec::new(); // little-endian base-58 digits
    for &b in bytes {
        let mut carry = u32::from(b);
        for d in digits.iter_mut() {
            carry += u32::from(*d) << 8;
            *d = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    let mut out = "1".repeat(zeros);
    out.extend(digits.iter().rev().map(|&d| BASE58[d as usize] as char));
    out
}

/// The libp2p peer id of a raw 32-byte secp256k1 key, as Lighthouse derives it from its
/// network key file.
pub fn peer_id(secret: &[u8]) -> String {
    let key = PrivateKey::from_bytes(secret).expect("a valid secp256k1 secret");
    let xy = key.public_key();
    // SEC1 compression: 0x02 for an even y, 0x03 for an odd one, then x.
    let mut compressed = vec![0x02 | (xy[63] & 1)];
    compressed.extend_from_slice(&xy[..32]);
    // libp2p PublicKey protobuf: field 1 KeyType = Secp256k1 (2), field 2 the 33 key bytes.
    let mut proto = vec![0x08, 0x02, 0x12, 33];
    proto.extend_from_slice(&compressed);
    // 37 bytes (at most 42): the identity multihash (code 0x00, length) of the protobuf.
    let mut multihash = vec![0x00, proto.len() as u8];
    multihash.extend_from_slice(&proto);
    base58(&multihash)
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&sha256(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    inner.extend_from_slice(msg);
    let mut outer: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    outer.extend_from_slice(&sha256(&inner));
    sha256(&outer)
}

/// PBKDF2-HMAC-SHA256 for a 32-byte key (one block).
fn pbkdf2_sha256(password: &[u8], salt: &[u8], c: u64) -> [u8; 32] {
    let mut u = hmac_sha256(password, &[salt, &1u32.to_be_bytes()].concat());
    let mut t = u;
    for _ in 1..c {
        u = hmac_sha256(password, &u);
        t.iter_mut().zip(u).for_each(|(t, u)| *t ^= u);
    }
    t
}

fn unhex(text: &str) -> Vec<u8> {
    let text = text.trim_start_matches("0x");
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex")).collect()
}

/// Whether `password` opens an EIP-2335 keystore: its checksum is sha256(dk[16..32] ‖ cipher)
/// under the key the KDF derives (pbkdf2 only, the chart's default).
pub fn opens(keystore: &Value, password: &str) -> bool {
    // EIP-2335 normalises passwords (NFKD, control codes dropped); printable ASCII is unchanged.
    assert!(password.bytes().all(|b| b.is_ascii_graphic()), "the password needs EIP-2335 normalisation");
    let crypto = &keystore["crypto"];
    let kdf = &crypto["kdf"];
    assert_eq!(kdf["function"], "pbkdf2", "only pbkdf2 keystores are checked here");
    let p = &kdf["params"];
    assert_eq!((&p["prf"], &p["dklen"]), (&Value::from("hmac-sha256"), &Value::from(32)));
    let dk = pbkdf2_sha256(password.as_bytes(), &unhex(p["salt"].as_str().unwrap()), p["c"].as_u64().unwrap());
    let cipher = unhex(crypto["cipher"]["message"].as_str().unwrap());
    let sum = sha256(&[&dk[16..], cipher.as_slice()].concat());
    unhex(crypto["checksum"]["message"].as_str().unwrap()) == sum
}

/// `genesis_time` and the validators' public keys (`0x…`, in index order) of an SSZ
/// BeaconState, read at the offsets phase 0 fixed and later forks kept (mainnet preset).
pub fn genesis_validators(state: &[u8]) -> (u64, Vec<String>) {
    // SLOTS_PER_HISTORICAL_ROOT roots each in block_roots and state_roots.
    const HISTORICAL_ROOTS: usize = 8192 * 32;
    // genesis_time, genesis_validators_root, slot, fork, latest_block_header, block_roots,
    // state_roots, historical_roots (offset), eth1_data, eth1_data_votes (offset),
    // eth1_deposit_index; then the offsets of validators and balances.
    let validators_at = 8 + 32 + 8 + 16 + 112 + 2 * HISTORICAL_ROOTS + 4 + 72 + 4 + 8;
    let u32_at = |i: usize| u32::from_le_bytes(state[i..i + 4].try_into().unwrap()) as usize;
    let (start, end) = (u32_at(validators_at), u32_at(validators_at + 4));
    // pubkey, withdrawal_credentials, effective_balance, slashed, four epochs.
    const VALIDATOR: usize = 48 + 32 + 8 + 1 + 4 * 8;
    assert!(start <= end && end <= state.len() && (end - start) % VALIDATOR == 0, "not a BeaconState");
    let pubkeys = state[start..end]
        .chunks(VALIDATOR)
        .map(|v| format!("0x{}", v[..48].iter().map(|b| format!("{b:02x}")).collect::<String>()))
        .collect();
    (u64::from_le_bytes(state[..8].try_into().unwrap()), pubkeys)
}
