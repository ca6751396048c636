//! BIP-39 known answers: entropy -> mnemonic -> seed (passphrase "TREZOR").

use consensus_keys::{bip39, Error};

/// English vectors from trezor/python-mnemonic `vectors.json`
/// (https://github.com/trezor/python-mnemonic/blob/master/vectors.json): entropy, mnemonic, seed.
const TREZOR_VECTORS: &[(&str, &str, &str)] = &[
    // 16-byte entropy
    (
        "00000000000000000000000000000000",
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
        "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
    ),
    (
        "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
        "legal winner thank year wave sausage worth useful legal winner thank yellow",
        "2e8905819b8723fe2c1d161860e5ee1830318dbf49a83bd451cfb8440c28bd6fa457fe1296106559a3c80937a1c1069be3a3a5bd381ee6260e8d9739fce1f607",
    ),
    (
        "ffffffffffffffffffffffffffffffff",
        "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
        "ac27495480225222079d7be181583751e86f571027b0497b5b5d11218e0a8a13332572917f0f8e5a589620c6f15b11c61dee327651a14c34e18231052e48c069",
    ),
    (
        "9e885d952ad362caeb4efe34a8e91bd2",
        "ozone drill grab fiber curtain grace pudding thank cruise elder eight picnic",
        "274ddc525802f7c828d8ef7ddbcdc5304e87ac3535913611fbbfa986d0c9e5476c91689f9c8a54fd55bd38606aa6a8595ad213d4c9c9f9aca3fb217069a41028",
    ),
    // 24-byte entropy
    (
        "000000000000000000000000000000000000000000000000",
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon agent",
        "035895f2f481b1b0f01fcf8c289c794660b289981a78f8106447707fdd9666ca06da5a9a565181599b79f53b844d8a71dd9f439c52a3d7b3e8a79c906ac845fa",
    ),
    (
        "808080808080808080808080808080808080808080808080",
        "letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter always",
        "107d7c02a5aa6f38c58083ff74f04c607c2d2c0ecc55501dadd72d025b751bc27fe913ffb796f841c49b1d33b610cf0e91d3aa239027f5e99fe4ce9e5088cd65",
    ),
    (
        "6610b25967cdcca9d59875f5cb50b0ea75433311869e930b",
        "gravity machine north sort system female filter attitude volume fold club stay feature office ecology stable narrow fog",
        "628c3827a8823298ee685db84f55caa34b5cc195a778e52d45f59bcf75aba68e4d7590e101dc414bc1bbd5737666fbbef35d1f1903953b66624f910feef245ac",
    ),
    // 32-byte entropy
    (
        "0000000000000000000000000000000000000000000000000000000000000000",
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art",
        "bda85446c68413707090a52022edd26a1c9462295029f2e60cd7c4f2bbd3097170af7a4d73245cafa9c3cca8d561a7c3de6f5d4a10be8ed2a5e608d68f92fcc8",
    ),
    (
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote",
        "dd48c104698c30cfe2b6142103248622fb7bb0ff692eebb00089b32d22484e1613912f0a5b694407be899ffd31ed3992c456cdf60f5d4564b8ba3f05a69890ad",
    ),
    (
        "68a79eaca2324873eacc50cb9c6eca8cc68ea5d936f98787c60c7ebc74e6ce7c",
        "hamster diagram private dutch cause delay private meat slide toddler razor book happy fancy gospel tennis maple dilemma loan word shrug inflict delay length",
        "64c87cde7e12ecf6704ab95bb1408bef047c22db4cc7491c4271d170a1b213d20b385bc1588d9c7b38f1b39d415665b8a9030c9ec653d75e65f847d8fc1fc440",
    ),
];

#[test]
fn trezor_vectors() {
    for (entropy, mnemonic, seed) in TREZOR_VECTORS {
        let entropy = hex::decode(entropy).unwrap();
        assert_eq!(bip39::mnemonic_from_entropy(&entropy).unwrap(), *mnemonic);
        bip39::validate_mnemonic(mnemonic).unwrap();
        assert_eq!(bip39::mnemonic_to_entropy(mnemonic).unwrap(), entropy);
        assert_eq!(hex::encode(bip39::mnemonic_to_seed(mnemonic, "TREZOR").unwrap()), *seed, "{mnemonic}");
    }
}

#[test]
fn entropy_lengths() {
    for len in [0, 15, 17, 31, 33, 64] {
        assert!(
            matches!(bip39::mnemonic_from_entropy(&vec![1u8; len]), Err(Error::InvalidEntropyLength(l)) if l == len)
        );
    }
    for (len, words) in [(16, 12), (20, 15), (24, 18), (28, 21), (32, 24)] {
        let m = bip39::mnemonic_from_entropy(&vec![0xa5u8; len]).unwrap();
        assert_eq!(m.split(' ').count(), words);
        bip39::validate_mnemonic(&m).unwrap();
    }
}

#[test]
fn rejects_bad_mnemonics() {
    // Last word changed: checksum fails.
    let bad_checksum =
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon";
    assert!(matches!(bip39::validate_mnemonic(bad_checksum), Err(Error::InvalidMnemonic(_))));
    assert!(bip39::mnemonic_to_seed(bad_checksum, "").is_err());
    // Unknown word and wrong word count.
    assert!(bip39::validate_mnemonic(
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abaut"
    )
    .is_err());
    assert!(bip39::validate_mnemonic("abandon about").is_err());
    assert!(bip39::validate_mnemonic("").is_err());
}

#[test]
fn whitespace_and_normalisation() {
    // Extra whitespace is not part of the mnemonic sentence; the seed uses single spaces.
    let spaced = "  abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon   about ";
    let canonical = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    assert_eq!(
        bip39::mnemonic_to_seed(spaced, "TREZOR").unwrap(),
        bip39::mnemonic_to_seed(canonical, "TREZOR").unwrap()
    );
    // The passphrase is NFKD-normalised: U+00E9 and "e" + U+0301 give the same seed.
    assert_eq!(
        bip39::mnemonic_to_seed(canonical, "caf\u{e9}").unwrap(),
        bip39::mnemonic_to_seed(canonical, "cafe\u{301}").unwrap()
    );
}
