//! Where an empty beacon node starts (`checkpoint.rs`): each client's `sync-from` init script
//! run as rendered against the stub beacon API of `script_tests.rs`, then its beacon
//! container's wrapper with a stand-in client that prints its arguments.

use super::script_tests::{api_host, run_script, serve, via, Node, State};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Runs the `sync-from` init script as pod `pod` with `list` as its peers file, then the beacon
/// container's wrapper with a stand-in `lighthouse` that prints its arguments. Returns (the init
/// script's output, the flags Lighthouse got after `beacon_node`).
fn sync_from(root: &Path, proxy: &str, list: &str, pod: &str) -> (String, String) {
    std::fs::create_dir_all(root.join("peering")).unwrap();
    std::fs::write(root.join("peering/beacon-peers"), via(list, proxy)).unwrap();
    let said = run_script(
        &super::checkpoint::script(&super::checkpoint::lighthouse()),
        root,
        &["/data", "/peering"],
        proxy,
        &[("POD_NAME", pod)],
    );
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("lighthouse"), "#!/bin/sh\nshift\necho \"$@\"\n").unwrap();
    std::fs::set_permissions(bin.join("lighthouse"), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let wrapper = super::checkpoint::wrapper().replace("/data", &format!("{}/data", root.display()));
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = std::process::Command::new("sh")
        .args(["-c", &wrapper, "lighthouse", "beacon_node", "--http"])
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (said, String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Runs client `s`'s `sync-from` script as `pod`, then its beacon container's wrapper (`exec`
/// its executable, the stand-in printing its arguments). Returns (what the script said, the
/// arguments the client got).
fn client_sync_from(
    root: &Path,
    proxy: &str,
    list: &str,
    pod: &str,
    s: &super::checkpoint::SyncFrom,
    exec: &str,
) -> (String, String) {
    std::fs::create_dir_all(root.join("peering")).unwrap();
    std::fs::write(root.join("peering/beacon-peers"), via(list, proxy)).unwrap();
    let said = run_script(&super::checkpoint::script(s), root, &["/data", "/peering"], proxy, &[("POD_NAME", pod)]);
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("client"), "#!/bin/sh\necho \"$@\"\n").unwrap();
    std::fs::set_permissions(bin.join("client"), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let wrapper = super::checkpoint::client_wrapper(exec, s)
        .replace("/data", &format!("{}/data", root.display()))
        .replace(exec, "client");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let out =
        std::process::Command::new("sh").args(["-c", &wrapper, "client", "--http"]).env("PATH", path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (said, String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Teku, Prysm and Lodestar join the same way: a checkpoint of another pair when their
/// database is empty, genesis on a new chain, their own database once they have one. Their
/// decision outlives the database each makes before its download.
#[test]
fn teku_prysm_and_lodestar_beacon_nodes_join_by_a_finalized_checkpoint_too() {
    let state = Arc::new(Mutex::new(State::default()));
    let proxy = serve(state.clone());
    let (a, b) = (api_host("eth-signer-0-0"), api_host("eth-signer-1-0"));
    let list = format!("eth-signer-0-0 id0 http://{a}\neth-signer-1-0 id1 http://{b}\n");
    let set = |finalized: Option<u64>| {
        let mut s = state.lock().unwrap();
        s.nodes.clear();
        if let Some(epoch) = finalized {
            s.nodes.insert(b.clone(), Node { up: true, finalized_epoch: epoch, ..Node::default() });
        }
    };
    let url = format!("http://{proxy}/{b}");
    for (s, exec, db) in [
        (super::teku::sync_from(), "/opt/teku/bin/teku", "data/teku/beacon/db"),
        (super::prysm::sync_from(), "/beacon-chain", "data/prysm/beaconchaindata/beaconchain.db"),
        (super::lodestar::sync_from(), "node /usr/app/packages/cli/bin/lodestar", "data/lodestar/chain-db"),
    ] {
        let root = tempfile::tempdir().unwrap();
        let from_b = format!("--http {}", s.checkpoint.replace("$api", &url));
        let run = |finalized: Option<u64>| {
            set(finalized);
            client_sync_from(root.path(), &proxy, &list, "eth-signer-0-0", &s, exec)
        };
        // A new chain: genesis, no flag.
        let (said, flags) = run(Some(0));
        assert!(said.contains("syncing from genesis"), "{said}");
        assert_eq!(flags, "--http", "{}", s.client);
        // Later: the checkpoint of the pair that has finalized.
        let (said, flags) = run(Some(4000));
        assert!(said.contains("eth-signer-1-0 has finalized epoch 4000"), "{said}");
        assert_eq!(flags, from_b, "{}", s.client);
        // The client made its database, and the first start ended there (no checkpoint yet).
        let path = root.path().join(db);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        if s.client != "Prysm" {
            std::fs::create_dir_all(&path).unwrap();
        } else {
            std::fs::write(&path, b"").unwrap();
        }
        assert!(s.sticky, "{}", s.client);
        let (said, flags) = run(None);
        assert!(said.contains("keeping the checkpoint decided before"), "{said}");
        assert_eq!(flags, from_b, "{} keeps the flag until it has the checkpoint", s.client);
        let (said, flags) = run(Some(4100));
        assert!(said.contains("asking again") && said.contains("finalized epoch 4100"), "{said}");
        assert_eq!(flags, from_b);
        // A database synced from genesis (no decision on the volume) is resumed, whatever the others say.
        std::fs::remove_file(root.path().join(s.file().trim_start_matches('/'))).ok();
        let (said, flags) = run(Some(5000));
        assert!(said.contains(&format!("{} resumes it", s.client)), "{said}");
        assert_eq!(flags, "--http", "{}", s.client);
    }
}

/// A pair whose beacon database is empty syncs from the checkpoint of another pair that has
/// finalized an epoch after genesis, never from itself; the first nodes of a new chain (nobody
/// finalized, or nobody answers) sync from genesis; a node with a database resumes it.
#[test]
fn an_empty_beacon_node_joins_by_a_finalized_checkpoint_of_another_pair() {
    // The init script writes the file the wrapper reads.
    assert_eq!(super::checkpoint::lighthouse().file(), super::checkpoint::SYNC_FROM_FILE);
    let state = Arc::new(Mutex::new(State::default()));
    let proxy = serve(state.clone());
    let (a, b, c) = (api_host("eth-signer-0-0"), api_host("eth-signer-1-0"), api_host("eth-rpc-0"));
    let list = format!("eth-signer-0-0 id0 http://{a}\neth-signer-1-0 id1 http://{b}\neth-rpc-0 id2 http://{c}\n");
    let set = |epochs: [(String, Option<u64>); 3]| {
        let mut s = state.lock().unwrap();
        s.nodes.clear();
        for (host, epoch) in epochs {
            s.nodes.insert(host, Node { up: epoch.is_some(), finalized_epoch: epoch.unwrap_or(0), ..Node::default() });
        }
    };
    // A new chain: nobody has finalized (or answers).
    set([(a.clone(), Some(0)), (b.clone(), None), (c.clone(), Some(0))]);
    let root = tempfile::tempdir().unwrap();
    let (said, flags) = sync_from(root.path(), &proxy, &list, "eth-rpc-0");
    assert!(said.contains("syncing from genesis"), "{said}");
    assert_eq!(flags, "--http --allow-insecure-genesis-sync");
    // Weeks later: signer-1 has finalized; the RPC pod's own line (finalized too) is skipped.
    set([(a.clone(), Some(0)), (b.clone(), Some(4000)), (c.clone(), Some(9999))]);
    let (said, flags) = sync_from(root.path(), &proxy, &list, "eth-rpc-0");
    assert!(said.contains("eth-signer-1-0 has finalized epoch 4000"), "{said}");
    assert_eq!(flags, format!("--http --checkpoint-sync-url=http://{proxy}/{b}"));
    // A database on the volume: resumed, whatever the others say.
    std::fs::create_dir_all(root.path().join("data/lighthouse/beacon/chain_db")).unwrap();
    let (said, flags) = sync_from(root.path(), &proxy, &list, "eth-rpc-0");
    assert!(said.contains("Lighthouse resumes it"), "{said}");
    assert_eq!(flags, "--http --allow-insecure-genesis-sync");
}
