//! The chain-operation Jobs' and containers' scripts (voluntary exits, deposits, exited keys
//! leaving their client), run as rendered against the stub of `script_tests.rs`.

use super::script_tests::{run_script, serve, try_script, Node, State};
use serde_json::json;
use std::sync::{Arc, Mutex};

/// The exits Job posts each signed exit until the validator's status shows it on chain: a
/// refusal (too young to exit) is retried, an exit already on chain is not posted again.
#[test]
fn the_exits_job_posts_until_each_exit_is_on_chain() {
    let root = tempfile::tempdir().unwrap();
    let state = Arc::new(Mutex::new(State::default()));
    let proxy = serve(state.clone());
    let host = "eth-beacon.chain.svc.cluster.local:5052".to_string();
    let mut node = Node { up: true, ..Node::default() };
    node.statuses.insert("9".into(), "exited_unslashed".into());
    state.lock().unwrap().nodes.insert(host.clone(), node);
    std::fs::create_dir_all(root.path().join("exits")).unwrap();
    for i in [3, 9] {
        let exit = json!({ "message": { "epoch": "0", "validator_index": i.to_string() }, "signature": "0x00" });
        std::fs::write(root.path().join(format!("exits/exit-{i}.json")), exit.to_string()).unwrap();
    }
    let script = super::exits::script(&format!("http://{host}"), 384);
    // Refused at first (the validator is too young), accepted on the second try.
    let accept_later = {
        let state = state.clone();
        let host = host.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            state.lock().unwrap().nodes.get_mut(&host).unwrap().accepts_exits = true;
        })
    };
    let said = run_script(&script, root.path(), &["/exits"], &proxy, &[("EXIT_RETRY_SECONDS", "1")]);
    accept_later.join().unwrap();
    assert!(said.contains("validator 3 (active_ongoing): exit not accepted yet"), "{said}");
    assert!(said.contains("validator 3: exit accepted by the beacon node"), "{said}");
    assert!(said.contains("validator 3: active_exiting (the exit is on chain)"), "{said}");
    assert!(said.contains("validator 9: exited_unslashed (the exit is on chain)"), "{said}");
    let posts = state.lock().unwrap().posts.iter().filter(|(_, b)| b.contains("validator_index")).count();
    assert_eq!(posts, 2, "validator 3 twice (refused, then accepted), validator 9 never: {said}");
}

/// The deposits Job sends each transaction that has no receipt yet, never one that has, waits
/// until each is mined, and fails naming the validator when a deposit's transaction failed.
#[test]
fn the_deposits_job_sends_each_deposit_once_and_fails_on_a_failed_one() {
    let root = tempfile::tempdir().unwrap();
    let state = Arc::new(Mutex::new(State::default()));
    let proxy = serve(state.clone());
    let host = "eth-rpc.chain.svc.cluster.local:8545".to_string();
    let mut node = Node { up: true, ..Node::default() };
    node.receipts.insert("0xa0".into(), "0x1".into());
    node.mines.insert("0x02a0".into(), ("0xa0".into(), "0x1".into()));
    node.mines.insert("0x02b1".into(), ("0xb1".into(), "0x1".into()));
    state.lock().unwrap().nodes.insert(host.clone(), node);
    std::fs::create_dir_all(root.path().join("deposits")).unwrap();
    let lines = "10 0xa0 0x02a0\n11 0xb1 0x02b1\n";
    std::fs::write(root.path().join("deposits/transactions"), lines).unwrap();
    let script = super::deposits::script(&format!("http://{host}"), "0x00000000000000000000000000000000000000aa", 12);
    let env = [("DEPOSIT_WAIT_SECONDS", "0")];
    let said = run_script(&script, root.path(), &["/deposits"], &proxy, &env);
    assert!(said.contains("validator 10: deposited (0xa0)"), "{said}");
    assert!(said.contains("validator 11: deposit sent (0xb1)"), "{said}");
    assert!(said.contains("2 deposits made"), "{said}");
    let sent = |s: &State| s.posts.iter().filter(|(_, b)| b.contains("eth_sendRawTransaction")).count();
    assert_eq!(sent(&state.lock().unwrap()), 1, "validator 10's deposit was mined before: {said}");
    // Again: nothing left to send.
    run_script(&script, root.path(), &["/deposits"], &proxy, &env);
    assert_eq!(sent(&state.lock().unwrap()), 1);
    // A deposit whose transaction reverted fails the Job with its validator.
    state.lock().unwrap().nodes.get_mut(&host).unwrap().mines.insert("0x02c2".into(), ("0xc2".into(), "0x0".into()));
    std::fs::write(root.path().join("deposits/transactions"), format!("{lines}12 0xc2 0x02c2\n")).unwrap();
    let (ok, _, err) = try_script(&script, root.path(), &["/deposits"], &proxy, &env);
    assert!(!ok);
    assert!(err.contains("validator 12: the deposit transaction 0xc2 failed (receipt status 0x0)"), "{err}");
}

/// Keys of validators whose exit is final leave their client at its next start: the `exited`
/// init container records them from the finalized state (an exiting one stays), the layout
/// leaves them out of the client and of the key set the start script compares; with no beacon
/// node answering, what was known stays known.
#[test]
fn exited_keys_leave_their_client_once_the_exit_is_final() {
    let root = tempfile::tempdir().unwrap();
    let state = Arc::new(Mutex::new(State::default()));
    let proxy = serve(state.clone());
    let host = "eth-signer-0-0.eth-geth.chain.svc.cluster.local:5052".to_string();
    let (a, b, c) =
        (format!("0x{}", "aa".repeat(48)), format!("0x{}", "bb".repeat(48)), format!("0x{}", "cc".repeat(48)));
    let mut node = Node { up: true, ..Node::default() };
    node.finalized.insert("3".into(), ("exited_unslashed".into(), a.clone()));
    node.finalized.insert("5".into(), ("active_exiting".into(), b.clone()));
    state.lock().unwrap().nodes.insert(host.clone(), node);
    let exited = super::retired::script(&[3, 5], &[format!("http://{host}")]);
    std::fs::create_dir_all(root.path().join("data/validators")).unwrap();
    std::fs::create_dir_all(root.path().join("keystores")).unwrap();
    let said = run_script(&exited, root.path(), &["/data"], &proxy, &[]);
    assert!(said.contains("exited: 1 of validators 3,5 have exited"), "{said}");
    let file = root.path().join("data/ethwasm-exited");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), format!("{a}\n"));

    for pk in [&a, &b, &c] {
        std::fs::write(root.path().join(format!("keystores/{pk}.json")), "{}").unwrap();
        std::fs::create_dir_all(root.path().join(format!("data/validators/{pk}"))).unwrap();
    }
    std::fs::write(root.path().join("data/ethwasm-keys"), format!("{a}\n{b}\n{c}\n")).unwrap();
    let layout = super::validator::validators_script(3, true);
    let said = run_script(&layout, root.path(), &["/data", "/keystores"], &proxy, &[]);
    assert!(said.contains(&format!("validator {a} has exited (final): its key leaves this client")), "{said}");
    assert!(said.contains("2 validators in"), "{said}");
    assert!(!root.path().join(format!("data/validators/{a}")).exists());
    assert!(root.path().join(format!("data/validators/{b}/voting-keystore.json")).exists());
    assert_eq!(std::fs::read_to_string(root.path().join("data/ethwasm-keys")).unwrap(), format!("{b}\n{c}\n"));

    // No beacon node: the known exits stay known.
    state.lock().unwrap().nodes.get_mut(&host).unwrap().up = false;
    let said = run_script(&exited, root.path(), &["/data"], &proxy, &[]);
    assert!(said.contains("no beacon node answered"), "{said}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), format!("{a}\n"));
}
