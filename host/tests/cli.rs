//! The `ethwasm` binary as users run it: golden output, exit codes, flags.
//! Re-bless golden files with `ETHWASM_BLESS=1 cargo test -p ethwasm --test cli`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn built(rel: &str) -> String {
    let p = root().join(rel);
    assert!(p.exists(), "{} is missing: run `make build` first", p.display());
    p.display().to_string()
}

const SEED: &str = "0101010101010101010101010101010101010101010101010101010101010101";
/// The release's creation time in renders that must be reproducible (2026-01-01).
const CREATED: &str = "1767225600";

fn ethwasm(args: &[&str]) -> Output {
    ethwasm_env(args, &[])
}

/// When a release is created where a test gives no `--created`: 2026-12-07T00:00:00Z, the first
/// creation time with today's defaults. A render depends on its creation time, so a test left to
/// the clock would change its answer the day a new default starts (`SOURCE_DATE_EPOCH=""` asks
/// for now).
const CREATED_DEFAULT: &str = "1796601600";

/// Runs the binary with `env` set, none of the variables that change its defaults, and
/// SOURCE_DATE_EPOCH at [`CREATED_DEFAULT`] unless `env` sets it.
fn ethwasm_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let cache = root().join("target/test-cache");
    Command::new(env!("CARGO_BIN_EXE_ethwasm"))
        .args(args)
        .current_dir(root())
        .env("ETHWASM_CACHE_DIR", cache)
        .env_remove("ETHWASM_SEED")
        .env_remove("ETHWASM_NAMESPACE")
        .env("SOURCE_DATE_EPOCH", CREATED_DEFAULT)
        .envs(env.iter().copied())
        .output()
        .expect("run ethwasm")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn golden(name: &str, actual: &str) {
    let path = root().join("tests/golden").join(name);
    if std::env::var_os("ETHWASM_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; bless it with ETHWASM_BLESS=1", path.display()));
    assert!(
        expected == actual,
        "{} differs from the output; if the change is intended, re-bless with ETHWASM_BLESS=1\n--- actual\n{actual}",
        path.display()
    );
}

#[test]
fn render_test_plugin_matches_golden() {
    let p = built("target/test-plugins/misbehave.wasm");
    let o =
        ethwasm(&["render", "--plugins", &p, "--seed", SEED, "--created", CREATED, "--release", "demo", "-n", "ns"]);
    assert!(o.status.success(), "{}", stderr(&o));
    golden("misbehave.yaml", &stdout(&o));
}

#[test]
fn render_clique_profile_matches_golden() {
    built("target/plugins/miners.wasm");
    let o = ethwasm(&["render", "charts/ethereum", "--set", "genesis.consensus=clique", "--seed", SEED, "--no-notes"]);
    assert!(o.status.success(), "{}", stderr(&o));
    golden("ethereum.yaml", &stdout(&o));
}

#[test]
fn render_json_is_a_v1_list() {
    let p = built("target/test-plugins/misbehave.wasm");
    let o = ethwasm(&["render", "--plugins", &p, "--seed", SEED, "-o", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["kind"], "List");
    assert_eq!(v["items"][0]["kind"], "ConfigMap");
    assert_eq!(
        v["items"][0]["metadata"]["name"], "ethwasm-misbehave",
        "release defaults to `ethwasm` with only --plugins"
    );
}

#[test]
fn render_output_dir_writes_one_file_per_object_in_install_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("999-stale.yaml"), "old").unwrap();
    std::fs::write(dir.path().join("kustomization.yaml"), "resources: []").unwrap();
    let o = ethwasm(&[
        "render",
        "charts/ethereum",
        "--set",
        "genesis.consensus=clique",
        "--seed",
        SEED,
        "--output-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert!(!names.contains(&"999-stale.yaml".to_string()), "leftovers are removed");
    assert!(names.contains(&"kustomization.yaml".to_string()), "files a render did not write are kept");
    assert!(names.iter().any(|n| n.ends_with("-secret-ethereum-keystore-password.yaml")), "{names:?}");
    assert!(
        names.iter().rev().find(|n| n.starts_with(char::is_numeric)).unwrap().contains("-statefulset-"),
        "{names:?}"
    );
}

#[test]
fn same_seed_same_bytes() {
    // The default chart runs proof of stake, whose genesis time comes from the creation time:
    // a render is reproducible given the seed and --created (or SOURCE_DATE_EPOCH).
    let a = ethwasm(&["render", "charts/ethereum", "--seed", SEED, "--created", CREATED, "--no-notes"]);
    let b = ethwasm_env(&["render", "charts/ethereum", "--seed", SEED, "--no-notes"], &[("SOURCE_DATE_EPOCH", "")]);
    assert!(a.status.success() && b.status.success());
    assert_ne!(a.stdout, b.stdout, "without --created the genesis time is now's");
    let b =
        ethwasm_env(&["render", "charts/ethereum", "--seed", SEED, "--no-notes"], &[("SOURCE_DATE_EPOCH", CREATED)]);
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn usage_errors_exit_2() {
    let o = ethwasm(&["render"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("give a chart directory (e.g. charts/ethereum) or --plugins GLOB"), "{}", stderr(&o));

    let o = ethwasm(&["render", "--plugins", "nothing/*.wasm"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--plugins \"nothing/*.wasm\" matches no file"), "{}", stderr(&o));

    let o = ethwasm(&["render", "charts/ethereum", "--set", "genesis.chainId"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--set \"genesis.chainId\": `genesis.chainId` has no value; write `genesis.chainId=VALUE`"),
        "{}",
        stderr(&o)
    );

    let o = ethwasm(&["render", "charts/ethereum", "--set", "genesis.consensus=pow"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("values.genesis.consensus: \"pow\" is not one of"), "{}", stderr(&o));

    let o = ethwasm(&["render", "charts/ethereum", "--release", "Bad_Name"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("release name `Bad_Name` is not a DNS label"), "{}", stderr(&o));

    let o = ethwasm(&["render", "charts/ethereum", "-f", "/nonexistent/values.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read values file /nonexistent/values.yaml"), "{}", stderr(&o));

    let o = ethwasm(&["render", "--frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn plugin_failures_exit_3() {
    let p = built("target/test-plugins/misbehave.wasm");
    let o = ethwasm(&["render", "--plugins", &p, "--set", "misbehave.mode=error"]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(stderr(&o), "error: plugin `misbehave` failed: misbehave was asked to fail\n");

    let o = ethwasm(&["render", "--plugins", &p, "--set", "misbehave.mode=loop", "--plugin-timeout", "300ms"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("exceeded its time limit of 300ms"), "{}", stderr(&o));

    let w = built("target/test-plugins/wrong-wit.wasm");
    let o = ethwasm(&["plugin", "inspect", &w]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains(
            "was built against ethwasm:plugin@0.0.1, but this host supports ethwasm:plugin@0.3.0, ethwasm:plugin@0.2.0, ethwasm:plugin@0.1.0"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_missing_provider_names_what_to_add() {
    let p = built("target/plugins/miners.wasm");
    let o = ethwasm(&["render", "--plugins", &p]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("plugin `miners` requires `genesis`, which no plugin provides"), "{}", stderr(&o));
}

#[test]
fn plugin_inspect_shows_the_contract() {
    let p = built("target/plugins/genesis.wasm");
    let o = ethwasm(&["plugin", "inspect", &p]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for want in [
        "name:        genesis",
        "wit:         ethwasm:plugin@0.3.0",
        "provides:    genesis",
        "requires:    signers, prefunded",
        "sha256:      ",
        "ethwasm:plugin/host@0.3.0 (host)",
        "ethwasm:plugin/crypto@0.3.0 (host)",
        "\"consensus\"",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    let o = ethwasm(&["plugin", "inspect", &p, "-o", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v[0]["requires"], serde_json::json!(["signers", "prefunded", "validators"]));
    assert_eq!(v[0]["size"].as_u64().unwrap(), std::fs::metadata(&p).unwrap().len());
}

#[test]
fn version_and_completions() {
    let o = ethwasm(&["version"]);
    assert!(
        stdout(&o).contains("plugin WIT: ethwasm:plugin@0.3.0, ethwasm:plugin@0.2.0, ethwasm:plugin@0.1.0"),
        "{}",
        stdout(&o)
    );
    for shell in ["bash", "zsh", "fish"] {
        let o = ethwasm(&["completions", shell]);
        assert!(o.status.success());
        assert!(stdout(&o).contains("render"), "{shell}");
    }
}

/// A chart `demo` in a temporary directory whose one plugin is the misbehave test plugin.
fn misbehave_chart() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let wasm = built("target/test-plugins/misbehave.wasm");
    let chart = format!(
        "apiVersion: ethwasm/v1\nname: demo\nversion: 0.1.0\nplugins:\n  - name: misbehave\n    path: {wasm}\n"
    );
    std::fs::write(dir.path().join("chart.yaml"), chart).unwrap();
    dir
}

#[test]
fn a_pin_mismatch_says_how_to_refresh() {
    let dir = misbehave_chart();
    std::fs::write(dir.path().join("chart.lock"), "plugins:\n  misbehave: 0000\n").unwrap();
    let d = dir.path().to_str().unwrap();
    let o = ethwasm(&["render", d]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(&format!("but {d}/chart.lock pins 0000; if you rebuilt it on purpose, refresh the pins with `ethwasm chart lock {d}`")), "{}", stderr(&o));
    let o = ethwasm(&["chart", "lock", d]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = ethwasm(&["render", d, "--seed", SEED]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("name: demo-misbehave"));
}

#[test]
fn plugin_new_writes_a_crate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("my-faucet");
    let o = ethwasm(&["plugin", "new", "my-faucet", "--dir", d.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let cargo = std::fs::read_to_string(d.join("Cargo.toml")).unwrap();
    assert!(cargo.contains("name = \"ethwasm-plugin-my-faucet\""));
    let sdk = root().join("plugins/sdk").canonicalize().unwrap();
    assert!(cargo.contains(&format!("ethwasm-plugin = {{ path = \"{}\" }}", sdk.display())), "{cargo}");
    let lib = std::fs::read_to_string(d.join("src/lib.rs")).unwrap();
    assert!(lib.contains("pub struct MyFaucet;") && lib.contains("export!(MyFaucet);"));
    assert!(lib.contains("Info::new(\"my-faucet\""));
    assert!(d.join("README.md").exists());
    let o = ethwasm(&["plugin", "new", "my-faucet", "--dir", d.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "refuses to overwrite");
    let o = ethwasm(&["plugin", "new", "Bad_Name"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("plugin name `Bad_Name` is not a DNS label"));
}

#[test]
fn cluster_commands_without_a_cluster_exit_4_naming_the_cause() {
    let out = ethwasm(&[
        "deploy",
        "charts/ethereum",
        "--set",
        "genesis.consensus=clique",
        "--kubeconfig",
        "/nonexistent/kubeconfig",
    ]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("kubeconfig /nonexistent/kubeconfig"), "{}", stderr(&out));

    // A kubeconfig naming a server that does not answer.
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(
        &kc,
        "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n  cluster:\n    server: https://127.0.0.1:1\n\
         contexts:\n- name: c\n  context:\n    cluster: k\n    user: u\n    namespace: eth\nusers:\n- name: u\n  user:\n    token: t\n",
    )
    .unwrap();
    let kc = kc.to_str().unwrap();
    for args in [
        vec!["status", "--release", "eth", "--kubeconfig", kc],
        vec!["history", "--release", "eth", "--kubeconfig", kc],
        vec!["list", "-A", "--kubeconfig", kc],
        vec!["uninstall", "--release", "eth", "--kubeconfig", kc],
        vec!["rollback", "--release", "eth", "--kubeconfig", kc],
    ] {
        let out = ethwasm(&args);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {}", stderr(&out));
        // The refused connection names the server it tried.
        assert!(stderr(&out).contains("API server https://127.0.0.1:1"), "{args:?}: {}", stderr(&out));
    }
    // An unknown context is a cluster-configuration error too, naming the contexts there are.
    let out = ethwasm(&["list", "--kubeconfig", kc, "--kube-context", "nope"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("it has no context `nope` (its contexts: c)"), "{}", stderr(&out));
}

/// The smaller day-two mistakes, each refused with what to do (exit 2).
#[test]
fn values_times_and_names_that_cannot_be_right_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    // A values file that gives one key twice: Helm refuses it, and so does ethwasm.
    let dup = dir.path().join("dup.yaml");
    std::fs::write(
        &dup,
        "genesis:
  chainId: 1
  chainId: 2
",
    )
    .unwrap();
    let out = ethwasm(&["render", "charts/ethereum", "-f", dup.to_str().unwrap(), "--seed", SEED]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&dup.display().to_string()) && err.contains("duplicate key `chainId`"), "{err}");
    assert!(err.contains("genesis: duplicate key") && err.contains("line 2"), "{err}");
    // A creation time in milliseconds (the year 3 million), and a bad SOURCE_DATE_EPOCH named as such.
    let out = ethwasm(&["render", "charts/ethereum", "--seed", SEED, "--created", "99999999999999"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("after the year 9999") && stderr(&out).contains("not milliseconds"));
    let out = ethwasm_env(&["render", "charts/ethereum", "--seed", SEED], &[("SOURCE_DATE_EPOCH", "yesterday")]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("SOURCE_DATE_EPOCH: `yesterday`"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("--created"), "{}", stderr(&out));
    // A plugin named after the values every plugin shares.
    let out = ethwasm(&["plugin", "new", "global", "--dir", dir.path().join("g").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("reserved"), "{}", stderr(&out));
    assert!(!dir.path().join("g").exists());
}

#[test]
fn deploy_flags_are_checked_before_any_cluster_call() {
    let out = ethwasm(&["deploy", "charts/ethereum", "--dry-run=maybe"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = ethwasm(&["deploy", "charts/ethereum", "--release", "Not_A_Label", "--kubeconfig", "/nonexistent"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("not a DNS label"), "{}", stderr(&out));
    let out = ethwasm(&["list", "-A", "-n", "x"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// Runs a future on a current-thread runtime of its own.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
}

/// The fake API server over HTTP on a free port, in a thread of its own; and a kubeconfig
/// for it whose context namespace is `eth`.
fn fake_cluster() -> (fake_apiserver::FakeApi, tempfile::TempDir, String) {
    let fake = fake_apiserver::FakeApi::new();
    fake.add_namespace("eth");
    fake.set_ready(true);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let server = fake.clone();
    std::thread::spawn(move || {
        block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            server.listen(listener).await
        })
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    std::fs::write(&path, fake_apiserver::FakeApi::kubeconfig(addr, "eth")).unwrap();
    let path = path.display().to_string();
    (fake, dir, path)
}

#[test]
fn the_release_lifecycle_through_the_binary() {
    let (fake, _dir, kc) = fake_cluster();
    let k = kc.as_str();
    let ok = |args: &[&str]| {
        let out = ethwasm(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}\n{}\n{}", stdout(&out), stderr(&out));
        stdout(&out)
    };

    let dry = ok(&["deploy", "charts/ethereum", "--set", "genesis.consensus=clique", "--kubeconfig", k, "--dry-run"]);
    assert!(dry.contains("would apply  StatefulSet eth/ethereum-signer-1"), "{dry}");
    assert!(fake.inventory().is_empty());

    let out = ok(&[
        "deploy",
        "charts/ethereum",
        "--set",
        "genesis.consensus=clique",
        "--kubeconfig",
        k,
        "--wait",
        "--no-notes",
    ]);
    assert!(out.contains("applied  StatefulSet eth/ethereum-signer-0"), "{out}");
    assert!(out.contains("ready    StatefulSet eth/ethereum-signer-0 (1/1 ready)"), "plain progress lines: {out}");
    assert!(
        out.contains("release ethereum in namespace eth: revision 1 install complete: 20 applied, 0 pruned"),
        "{out}"
    );

    // Nothing to change: diff is empty and exits 0.
    assert_eq!(ok(&["diff", "charts/ethereum", "--set", "genesis.consensus=clique", "--kubeconfig", k]), "");

    // No RPC node and a new ethstats secret: diff shows the pruned objects and the changed
    // Secret masked, and exits 1.
    let out = ethwasm(&[
        "diff",
        "charts/ethereum",
        "--set",
        "genesis.consensus=clique",
        "--kubeconfig",
        k,
        "--set",
        "global.topology.rpcNodes=0",
        "--set",
        "secrets.wsSecret=a-new-dashboard-secret",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let diff = stdout(&out);
    assert!(diff.contains("--- live/StatefulSet.apps/eth/ethereum-rpc\n+++ /dev/null"), "{diff}");
    assert!(diff.contains("*** (before)"), "{diff}");
    assert!(!diff.contains("a-new-dashboard-secret"), "the new value is masked too");
    for name in [
        "ethereum-keystore-password",
        "ethereum-signer-1-keystore",
        "ethereum-nodekeys",
        "ethereum-ethstats",
        "ethereum-faucet-account",
    ] {
        let secret = fake.object("v1", "Secret", "eth", name).unwrap();
        let values: Vec<&str> = ["data", "stringData"]
            .iter()
            .filter_map(|f| secret.get(*f).and_then(|d| d.as_object()))
            .flat_map(|m| m.values().filter_map(|v| v.as_str()))
            .collect();
        assert!(!values.is_empty(), "{name} holds data");
        for v in values {
            assert!(!diff.contains(v), "a value of Secret {name} leaked into the diff");
        }
    }

    // One Clique signer fewer changes the genesis (its extraData lists the signers): refused.
    let clique = ["deploy", "charts/ethereum", "--set", "genesis.consensus=clique", "--kubeconfig", k];
    let out = ethwasm(&[&clique[..], &["--set", "global.topology.signers=1", "--no-notes"]].concat());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("changes the chain's genesis") && stderr(&out).contains("--new-chain"));

    let out = ok(&[&clique[..], &["--set", "global.topology.rpcNodes=0", "--no-notes"]].concat());
    assert!(out.contains("revision 2 upgrade complete: 17 applied, 3 pruned"), "{out}");
    assert!(out.contains("pruned   StatefulSet eth/ethereum-rpc"), "{out}");

    let status = ok(&["status", "--kubeconfig", k]);
    for want in
        ["NAME: ethereum", "REVISION: 2", "STATUS: deployed", "CHART: ethereum-", "StatefulSet eth/ethereum-signer-0"]
    {
        assert!(status.contains(want), "{want}: {status}");
    }
    let history = ok(&["history", "--kubeconfig", k]);
    assert_eq!(history.lines().count(), 3, "{history}");
    assert!(history.contains("superseded") && history.contains("Upgrade complete"), "{history}");
    let json: serde_json::Value = serde_json::from_str(&ok(&["status", "--kubeconfig", k, "-o", "json"])).unwrap();
    assert_eq!((json["revision"].as_u64(), json["status"].as_str()), (Some(2), Some("deployed")), "{json}");
    assert!(json["workloads"].as_array().unwrap().iter().all(|w| w["ready"] == true), "{json}");
    let json: serde_json::Value = serde_json::from_str(&ok(&["history", "--kubeconfig", k, "-o", "json"])).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2, "{json}");
    assert!(json[0].get("seed").is_none() && json[0].get("values").is_none(), "{json}");
    let list = ok(&["list", "-A", "--kubeconfig", k]);
    assert!(list.lines().nth(1).is_some_and(|l| l.starts_with("ethereum") && l.contains("deployed")), "{list}");

    let out = ok(&["rollback", "--kubeconfig", k]);
    assert!(out.contains("revision 3: rollback to 1"), "{out}");
    assert!(fake.inventory().iter().any(|o| o == "StatefulSet eth/ethereum-signer-1"));

    // A second operation while another one holds (and renews) the lock fails, naming the holder.
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let (taken, is_taken) = std::sync::mpsc::channel::<()>();
    let holding = {
        let fake = fake.clone();
        std::thread::spawn(move || {
            block_on(async move {
                let cluster = ethwasm::cluster::kube::KubeCluster::new(fake.client());
                let lock = ethwasm::deploy::lock::Lock::acquire(
                    &cluster,
                    "eth",
                    "ethereum",
                    "ops@bastion pid 1 (deploy)",
                    std::time::Duration::from_secs(3),
                )
                .await
                .unwrap();
                taken.send(()).unwrap();
                let wait = tokio::task::spawn_blocking(move || stopped.recv());
                lock.hold(&cluster, async { Ok(wait.await) }).await.unwrap()
            })
        })
    };
    is_taken.recv().unwrap();
    let out = ethwasm(&["uninstall", "--kubeconfig", k]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("locked by ops@bastion pid 1 (deploy)"), "{}", stderr(&out));
    stop.send(()).unwrap();
    holding.join().unwrap().unwrap().unwrap();

    // A --seed that differs from the recorded one is refused.
    let out =
        ethwasm(&["deploy", "charts/ethereum", "--set", "genesis.consensus=clique", "--kubeconfig", k, "--seed", SEED]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--rotate-keys"), "{}", stderr(&out));

    let out = ok(&["uninstall", "--kubeconfig", k]);
    assert!(out.contains("uninstalled: 20 objects deleted"), "{out}");
    assert!(fake.inventory().is_empty(), "{:?}", fake.inventory());
}

#[test]
fn ctrl_c_releases_the_lock_and_the_next_deploy_marks_the_revision_failed() {
    use std::io::BufRead;
    let (fake, _dir, kc) = fake_cluster();
    fake.set_ready(false);
    let mut child = Command::new(env!("CARGO_BIN_EXE_ethwasm"))
        .args([
            "deploy",
            "charts/ethereum",
            "--set",
            "genesis.consensus=clique",
            "--kubeconfig",
            &kc,
            "--wait",
            "--timeout",
            "5m",
            "--no-notes",
        ])
        .current_dir(root())
        .env("ETHWASM_CACHE_DIR", root().join("target/test-cache"))
        .env_remove("ETHWASM_SEED")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until it is waiting for the workloads, then interrupt it.
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.any(|l| l.unwrap().starts_with("waiting  ")), "the deploy never started waiting");
    assert!(
        fake.object("coordination.k8s.io/v1", "Lease", "eth", "ethwasm.lock.ethereum").is_some(),
        "the lock is held"
    );
    // The shell's builtin kill: no procps needed.
    let kill = Command::new("sh").args(["-c", &format!("kill -INT {}", child.id())]).status().unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    assert!(
        fake.object("coordination.k8s.io/v1", "Lease", "eth", "ethwasm.lock.ethereum").is_none(),
        "the lock is released"
    );

    fake.set_ready(true);
    let out =
        ethwasm(&["deploy", "charts/ethereum", "--set", "genesis.consensus=clique", "--kubeconfig", &kc, "--no-notes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let history = ethwasm(&["history", "--kubeconfig", &kc]);
    let text = stdout(&history);
    assert!(text.lines().nth(1).is_some_and(|l| l.contains("failed") && l.contains("interrupted")), "{text}");
}

#[test]
fn deploy_prints_the_plugins_notes_unless_asked_not_to() {
    let (_fake, _dir, kc) = fake_cluster();
    let out = ethwasm(&["deploy", "charts/ethereum", "--set", "genesis.consensus=clique", "--kubeconfig", &kc]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("NOTES:") && stderr(&out).contains("[miners]"), "{}", stderr(&out));
    let out =
        ethwasm(&["deploy", "charts/ethereum", "--set", "genesis.consensus=clique", "--kubeconfig", &kc, "--no-notes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("NOTES:"), "{}", stderr(&out));
}

/// A hostile plugin's text reaches the terminal escaped and bounded, and what the host does for
/// it stays bounded: (mode, exit code, what stderr must say).
#[test]
fn a_hostile_plugin_gets_bounded_escaped_output_and_clear_errors() {
    let p = built("target/test-plugins/misbehave.wasm");
    let run = |mode: &str| {
        let set = format!("misbehave.mode={mode}");
        let started = std::time::Instant::now();
        let o = ethwasm(&["render", "--plugins", &p, "--seed", SEED, "--set", &set, "--plugin-timeout", "20s"]);
        (o, started.elapsed())
    };
    let no_escape =
        |s: &str| assert!(!s.contains('\x1b') && !s.contains('\x07'), "a raw escape reached the terminal: {s:?}");

    // 20,000 error lines of 64 KiB: at most 1,000 lines or 256 KiB of them, and a count.
    let (o, _) = run("noisy");
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(err.len() < 400 << 10, "{} bytes of stderr", err.len());
    assert!(err.contains("more log lines") && err.contains("dropped"), "{}", &err[err.len().saturating_sub(300)..]);

    // Notes and a plugin error with escape sequences (retitle the terminal, clear the screen).
    let (o, _) = run("escape");
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    no_escape(&err);
    assert!(err.contains("title\\u{1b}]0;pwned\\u{7} clear\\u{1b}[2J"), "{err}");
    let (o, _) = run("escape-error");
    assert_eq!(o.status.code(), Some(3));
    no_escape(&stderr(&o));
    assert!(stderr(&o).starts_with("error: plugin `misbehave` failed: bad\\u{1b}[2J"), "{}", stderr(&o));

    // A 10 MiB panic message: the error names the plugin first and is cut.
    let (o, _) = run("big-panic");
    assert_eq!(o.status.code(), Some(3));
    let err = stderr(&o);
    assert!(err.len() < 32 << 10, "{} bytes of stderr", err.len());
    assert!(err.contains("error: plugin `misbehave` trapped in `render`"), "{}", &err[..err.len().min(500)]);

    // derive-key with a 120 MiB label: refused at once, the reason on the error's first line.
    let (o, took) = run("long-label");
    assert_eq!(o.status.code(), Some(3));
    let first = stderr(&o).lines().next().unwrap_or_default().to_string();
    assert!(first.starts_with("error: plugin `misbehave` trapped in `render`: derive-key label of 125829120 bytes; a label is at most 1024 bytes"), "{first}");
    // The message proves the label is refused before any hashing; the time only says the call
    // ended (unbounded, it hashed 120 MiB 255 times), with room for a busy machine.
    assert!(took < std::time::Duration::from_secs(15 + 60), "took {took:?}");

    // A `kind` that would name a file outside --output-dir, and a List hiding an object.
    let dir = root().join("target/test-hostile-out");
    let _ = std::fs::remove_dir_all(&dir);
    for (mode, says) in [("bad-kind", "is not a kind"), ("list", "return each of its items as a manifest of its own")] {
        let set = format!("misbehave.mode={mode}");
        let o =
            ethwasm(&["render", "--plugins", &p, "--seed", SEED, "--set", &set, "--output-dir", dir.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(3), "{mode}");
        assert!(stderr(&o).contains(says), "{mode}: {}", stderr(&o));
    }
    assert!(!root().join("target/escaped.yaml").exists() && !dir.exists(), "nothing written");
}

#[test]
fn a_plugin_file_too_large_is_refused_before_it_is_read() {
    let dir = root().join("target/test-large-plugin");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("huge.wasm");
    // A sparse file: 2 GiB long, no disk used.
    std::fs::File::create(&path).unwrap().set_len(2 << 30).unwrap();
    let started = std::time::Instant::now();
    let o = ethwasm(&["render", "--plugins", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("is 2147483648 bytes; a plugin component is at most 67108864 bytes"), "{}", stderr(&o));
    // The message proves the size came first; room for a busy machine above a run of ~10 ms.
    assert!(started.elapsed() < std::time::Duration::from_secs(5 + 60));
    std::fs::remove_file(&path).unwrap();
}

/// A values schema whose `$ref`s form a cycle (a→b→a, and `#` inside itself) is compiled in
/// bounded time and memory; it once made the host grow without bound before any plugin ran.
#[test]
fn a_schema_with_a_ref_cycle_is_checked_in_bounded_time() {
    let dir = misbehave_chart();
    std::fs::write(
        dir.path().join("values.schema.json"),
        r##"{"$ref": "#/definitions/a", "properties": {"misbehave": {"$ref": "#"}},
            "definitions": {"a": {"$ref": "#/definitions/b"}, "b": {"allOf": [{"$ref": "#/definitions/a"}]}}}"##,
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    assert!(ethwasm(&["chart", "lock", d]).status.success());
    let started = std::time::Instant::now();
    let o = ethwasm(&["render", d, "--seed", SEED]);
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "took {:?}", started.elapsed());
    assert!(o.status.success(), "{}", stderr(&o));
}

/// The misbehave plugin returning `manifests` is refused for `object_why` (the object and why),
/// naming `grant`, with exit 3 and nothing printed; with `grant` it renders.
fn echoed_objects_need(plugin: &str, manifests: &serde_json::Value, object_why: &str, grant: &str) {
    let set = format!("misbehave.manifests={manifests}");
    let args = ["render", "--plugins", plugin, "--seed", SEED, "-n", "eth", "--set", "misbehave.mode=echo"];
    let args = [&args[..], &["--set-json", &set]].concat();
    let o = ethwasm(&args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(3), "{grant}: {err}");
    assert!(err.contains(&format!("plugin `misbehave` may not create {object_why}")), "{err}");
    assert!(err.contains(&format!("grant `{grant}` with `--allow misbehave:{grant}`")), "{err}");
    assert!(stdout(&o).is_empty());
    let o = ethwasm(&[&args[..], &["--allow", &format!("misbehave:{grant}")]].concat());
    assert!(o.status.success(), "{grant}: {}", stderr(&o));
}

/// Every rule of the Pod Security Standards' baseline, as a hostile plugin would try it (the
/// misbehave plugin echoing chosen objects): refused with the plugin, object, rule and grant, exit
/// 3 and nothing printed; `privileged-pods` lifts it.
#[test]
fn a_pod_beyond_the_baseline_needs_privileged_pods() {
    let p = built("target/test-plugins/misbehave.wasm");
    let pod = |spec: serde_json::Value, annotations: serde_json::Value| {
        serde_json::json!([{ "apiVersion": "apps/v1", "kind": "Deployment", "metadata": { "name": "x" },
            "spec": { "selector": { "matchLabels": { "a": "b" } },
                      "template": { "metadata": { "labels": { "a": "b" }, "annotations": annotations }, "spec": spec } } }])
    };
    let c = |sc: serde_json::Value| serde_json::json!({ "containers": [{ "name": "c", "image": "i", "securityContext": sc }] });
    let none = serde_json::json!({});
    for (manifests, why) in [
        (
            pod(
                serde_json::json!({ "securityContext": { "sysctls": [{ "name": "kernel.msgmax", "value": "1" }] }, "containers": [] }),
                none.clone(),
            ),
            "its pod sets sysctl `kernel.msgmax`, outside the baseline's safe set",
        ),
        (
            pod(
                serde_json::json!({ "securityContext": { "seccompProfile": { "type": "Unconfined" } }, "containers": [] }),
                none.clone(),
            ),
            "its pod sets seccompProfile.type Unconfined",
        ),
        (pod(c(serde_json::json!({ "procMount": "Unmasked" })), none.clone()), "container `c` sets procMount Unmasked"),
        (
            pod(c(serde_json::json!({ "appArmorProfile": { "type": "Unconfined" } })), none.clone()),
            "container `c` sets appArmorProfile.type Unconfined",
        ),
        (
            pod(
                c(serde_json::json!({})),
                serde_json::json!({ "container.apparmor.security.beta.kubernetes.io/c": "unconfined" }),
            ),
            "container `c` runs under AppArmor profile `unconfined`",
        ),
        (
            pod(c(serde_json::json!({ "seLinuxOptions": { "type": "spc_t" } })), none.clone()),
            "container `c` sets SELinux type `spc_t`",
        ),
    ] {
        echoed_objects_need(&p, &manifests, &format!("Deployment eth/x: {why}"), "privileged-pods");
    }
}

/// The namespaced paths past the release, as a hostile plugin would take them: each refused
/// with its own grant named (exit 3, nothing printed), and each allowed by that grant.
#[test]
fn namespaced_paths_past_the_release_need_their_grants() {
    let p = built("target/test-plugins/misbehave.wasm");
    let deployment = |spec: serde_json::Value| {
        serde_json::json!({ "apiVersion": "apps/v1", "kind": "Deployment", "metadata": { "name": "d" },
            "spec": { "selector": { "matchLabels": { "a": "b" } },
                      "template": { "metadata": { "labels": { "a": "b" } }, "spec": spec } } })
    };
    let container = serde_json::json!([{ "name": "c", "image": "i" }]);
    for (manifest, grant, why) in [
        (
            serde_json::json!({ "apiVersion": "v1", "kind": "Service", "metadata": { "name": "s" },
            "spec": { "ports": [{ "port": 80 }], "externalIPs": ["10.0.0.1"] } }),
            "external-ips",
            "Service eth/s: its externalIPs would take traffic to those addresses from the whole cluster",
        ),
        (
            serde_json::json!({ "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": { "name": "k",
            "labels": { "kubernetes.io/service-name": "kubernetes" } }, "addressType": "IPv4", "endpoints": [] }),
            "endpoints",
            "EndpointSlice eth/k: hand-written endpoints route a Service `kubernetes`'s traffic",
        ),
        (
            deployment(serde_json::json!({ "serviceAccountName": "powerful", "containers": container })),
            "service-accounts",
            "Deployment eth/d: its pod runs as service account `powerful`, which the release does not render",
        ),
        (
            serde_json::json!({ "apiVersion": "v1", "kind": "Secret", "metadata": { "name": "t",
            "annotations": { "kubernetes.io/service-account.name": "powerful" } }, "type": "kubernetes.io/service-account-token" }),
            "token-secrets",
            "Secret eth/t: a service-account-token Secret mints a token for any account",
        ),
        (
            serde_json::json!({ "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": { "name": "c" },
            "spec": { "volumeName": "pv-data", "accessModes": ["ReadWriteOnce"], "resources": { "requests": { "storage": "1Gi" } } } }),
            "bound-volumes",
            "PersistentVolumeClaim eth/c: it binds PersistentVolume `pv-data` by name",
        ),
        (
            deployment(serde_json::json!({ "containers": [{ "name": "c", "image": "i",
            "env": [{ "name": "M", "valueFrom": { "secretKeyRef": { "name": "other-validator-mnemonic", "key": "mnemonic" } } }] }] })),
            "foreign-objects",
            "Deployment eth/d: its pod reads Secret `other-validator-mnemonic`, which the release does not render",
        ),
    ] {
        echoed_objects_need(&p, &serde_json::json!([manifest]), why, grant);
    }
}

/// What a plugin may create: by default namespaced objects in the release's namespace and pods
/// within the baseline; more is granted per plugin, on the command line or in chart.yaml, and
/// `render` refuses what is not granted as `deploy` does.
#[test]
fn a_plugin_creates_only_what_it_is_granted() {
    let p = built("target/test-plugins/misbehave.wasm");
    let render = |mode: &str, extra: &[&str]| {
        let set = format!("misbehave.mode={mode}");
        let mut args = vec!["render", "--plugins", &p, "--seed", SEED, "-n", "eth", "--set", &set];
        args.extend_from_slice(extra);
        ethwasm(&args)
    };
    for (mode, says) in [
        (
            "cluster-admin",
            "error: plugin `misbehave` may not create ClusterRoleBinding ethwasm-misbehave: RBAC objects change who may do what in the cluster; if you trust it to, grant `rbac` with `--allow misbehave:rbac` or `allow: [rbac]` under the plugin in chart.yaml\n",
        ),
        (
            "kube-system",
            "error: plugin `misbehave` may not create ConfigMap kube-system/ethwasm-misbehave: it is in namespace `kube-system`, not the release's `eth`; if you trust it to, grant `other-namespaces` with `--allow misbehave:other-namespaces` or `allow: [other-namespaces]` under the plugin in chart.yaml\n",
        ),
        (
            "privileged",
            "error: plugin `misbehave` may not create Pod eth/ethwasm-misbehave: container `c` is privileged; if you trust it to, grant `privileged-pods` with `--allow misbehave:privileged-pods` or `allow: [privileged-pods]` under the plugin in chart.yaml\n",
        ),
    ] {
        let o = render(mode, &[]);
        assert_eq!((o.status.code(), stderr(&o).as_str()), (Some(3), says), "{mode}");
        assert!(stdout(&o).is_empty(), "{mode}: nothing is printed when one object is refused");
    }
    let o = render("cluster-admin", &["--allow", "misbehave:rbac", "-v"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("kind: ClusterRoleBinding"));
    assert!(stderr(&o).contains("plugin misbehave created: 1 rbac"), "{}", stderr(&o));
    let o = render("privileged", &["--allow", "misbehave:all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = render("kube-system", &["--allow", "misbehave:rbac"]);
    assert_eq!(o.status.code(), Some(3), "a grant allows its category only");
    let o = render("ok", &["--allow", "nobody:rbac"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--allow names `nobody`, which is not a plugin of this render (plugins: misbehave)"));
    let o = render("ok", &["--allow", "misbehave:root"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("`root` is not a grant; grants: other-namespaces, cluster-scoped"), "{}", stderr(&o));

    // In chart.yaml: the chart author's grant.
    let dir = misbehave_chart();
    let chart = dir.path().join("chart.yaml");
    let text = std::fs::read_to_string(&chart).unwrap();
    std::fs::write(&chart, format!("{text}    allow: [rbac]\n")).unwrap();
    let d = dir.path().to_str().unwrap();
    assert!(ethwasm(&["chart", "lock", d]).status.success());
    let o = ethwasm(&["render", d, "--seed", SEED, "--set", "misbehave.mode=cluster-admin"]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::write(&chart, format!("{text}    allow: [everything]\n")).unwrap();
    let o = ethwasm(&["render", d, "--seed", SEED]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("plugins[misbehave].allow: `everything` is not a grant"), "{}", stderr(&o));

    // plugin inspect says what a plugin creates, by category.
    let o = ethwasm(&["plugin", "inspect", &p]);
    assert!(
        stdout(&o).contains("creates:     1 in namespace default (rendered with its default values)"),
        "{}",
        stdout(&o)
    );
}

/// `ethwasm package` packs the chart with its plugins; the archive renders exactly as the
/// directory does, reproducibly, and a tampered archive is refused by its lock.
#[test]
fn a_packaged_chart_renders_as_its_directory() {
    let out = tempfile::tempdir().unwrap();
    let d = out.path().to_str().unwrap();
    let o = ethwasm(&["package", "charts/ethereum", "-d", d]);
    assert!(o.status.success(), "{}", stderr(&o));
    let archive = stdout(&o).trim().to_string();
    assert!(archive.ends_with(".tgz") && archive.contains("ethereum-"), "{archive}");
    let first = std::fs::read(&archive).unwrap();
    assert!(ethwasm(&["package", "charts/ethereum", "-d", d]).status.success());
    assert_eq!(std::fs::read(&archive).unwrap(), first, "packing is reproducible");

    let args = |chart: &str| {
        vec![
            "render".to_string(),
            chart.into(),
            "--seed".into(),
            SEED.into(),
            "--created".into(),
            CREATED.into(),
            "--no-notes".into(),
        ]
    };
    let from_dir = ethwasm(&args("charts/ethereum").iter().map(String::as_str).collect::<Vec<_>>());
    let from_archive = ethwasm(&args(&archive).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(from_archive.status.success(), "{}", stderr(&from_archive));
    assert_eq!(stdout(&from_archive), stdout(&from_dir));

    // A plugin changed inside the archive no longer matches the packed lock.
    let dir = out.path().join("unpacked");
    std::fs::create_dir_all(&dir).unwrap();
    let status = Command::new("tar").args(["-xzf", &archive, "-C", dir.to_str().unwrap()]).status().unwrap();
    assert!(status.success());
    let top = std::fs::read_dir(&dir).unwrap().next().unwrap().unwrap().path();
    let wasm = top.join("plugins/ethstats.wasm");
    let mut bytes = std::fs::read(&wasm).unwrap();
    bytes.extend_from_slice(b"\0");
    std::fs::write(&wasm, bytes).unwrap();
    let tampered = out.path().join("tampered.tgz");
    let status = Command::new("tar")
        .args([
            "-czf",
            tampered.to_str().unwrap(),
            "-C",
            dir.to_str().unwrap(),
            top.file_name().unwrap().to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let o = ethwasm(&["render", tampered.to_str().unwrap(), "--seed", SEED]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("tampered.tgz has sha256")
            && stderr(&o).contains("the archive is damaged or was changed after it was packed"),
        "{}",
        stderr(&o)
    );
}

/// `--allow`'s help names every grant there is.
#[test]
fn the_allow_help_names_every_grant() {
    let help = stdout(&ethwasm(&["render", "--help"]));
    for (name, _) in ethwasm::permit::GRANTS {
        assert!(help.contains(name), "`{name}` is missing from render --help:\n{help}");
    }
}

/// A copy of the Ethereum chart renders anywhere (its plugins are found by name, beside the
/// binary), and renders what the chart renders in place; a plugin in the copy's own plugins/
/// is looked at first; a plugin found nowhere is named with every place looked in and what to
/// do.
#[test]
fn a_copied_chart_renders_anywhere_and_a_missing_plugin_says_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("ethereum");
    std::fs::create_dir_all(copy.join("plugins")).unwrap();
    for f in ["chart.yaml", "values.yaml", "values.schema.json", "chart.lock"] {
        std::fs::copy(root().join("charts/ethereum").join(f), copy.join(f)).unwrap();
    }
    let render = |chart: &str, env: &[(&str, &str)]| {
        ethwasm_env(&["render", chart, "--seed", SEED, "--created", CREATED, "-n", "eth", "--no-notes"], env)
    };
    let here = render("charts/ethereum", &[]);
    assert!(here.status.success(), "{}", stderr(&here));
    let there = render(copy.to_str().unwrap(), &[]);
    assert!(there.status.success(), "{}", stderr(&there));
    assert_eq!(stdout(&there), stdout(&here), "a copy renders what the chart renders");

    // The copy's own plugins/ comes first: a wrong file there is what is read (and refused).
    std::fs::write(copy.join("plugins/genesis.wasm"), b"not a component").unwrap();
    let o = render(copy.to_str().unwrap(), &[]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains(&copy.join("plugins/genesis.wasm").display().to_string()), "{}", stderr(&o));
    std::fs::remove_file(copy.join("plugins/genesis.wasm")).unwrap();

    // A plugin found nowhere.
    let yaml = std::fs::read_to_string(copy.join("chart.yaml")).unwrap();
    std::fs::write(copy.join("chart.yaml"), yaml.replace("  - name: bootnode\n", "  - name: nowhere\n")).unwrap();
    let o = render(copy.to_str().unwrap(), &[("ETHWASM_PLUGIN_PATH", "/opt/ethwasm-plugins")]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for place in [copy.join("plugins/nowhere.wasm"), PathBuf::from("/opt/ethwasm-plugins/nowhere.wasm")] {
        assert!(err.contains(&place.display().to_string()), "{err}");
    }
    assert!(err.contains("chart plugin `nowhere` was not found") && err.contains("--plugin-path DIR"), "{err}");
}

/// An image value is one reference (the README's form) or its parts; a misspelt part is named.
#[test]
fn an_image_is_one_reference_or_its_parts() {
    let digest = format!("sha256:{}", "cd".repeat(32));
    let beacon = format!("miners.beacon.image=sigp/lighthouse:v8.3.3@{digest}");
    let args = ["render", "charts/ethereum", "--seed", SEED, "--no-notes", "--set", "ethstats.image=my/stats:v2"];
    let o = ethwasm(&[&args[..], &["--set", &beacon]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("image: my/stats:v2\n"), "the string form");
    assert!(out.contains(&format!("image: sigp/lighthouse:v8.3.3@{digest}\n")), "pinned by digest");
    // Validator clients run their beacon node's image, digest and all.
    assert!(out.matches(&format!("sigp/lighthouse:v8.3.3@{digest}")).count() > 4);
    let o = ethwasm(&["render", "charts/ethereum", "--seed", SEED, "--set", "ethstats.image.tags=v2"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("tags"), "{}", stderr(&o));
}

/// On a terminal (a pty from `script`), a render that runs over a second shows a live line with
/// the plugin's name and what it said of its progress; `--quiet` hides it, and so does a stderr
/// that is not a terminal.
#[test]
fn a_long_render_shows_its_progress_on_a_terminal_only() {
    let p = built("target/test-plugins/misbehave.wasm");
    let bin = env!("CARGO_BIN_EXE_ethwasm");
    let cache = root().join("target/test-cache");
    let on_a_pty = |extra: &str| {
        let cmd = format!(
            "{bin} render --plugins {p} --set misbehave.mode=progress --seed {} {extra} > /dev/null",
            "5a".repeat(32)
        );
        let o = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .current_dir(root())
            .env("ETHWASM_CACHE_DIR", &cache)
            .env("TERM", "xterm")
            .env_remove("ETHWASM_SEED")
            .output()
            .expect("run script");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    // --no-cache: the render runs again each time (a render-cache hit takes no time to show).
    let shown = on_a_pty("--no-cache");
    assert!(shown.contains("rendering misbehave: steps 1/2"), "no progress line on the terminal:\n{shown:?}");
    let quiet = on_a_pty("--no-cache --quiet");
    assert!(!quiet.contains("rendering"), "--quiet shows no line:\n{quiet:?}");
    let o = ethwasm(&["render", "--plugins", &p, "--set", "misbehave.mode=progress", "--no-cache"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("rendering"), "a pipe gets no progress line: {}", stderr(&o));
}
