//! BLS signatures against py_ecc 9.0.0b1's `G2ProofOfPossession.Sign` (the implementation the
//! consensus specs run with; its version is pinned in tests/pos/requirements.txt). The expected
//! signatures were made by py_ecc, not by this crate; the zero-message case of the second key is
//! also the consensus-spec-tests `bls/sign` vector.
#![allow(clippy::unwrap_used)]

use consensus_keys::bls;

fn sk(hex_scalar: &str) -> [u8; 32] {
    let bytes = hex::decode(format!("{hex_scalar:0>64}")).unwrap();
    bytes.try_into().unwrap()
}

const CASES: [(&str, &str, &str); 9] = [
    ("1", "0000000000000000000000000000000000000000000000000000000000000000", "97502412bcfc3f1d88b71f1ad9b60fa37c332d19466fba1dc991d42bcd09bcd9f1c22a562646ffce0922793b6c69938b076e5cd6cfb3c361fc767e5f40ce05486e1668825ffeecab89d7daa455a179736a387ae93b9b15d283d45ffa14cd4af7"),
    ("1", "abababababababababababababababababababababababababababababababab", "979451d90ade914f7a6ffc5062914af990af297abdebf81dcebcaff93a5cb959e7f5db624bc8abb8cdb2660374c86a350bc0f071f2d0655a5edbf6b9208a6649d3309b8692d2f55bde74c52cc2de0fed2bb60b4c45935b11c32827da1b80cb8f"),
    ("1", "6574687761736d", "83194e6a14a2d4b8703671da72a41796f17b7108892f49a773ae9d0a38d0aa1940787f7ca0a84d28da9299175fef70a5100ad1872573820f669a681e6fb26921b87b21acba5e7e2e25e804fd13dd540481c2f9c1255983db8a255609fe3d03d4"),
    ("263dbd792f5b1be47ed85f8938c0f29586af0d3ac7b977f21c278fe1462040e3", "0000000000000000000000000000000000000000000000000000000000000000", "b6ed936746e01f8ecf281f020953fbf1f01debd5657c4a383940b020b26507f6076334f91e2366c96e9ab279fb5158090352ea1c5b0c9274504f4f0e7053af24802e51e4568d164fe986834f41e55c8e850ce1f98458c0cfc9ab380b55285a55"),
    ("263dbd792f5b1be47ed85f8938c0f29586af0d3ac7b977f21c278fe1462040e3", "abababababababababababababababababababababababababababababababab", "91347bccf740d859038fcdcaf233eeceb2a436bcaaee9b2aa3bfb70efe29dfb2677562ccbea1c8e061fb9971b0753c240622fab78489ce96768259fc01360346da5b9f579e5da0d941e4c6ba18a0e64906082375394f337fa1af2b7127b0d121"),
    ("263dbd792f5b1be47ed85f8938c0f29586af0d3ac7b977f21c278fe1462040e3", "6574687761736d", "a64976e3dbb999fe949cb8caf2b18a06a887ed8c584f22fa071c9268c63af1e6b7fe00a27294558f3408bc110e89122407a763faa10ccb63b37db5d484297b6572a6509874250b5fb5d6caa51db9461e6f01d815b448798752836a18944aa65b"),
    ("47b8192d77bf871b62e87859d653922725724a5c031afeabc60bcef5ff665138", "0000000000000000000000000000000000000000000000000000000000000000", "b23c46be3a001c63ca711f87a005c200cc550b9429d5f4eb38d74322144f1b63926da3388979e5321012fb1a0526bcd100b5ef5fe72628ce4cd5e904aeaa3279527843fae5ca9ca675f4f51ed8f83bbf7155da9ecc9663100a885d5dc6df96d9"),
    ("47b8192d77bf871b62e87859d653922725724a5c031afeabc60bcef5ff665138", "abababababababababababababababababababababababababababababababab", "9674e2228034527f4c083206032b020310face156d4a4685e2fcaec2f6f3665aa635d90347b6ce124eb879266b1e801d185de36a0a289b85e9039662634f2eea1e02e670bc7ab849d006a70b2f93b84597558a05b879c8d445f387a5d5b653df"),
    ("47b8192d77bf871b62e87859d653922725724a5c031afeabc60bcef5ff665138", "6574687761736d", "a9905dc0a13d4e35596814f5724bb31ce294b2f49664e699dbc3862e2b4a3d0224e71d773f295c6820091e17bc7b5f3a06d679d03ec754e27691c9cf043941a9017ec645b271507ce21c8a33a58da5f02a95c0ebaf2e9bb0a848c27d3ff66c75"),
];

#[test]
fn signatures_match_py_ecc_and_verify() {
    for (key, message, want) in CASES {
        let (key, message) = (sk(key), hex::decode(message).unwrap());
        let signature = bls::sign(&key, &message).unwrap();
        assert_eq!(hex::encode(signature), want, "sk {}", hex::encode(key));
        let pubkey = bls::public_key(&key).unwrap();
        assert!(bls::verify(&pubkey, &message, &signature));
        assert!(!bls::verify(&pubkey, b"another message", &signature), "a signature covers its message only");
    }
    assert!(bls::sign(&[0u8; 32], b"m").is_err(), "the zero key signs nothing");
}
