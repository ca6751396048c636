//! The pods' HTTP-speaking scripts (the peering sidecar and the first-start check), run as
//! rendered against a stub beacon API: busybox's `sh`, `wget`, `timeout` and `sed` (what the
//! geth image, Alpine, has) when busybox is installed, which CI makes sure of; else the
//! system's. One stub plays every beacon node: each `http://HOST/...` of a script (and of the
//! peer list) becomes `http://STUB/HOST/...`. (Not a proxy: busybox's wget sends a POST through
//! a proxy as a GET.)

use super::tests::{client_line, container, find, run, world};
use super::*;
use crate::Values;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// One beacon node as the stub plays it.
#[derive(Clone, Default)]
pub(super) struct Node {
    pub(super) peer_id: String,
    pub(super) enr: String,
    /// Answers at all.
    pub(super) up: bool,
    pub(super) syncing: bool,
    /// Peers it is connected to (peer ids).
    pub(super) connected: Vec<String>,
    /// Epochs in which any of the asked validators was live.
    pub(super) live_epochs: Vec<u64>,
    /// The epoch of its finalized checkpoint.
    pub(super) finalized_epoch: u64,
    /// Validator statuses at the head, by index.
    pub(super) statuses: BTreeMap<String, String>,
    /// Whether it accepts a voluntary exit into its pool (then the validator is `active_exiting`).
    pub(super) accepts_exits: bool,
    /// JSON-RPC (an execution node): receipt statuses by transaction hash, and what each raw
    /// transaction it is sent turns into (its hash, its receipt's status once mined).
    pub(super) receipts: BTreeMap<String, String>,
    pub(super) mines: BTreeMap<String, (String, String)>,
    /// Validators in its finalized state, by index: (status, public key).
    pub(super) finalized: BTreeMap<String, (String, String)>,
}

#[derive(Default)]
pub(super) struct State {
    /// By `host:port`.
    pub(super) nodes: BTreeMap<String, Node>,
    /// (node, body) of every POST.
    pub(super) posts: Vec<(String, String)>,
    /// (node, query) of every Lodestar `connect_peer`.
    pub(super) connects: Vec<(String, String)>,
}

/// Serves one request as the beacon node `host` would.
fn answer(state: &mut State, method: &str, host: &str, path: &str, body: String) -> (u16, String) {
    let Some(node) = state.nodes.get(host).cloned() else { return (502, "no such host".into()) };
    if !node.up {
        return (502, "connection refused".into());
    }
    if method == "POST" {
        state.posts.push((host.to_string(), body));
    }
    match (method, path.split('?').next().unwrap_or("")) {
        ("GET", "/eth/v1/node/identity") => (
            200,
            json!({ "data": { "peer_id": node.peer_id, "enr": node.enr, "p2p_addresses": [],
                              "discovery_addresses": [], "metadata": { "seq_number": "1" } } })
            .to_string(),
        ),
        ("GET", "/eth/v1/node/peers") => {
            let peers: Vec<Value> = node
                .connected
                .iter()
                .map(|id| json!({ "peer_id": id, "enr": null, "state": "connected", "direction": "outbound" }))
                .collect();
            (200, json!({ "data": peers, "meta": { "count": peers.len() } }).to_string())
        }
        ("GET", "/eth/v1/node/syncing") => (
            200,
            json!({ "data": { "head_slot": "100", "sync_distance": if node.syncing { "90" } else { "0" },
                              "is_syncing": node.syncing, "is_optimistic": false, "el_offline": false } })
            .to_string(),
        ),
        ("GET", "/eth/v1/beacon/states/finalized/finality_checkpoints") => {
            let cp = |epoch: u64| json!({ "epoch": epoch.to_string(), "root": format!("0x{}", "00".repeat(32)) });
            let e = node.finalized_epoch;
            // Compact, as Lighthouse writes it; note the top-level `finalized` flag.
            let data = json!({ "previous_justified": cp(e), "current_justified": cp(e + 1), "finalized": cp(e) });
            (200, json!({ "execution_optimistic": false, "finalized": false, "data": data }).to_string())
        }
        ("GET", p) if p.starts_with("/eth/v1/beacon/states/head/validators/") => {
            let index = p.rsplit('/').next().unwrap().to_string();
            let status = node.statuses.get(&index).cloned().unwrap_or_else(|| "active_ongoing".into());
            (200, json!({ "data": { "index": index, "status": status } }).to_string())
        }
        ("POST", "/eth/v1/beacon/pool/voluntary_exits") => {
            let body: Value = serde_json::from_str(&state.posts.last().unwrap().1).unwrap();
            let index = body["message"]["validator_index"].as_str().unwrap().to_string();
            if !node.accepts_exits {
                return (
                    400,
                    json!({ "code": 400, "message": "validator has not been active long enough" }).to_string(),
                );
            }
            state.nodes.get_mut(host).unwrap().statuses.insert(index, "active_exiting".into());
            (200, "".into())
        }
        ("GET", "/eth/v1/beacon/states/finalized/validators") => {
            let ids = path.split("id=").nth(1).unwrap_or("").split('&').next().unwrap_or("");
            let data: Vec<Value> = ids
                .split(',')
                .filter_map(|i| node.finalized.get(i).map(|(status, pk)| (i, status, pk)))
                .map(|(i, status, pk)| {
                    json!({ "index": i, "balance": "32000000000", "status": status,
                            "validator": { "pubkey": pk, "slashed": false, "exit_epoch": "10" } })
                })
                .collect();
            (
                200,
                serde_json::to_string_pretty(
                    &json!({ "execution_optimistic": false, "finalized": true, "data": data }),
                )
                .unwrap(),
            )
        }
        ("POST", "/lighthouse/add_peer") => (200, "null".into()),
        ("POST", "/prysm/node/trusted_peers") => (200, "".into()),
        ("POST", "/eth/v1/lodestar/connect_peer") => {
            let query = path.split_once('?').map_or("", |(_, q)| q).to_string();
            state.connects.push((host.to_string(), query));
            (200, "".into())
        }
        ("POST", "" | "/") => {
            let call: Value = serde_json::from_str(&state.posts.last().unwrap().1).unwrap();
            let param = call["params"][0].as_str().unwrap_or_default().to_string();
            let result = match call["method"].as_str().unwrap_or_default() {
                "eth_getTransactionReceipt" => {
                    node.receipts.get(&param).map_or(Value::Null, |s| json!({ "status": s, "transactionHash": param }))
                }
                "eth_sendRawTransaction" => {
                    let Some((hash, status)) = node.mines.get(&param).cloned() else {
                        return (200, json!({ "jsonrpc": "2.0", "id": 1, "error": { "code": -32000, "message": "nonce too low" } }).to_string());
                    };
                    state.nodes.get_mut(host).unwrap().receipts.insert(hash.clone(), status);
                    json!(hash)
                }
                "eth_getTransactionCount" => json!("0x2"),
                m => panic!("unexpected JSON-RPC method {m}"),
            };
            (200, json!({ "jsonrpc": "2.0", "id": 1, "result": result }).to_string())
        }
        ("POST", p) if p.starts_with("/eth/v1/validator/liveness/") => {
            let epoch: u64 = p.rsplit('/').next().unwrap().parse().unwrap();
            let indices: Vec<String> = serde_json::from_str(&state.posts.last().unwrap().1).unwrap();
            let live = node.live_epochs.contains(&epoch);
            let data: Vec<Value> = indices.iter().map(|i| json!({ "index": i, "is_live": live })).collect();
            (200, json!({ "data": data }).to_string())
        }
        _ => (404, format!("no route {method} {path}")),
    }
}

/// Starts the stub proxy; returns its address.
pub(super) fn serve(state: Arc<Mutex<State>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut length = 0;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    if k.eq_ignore_ascii_case("content-length") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            // `GET /host:port/path HTTP/1.1`.
            let mut parts = line.split_whitespace();
            let (method, url) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let rest = url.strip_prefix('/').unwrap_or(url);
            let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let (status, text) =
                answer(&mut state.lock().unwrap(), method, host, path, String::from_utf8_lossy(&body).into_owned());
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    });
    addr
}

/// A directory of busybox applets to put first on PATH, when busybox is installed.
fn applets(root: &Path) -> Option<PathBuf> {
    let busybox = ["/bin/busybox", "/usr/bin/busybox"].into_iter().find(|p| Path::new(p).exists());
    let Some(busybox) = busybox else {
        assert!(std::env::var_os("CI").is_none(), "CI runs these scripts with busybox: install it (apt busybox)");
        return None;
    };
    let dir = root.join("applets");
    std::fs::create_dir_all(&dir).unwrap();
    for applet in ["sh", "wget", "timeout", "sed", "tr", "grep", "sleep", "date", "cat", "rm", "printf", "echo"] {
        let _ = std::os::unix::fs::symlink(busybox, dir.join(applet));
    }
    Some(dir)
}

/// `text` with every URL sent to the stub at `stub`.
pub(super) fn via(text: &str, stub: &str) -> String {
    text.replace("http://", &format!("http://{stub}/"))
}

/// Runs `script` (its absolute `moved` dirs under `root`) against the stub at `stub`.
pub(super) fn run_script(script: &str, root: &Path, moved: &[&str], stub: &str, env: &[(&str, &str)]) -> String {
    let (ok, stdout, stderr) = try_script(script, root, moved, stub, env);
    assert!(ok, "script failed: {stderr}");
    stdout
}

/// Runs `script` as [`run_script`] does: whether it succeeded, its output and its errors.
pub(super) fn try_script(
    script: &str,
    root: &Path,
    moved: &[&str],
    stub: &str,
    env: &[(&str, &str)],
) -> (bool, String, String) {
    let mut s = via(script, stub);
    for dir in moved {
        s = s.replace(dir, &format!("{}{dir}", root.display()));
    }
    let path = std::env::var("PATH").unwrap_or_default();
    let path = match applets(root) {
        Some(dir) => format!("{}:{path}", dir.display()),
        None => path,
    };
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&s)
        .env("PATH", path)
        .env_remove("http_proxy")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

pub(super) fn api_host(pod: &str) -> String {
    format!("{pod}.eth-geth.chain.svc.cluster.local:5052")
}

#[test]
fn the_peering_sidecar_dials_missing_peers_by_their_current_enr_and_heals_after_a_restart() {
    let w = world(3, 1, 6, json!({}));
    let m = run(&w, &Values::default()).manifests();
    let sts = find(&m, "StatefulSet", "eth-signer-0");
    let script = container(sts, "peering")["command"][2].as_str().unwrap().to_string();
    let list = find(&m, "ConfigMap", "eth-geth-config")["data"]["beacon-peers"].as_str().unwrap().to_string();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("peering")).unwrap();

    let ids: BTreeMap<String, String> =
        w.inputs.validators.beacon_nodes.iter().map(|b| (b.pod.clone(), b.peer_id.clone())).collect();
    let state = Arc::new(Mutex::new(State::default()));
    {
        let mut s = state.lock().unwrap();
        s.nodes.insert("127.0.0.1:5052".into(), Node { up: true, ..Node::default() });
        for (pod, id) in &ids {
            let node = Node { peer_id: id.clone(), enr: format!("enr:-{pod}-first"), up: true, ..Node::default() };
            s.nodes.insert(api_host(pod), node);
        }
        // signer-1 is not up yet; eth-rpc-0 answers with another node's identity.
        s.nodes.get_mut(&api_host("eth-signer-1-0")).unwrap().up = false;
        s.nodes.get_mut(&api_host("eth-rpc-0")).unwrap().peer_id = "16Uiu2someoneelse".into();
    }
    let proxy = serve(state.clone());
    std::fs::write(tmp.path().join("peering/beacon-peers"), via(&list, &proxy)).unwrap();
    let once = [("POD_NAME", "eth-signer-0-0"), ("REPAIR_ROUNDS", "1")];
    let out = run_script(&script, tmp.path(), &["/peering"], &proxy, &once);
    let added = |s: &State| s.posts.iter().map(|(h, b)| format!("{h} {b}")).collect::<Vec<_>>();
    assert_eq!(
        added(&state.lock().unwrap()),
        [r#"127.0.0.1:5052 {"enr":"enr:-eth-signer-2-0-first"}"#],
        "only the reachable peer with the right id, never itself:\n{out}"
    );
    assert!(out.contains("eth-signer-1-0: not connected, and its beacon API does not answer yet"), "{out}");
    assert!(out.contains("eth-rpc-0: its beacon API reports another peer id"), "{out}");

    // Connected to signer-2 now, signer-1 came up; then signer-2's pod is recreated (a new IP, a
    // new ENR) and the connection drops: the next round hands over the new ENR.
    {
        let mut s = state.lock().unwrap();
        s.posts.clear();
        s.nodes.get_mut(&api_host("eth-signer-1-0")).unwrap().up = true;
        s.nodes.get_mut("127.0.0.1:5052").unwrap().connected = vec![ids["eth-signer-2-0"].clone()];
    }
    run_script(&script, tmp.path(), &["/peering"], &proxy, &once);
    assert_eq!(added(&state.lock().unwrap()), [r#"127.0.0.1:5052 {"enr":"enr:-eth-signer-1-0-first"}"#]);
    {
        let mut s = state.lock().unwrap();
        s.posts.clear();
        s.nodes.get_mut(&api_host("eth-signer-2-0")).unwrap().enr = "enr:-eth-signer-2-0-restarted".into();
        s.nodes.get_mut("127.0.0.1:5052").unwrap().connected = vec![ids["eth-signer-1-0"].clone()];
    }
    run_script(&script, tmp.path(), &["/peering"], &proxy, &once);
    assert_eq!(added(&state.lock().unwrap()), [r#"127.0.0.1:5052 {"enr":"enr:-eth-signer-2-0-restarted"}"#]);

    // Its own beacon node not answering yet: nothing is asked of anyone.
    {
        let mut s = state.lock().unwrap();
        s.posts.clear();
        s.nodes.get_mut("127.0.0.1:5052").unwrap().up = false;
    }
    run_script(&script, tmp.path(), &["/peering"], &proxy, &once);
    assert!(state.lock().unwrap().posts.is_empty());
}

/// The first-start decision for validator client 0 of a network whose genesis was
/// `since_genesis` seconds ago, with the beacon nodes `setup` makes; and the flags the start
/// script then passes.
fn first_start(since_genesis: i64, setup: impl Fn(&mut State, &[String])) -> (String, String) {
    first_start_later(since_genesis, setup, None, "0")
}

/// A change the stub makes to itself a while after the check starts.
type Later = Box<dyn FnOnce(&mut State) + Send>;

/// [`first_start`], with `later` applied 2 s in, and `FIRST_START_WAIT=wait`.
fn first_start_later(
    since_genesis: i64,
    setup: impl Fn(&mut State, &[String]),
    later: Option<Later>,
    wait: &str,
) -> (String, String) {
    let mut w = world(4, 1, 8, json!({}));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    w.inputs.genesis.pos.as_mut().unwrap().genesis_time = (now - since_genesis) as u64;
    let m = run(&w, &Values::default()).manifests();
    let sts = find(&m, "StatefulSet", "eth-validator-0");
    let init = container(sts, "first-start")["command"][2].as_str().unwrap().to_string();
    let pods: Vec<String> = w.inputs.validators.beacon_nodes.iter().map(|b| b.pod.clone()).collect();
    let state = Arc::new(Mutex::new(State::default()));
    for pod in &pods {
        state.lock().unwrap().nodes.insert(api_host(pod), Node { up: true, ..Node::default() });
    }
    setup(&mut state.lock().unwrap(), &pods);
    if let Some(later) = later {
        let state = state.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_secs(2));
            later(&mut state.lock().unwrap());
        });
    }
    let proxy = serve(state);
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("data/validators/0xaa")).unwrap();
    let log = run_script(&init, tmp.path(), &["/data"], &proxy, &[("FIRST_START_WAIT", wait)]);
    // The start script, with a stand-in lighthouse that prints its arguments.
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("lighthouse"), "#!/bin/sh\necho \"$@\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(bin.join("lighthouse"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let start = container(sts, "validator")["command"][2]
        .as_str()
        .unwrap()
        .replace("/data", &format!("{}/data", tmp.path().display()));
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(start)
        .arg("lighthouse")
        .arg("validator_client")
        .env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!tmp.path().join("data/ethwasm-doppelganger").exists(), "the decision is read once");
    (log, String::from_utf8_lossy(&out.stdout).into_owned())
}

const EPOCH: i64 = 32 * 12;

#[test]
fn a_first_start_skips_the_doppelganger_wait_only_before_any_key_could_have_signed() {
    let waits = |flags: &str| flags.contains("--init-slashing-protection --enable-doppelganger-protection");
    let skips = |flags: &str| client_line(flags).ends_with("--init-slashing-protection");

    // Before genesis: nothing can have signed, no beacon node is asked.
    let (log, flags) = first_start(-600, |s, _| s.nodes.clear());
    assert!(log.contains("skip: genesis is"), "{log}");
    assert!(skips(&flags), "{flags}");

    // Three epochs in, its own beacon node synced, no key live lately: skip.
    let (log, flags) = first_start(3 * EPOCH + 30, |_, _| {});
    assert!(log.contains("skip: first start in epoch 3; no validator of 0-1 was live in epochs 2..3 (asked:"), "{log}");
    assert!(skips(&flags), "{flags}");

    // A key of the slice live in the previous epoch (a doppelganger, or this client before
    // its volume was lost): wait.
    let (log, flags) = first_start(3 * EPOCH + 30, |s, _| {
        for n in s.nodes.values_mut() {
            n.live_epochs = vec![2];
        }
    });
    assert!(log.contains("wait: a validator of 0-1 was live in epoch 2"), "{log}");
    assert!(waits(&flags), "{flags}");

    // Its own beacon node still syncing: the others (its fallbacks) answer.
    let (log, flags) = first_start(EPOCH + 30, |s, pods| {
        s.nodes.get_mut(&api_host(&pods[0])).unwrap().syncing = true;
    });
    assert!(log.contains(&format!("/{} is syncing", api_host("eth-signer-0-0"))), "{log}");
    assert!(log.contains("skip: first start in epoch 1; no validator of 0-1 was live in epochs 0..1"), "{log}");
    assert!(skips(&flags), "{flags}");

    // One beacon node saw a key live though another did not: wait.
    let (log, flags) = first_start(EPOCH + 30, |s, pods| {
        s.nodes.get_mut(&api_host(&pods[3])).unwrap().live_epochs = vec![1];
    });
    assert!(log.contains("wait: a validator of 0-1 was live in epoch 1"), "{log}");
    assert!(waits(&flags), "{flags}");

    // No beacon node answers: wait.
    let (log, flags) = first_start(EPOCH + 30, |s, _| {
        for n in s.nodes.values_mut() {
            n.up = false;
        }
    });
    assert!(log.contains("wait: no synced beacon node could say"), "{log}");
    assert!(waits(&flags), "{flags}");

    // The beacon nodes come up a little after the validator client (a new network's pods start
    // together): it waits for them rather than for the doppelganger.
    let down = |s: &mut State, _: &[String]| s.nodes.values_mut().for_each(|n| n.up = false);
    let up: Later = Box::new(|s: &mut State| s.nodes.values_mut().for_each(|n| n.up = true));
    let (log, flags) = first_start_later(EPOCH + 30, down, Some(up), "60");
    assert!(log.contains("does not answer") && log.contains("skip: first start in epoch 1"), "{log}");
    assert!(skips(&flags), "{flags}");

    // A fresh database on an older chain: a lost volume or a new client, so wait.
    let (log, flags) = first_start(first_start::FIRST_START_EPOCHS as i64 * EPOCH + 30, |_, _| {});
    assert!(log.contains("past the first 16"), "{log}");
    assert!(waits(&flags), "{flags}");
}

/// The pair's readiness check passes only while its beacon node answers that it is not
/// syncing: syncing, down, or answering nothing all keep the pod unready.
#[test]
fn a_pair_is_ready_only_once_its_beacon_node_is_synced() {
    let root = tempfile::tempdir().unwrap();
    let state = Arc::new(Mutex::new(State::default()));
    let proxy = serve(state.clone());
    let check = super::node::synced_check(5052);
    assert_eq!(check[..2], ["sh", "-c"]);
    let host = "127.0.0.1:5052".to_string();
    let passes = |node: Option<Node>| {
        let mut s = state.lock().unwrap();
        s.nodes.clear();
        if let Some(n) = node {
            s.nodes.insert(host.clone(), n);
        }
        drop(s);
        let path = std::env::var("PATH").unwrap_or_default();
        let path = match applets(root.path()) {
            Some(dir) => format!("{}:{path}", dir.display()),
            None => path,
        };
        std::process::Command::new("sh")
            .arg("-c")
            .arg(via(&check[2], &proxy))
            .env("PATH", path)
            .env_remove("http_proxy")
            .status()
            .unwrap()
            .success()
    };
    assert!(passes(Some(Node { up: true, syncing: false, ..Node::default() })), "synced: ready");
    assert!(!passes(Some(Node { up: true, syncing: true, ..Node::default() })), "syncing: not ready");
    assert!(!passes(Some(Node { up: false, ..Node::default() })), "down: not ready");
    assert!(!passes(None), "no answer: not ready");
}
