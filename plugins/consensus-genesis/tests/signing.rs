//! Deposits and voluntary exits as validators sign them, against the executable consensus specs
//! (eth-consensus-specs 1.7.0a13: `DepositMessage`, `compute_domain`, `compute_signing_root`,
//! `DepositData`, `VoluntaryExit`) and ethstaker-deposit 1.3.1 (`compute_deposit_domain`, its
//! own `DepositData` root), with py_ecc 9.0.0b1 signing; the expected values below were made by
//! those (tests/pos/requirements.txt pins them), not by this crate. Chain 98052's fork versions,
//! the sample network's genesis validators root.
#![allow(clippy::unwrap_used)]

use consensus_genesis::signing;
use consensus_genesis::ForkVersions;
use consensus_keys::bls;

fn hex32(s: &str) -> [u8; 32] {
    hex::decode(s).unwrap().try_into().unwrap()
}

const SK: &str = "263dbd792f5b1be47ed85f8938c0f29586af0d3ac7b977f21c278fe1462040e3";

#[test]
fn deposits_match_the_specs_and_ethstaker_deposit() {
    let sk = hex32(SK);
    let pubkey = bls::public_key(&sk).unwrap();
    assert_eq!(
        hex::encode(pubkey),
        "a491d1b0ecd9bb917989f0e74f0dea0422eac4a873e5e2644f368dffb9a6e20fd6e10c1b77654d067c0618f6e5a7f79a"
    );
    let mut wc = [0u8; 32];
    wc[0] = 1;
    wc[12..].copy_from_slice(&[0x42; 20]);
    let amount = 32_000_000_000;
    let versions = ForkVersions::for_chain(98052);
    assert_eq!(
        hex::encode(signing::deposit_message_root(&pubkey, &wc, amount)),
        "f8aba34d6f61bd8bcfa17e5b401d76b9a912fb364e4b1610ec0886d850442b8d"
    );
    assert_eq!(
        hex::encode(signing::compute_domain(signing::DOMAIN_DEPOSIT, versions.genesis, &[0; 32])),
        "03000000ad7b2e67fbe6032c2056d3bce124cc0e068ed16b9c33971092fbd27c"
    );
    let root = signing::deposit_signing_root(&pubkey, &wc, amount, versions.genesis);
    assert_eq!(hex::encode(root), "764af06ac829aca6d59fd22b8347c84342398cb5afe5971ed9532e5cddf7c2cd");
    let signature = bls::sign(&sk, &root).unwrap();
    assert_eq!(
        hex::encode(signature),
        "839041005ce5af630f59a4a4582b0d88ca8746343421e4ca49ca5daab229ac6f25eea3f93d22a13b421d0fbacb7812680f3d852ff20c129feba3eedf4ff340770d97130d33b9eb5a14c4f787a6e1d47921d1928efda80faa6fd7640f42cd8638"
    );
    assert_eq!(
        hex::encode(signing::deposit_data_root(&pubkey, &wc, amount, &signature)),
        "6df45126b831c0a4738cb483041fee6c1cdfd1ff65a45d7d21fcf99af4201170"
    );
}

#[test]
fn voluntary_exits_sign_over_capella_and_the_genesis_validators_root() {
    let sk = hex32(SK);
    let versions = ForkVersions::for_chain(98052);
    let gvr = hex32("ccdd643e4f6af91fef6336faf085c6d8fadbffa3eae593046b150d7e8848bdd7");
    assert_eq!(
        hex::encode(signing::compute_domain(signing::DOMAIN_VOLUNTARY_EXIT, versions.capella, &gvr)),
        "0400000054688bf1ab691e6d384b4e22253675fdcc03d14b74c1eebdefe5017a"
    );
    let root = signing::voluntary_exit_signing_root(0, 5, versions.capella, &gvr);
    assert_eq!(hex::encode(root), "46160be441f2bbbf494e16f70a07e3bb19901b56d8526b800b51da5676e5953b");
    assert_eq!(
        hex::encode(bls::sign(&sk, &root).unwrap()),
        "8ce57c6c2ba49890df8212d9117d6639a366e5825e2ab2259bc6c4483710f5da68bf3e08691cbd6dba69fe901e9d2bf203910dc40cf49c62b64e9b36d9984a66631dae3e561e4f87df3fb2635c9faf89ac9eb9238c7ccac20dd2bf2e5b965736"
    );
}
