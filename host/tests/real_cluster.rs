//! The release lifecycle against a real API server (Kubernetes 1.28 or newer; nodes are not
//! needed). Ignored by default; run with
//!
//! ```text
//! ETHWASM_TEST_KUBECONFIG=~/.kube/config cargo test -p ethwasm --test real_cluster -- --ignored --test-threads 1
//! ```
//!
//! Each test works in a namespace of its own (`ethwasm-test-<random>`) and deletes it after.
//! Pods never schedule (their nodeSelector matches no node), so `--wait` tests expect the
//! timeout, on clusters with nodes and without.

use ethwasm::cluster::kube::{Connect, KubeCluster};
use ethwasm::cluster::{builtin, Cluster, WriteOptions};
use ethwasm::deploy::{self, lock::Lock, Options, Revision, SeedChoice};
use ethwasm::release::Status;
use serde_json::{json, Value};
use std::future::Future;
use std::time::Duration;

const REL: &str = "net";

fn block_on<F: Future>(f: F) -> F::Output {
    ethwasm::cli::block_on(f)
}

/// Runs `body` in a fresh namespace of the test cluster, deleting the namespace afterwards.
fn in_namespace<F, Fut>(body: F)
where
    F: FnOnce(KubeCluster, String) -> Fut,
    Fut: Future<Output = ()>,
{
    let path = std::env::var_os("ETHWASM_TEST_KUBECONFIG")
        .expect("set ETHWASM_TEST_KUBECONFIG to a kubeconfig for a test cluster to run these tests");
    let c = block_on(KubeCluster::connect(&Connect { kubeconfig: Some(path.into()), context: None }))
        .expect("connect to the test cluster");
    let mut suffix = [0u8; 4];
    getrandom::fill(&mut suffix).expect("randomness");
    let ns = format!("ethwasm-test-{}", hex::encode(suffix));
    let ns_body = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
    block_on(c.apply(&builtin::namespace(), "", &ns, &ns_body, WriteOptions::default())).expect("create namespace");
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| block_on(body(c.clone(), ns.clone()))));
    let _ = block_on(c.delete(&builtin::namespace(), "", &ns, WriteOptions::default()));
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

fn labelled(ns: &str, api_version: &str, kind: &str, name: &str, extra: Value) -> Value {
    let mut o = json!({
        "apiVersion": api_version, "kind": kind,
        "metadata": {"name": name, "namespace": ns, "labels": {
            "app.kubernetes.io/managed-by": "ethwasm", "app.kubernetes.io/instance": REL}},
    });
    if let (Some(a), Value::Object(b)) = (o.as_object_mut(), extra) {
        a.extend(b);
    }
    o
}

fn config_map(ns: &str, name: &str, v: &str) -> Value {
    labelled(ns, "v1", "ConfigMap", name, json!({"data": {"k": v}}))
}

/// A StatefulSet whose pod never schedules.
fn sts(ns: &str, name: &str, replicas: i64) -> Value {
    labelled(
        ns,
        "apps/v1",
        "StatefulSet",
        name,
        json!({"spec": {
            "replicas": replicas, "serviceName": name,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {
                "nodeSelector": {"ethwasm.io/test": "never-scheduled"},
                "containers": [{"name": "pause", "image": "registry.k8s.io/pause:3.9"}]}}}}),
    )
}

fn revision(objects: Vec<Value>) -> Revision {
    Revision { objects, notes: vec![], values: json!({}), chart: None, plugins: vec![] }
}

fn opts() -> Options {
    Options { holder: "real-cluster-test".into(), poll_interval: Duration::from_millis(500), ..Options::default() }
}

async fn run(c: &KubeCluster, ns: &str, objects: Vec<Value>, o: &Options) -> anyhow::Result<deploy::Report> {
    deploy::deploy(c, ns, REL, SeedChoice::default(), |_, _| Ok(revision(objects)), o).await
}

async fn statuses(c: &KubeCluster, ns: &str) -> Vec<(u32, Status)> {
    deploy::history(c, ns, REL).await.unwrap().iter().map(|r| (r.revision, r.status)).collect()
}

#[test]
#[ignore = "needs ETHWASM_TEST_KUBECONFIG"]
fn install_upgrade_prune_rollback_uninstall() {
    in_namespace(|c, ns| async move {
        let ns = ns.as_str();
        run(&c, ns, vec![config_map(ns, "a", "1"), config_map(ns, "old", "1"), sts(ns, "miner", 1)], &opts())
            .await
            .unwrap();
        let up = run(&c, ns, vec![config_map(ns, "a", "2"), sts(ns, "miner", 2)], &opts()).await.unwrap();
        assert_eq!(up.pruned.len(), 1);
        assert!(c.get(&builtin::config_map(), ns, "old").await.unwrap().is_none());
        let live = c.get(&builtin::stateful_set(), ns, "miner").await.unwrap().unwrap();
        assert_eq!(live["spec"]["replicas"], 2);

        let back = deploy::rollback(&c, ns, REL, None, &opts()).await.unwrap();
        assert_eq!(back.revision, 3);
        assert_eq!(c.get(&builtin::config_map(), ns, "a").await.unwrap().unwrap()["data"]["k"], "1");
        assert!(c.get(&builtin::config_map(), ns, "old").await.unwrap().is_some());
        assert_eq!(statuses(&c, ns).await, [(1, Status::Superseded), (2, Status::Superseded), (3, Status::Deployed)]);

        let (latest, workloads) = deploy::status(&c, ns, REL).await.unwrap();
        assert_eq!(latest.revision, 3);
        assert!(!workloads[0].1.is_ready(), "pods cannot schedule");

        deploy::uninstall(&c, ns, REL, false, &opts()).await.unwrap();
        assert!(c.get(&builtin::config_map(), ns, "a").await.unwrap().is_none());
        assert!(deploy::history(&c, ns, REL).await.is_err());
    });
}

#[test]
#[ignore = "needs ETHWASM_TEST_KUBECONFIG"]
fn a_held_lock_stops_a_second_deploy() {
    in_namespace(|c, ns| async move {
        let ns = ns.as_str();
        let held = Lock::acquire(&c, ns, REL, "someone-else", Duration::from_secs(60)).await.unwrap();
        let e = run(&c, ns, vec![config_map(ns, "a", "1")], &opts()).await.unwrap_err();
        assert!(e.to_string().contains("locked by someone-else"), "{e}");
        held.release(&c).await;
        run(&c, ns, vec![config_map(ns, "a", "1")], &opts()).await.unwrap();
    });
}

#[test]
#[ignore = "needs ETHWASM_TEST_KUBECONFIG"]
fn conflicts_name_field_and_manager_and_force_takes_over() {
    in_namespace(|c, ns| async move {
        let ns = ns.as_str();
        run(&c, ns, vec![config_map(ns, "a", "1")], &opts()).await.unwrap();
        let edit = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": ns},
                          "data": {"k": "edited"}});
        // Another manager takes the field (as `kubectl apply --server-side --force-conflicts` would).
        patch_as(&c, ns, "kubectl-edit", &edit).await;
        let e = run(&c, ns, vec![config_map(ns, "a", "2")], &opts()).await.unwrap_err();
        let text = format!("{e:#}");
        assert!(text.contains("kubectl-edit") && text.contains("data"), "{text}");
        let forced = Options { force_conflicts: true, ..opts() };
        run(&c, ns, vec![config_map(ns, "a", "2")], &forced).await.unwrap();
        assert_eq!(c.get(&builtin::config_map(), ns, "a").await.unwrap().unwrap()["data"]["k"], "2");
    });
}

#[test]
#[ignore = "needs ETHWASM_TEST_KUBECONFIG"]
fn a_wait_timeout_rolls_back_with_rollback_on_failure() {
    in_namespace(|c, ns| async move {
        let ns = ns.as_str();
        run(&c, ns, vec![config_map(ns, "a", "1")], &opts()).await.unwrap();
        let o = Options { wait: true, timeout: Duration::from_secs(3), rollback_on_failure: true, ..opts() };
        let e = run(&c, ns, vec![config_map(ns, "a", "2"), sts(ns, "miner", 1)], &o).await.unwrap_err();
        let text = format!("{e:#}");
        assert!(text.contains("timed out") && text.contains("rolled back to revision 1"), "{text}");
        assert!(c.get(&builtin::stateful_set(), ns, "miner").await.unwrap().is_none());
        assert_eq!(c.get(&builtin::config_map(), ns, "a").await.unwrap().unwrap()["data"]["k"], "1");
        assert_eq!(statuses(&c, ns).await, [(1, Status::Superseded), (2, Status::Failed), (3, Status::Deployed)]);
    });
}

#[test]
#[ignore = "needs ETHWASM_TEST_KUBECONFIG"]
fn records_over_one_mebibyte_are_split() {
    in_namespace(|c, ns| async move {
        let ns = ns.as_str();
        let mut blob = String::new();
        let mut block = [0u8; 32];
        while blob.len() < 2 << 20 {
            use sha2::Digest;
            block = sha2::Sha256::digest(block).into();
            blob.push_str(&hex::encode(block));
        }
        let mut rev = revision(vec![config_map(ns, "a", "1")]);
        rev.values = json!({"blob": blob});
        deploy::deploy(&c, ns, REL, SeedChoice::default(), |_, _| Ok(rev), &opts()).await.unwrap();
        let parts = c.list(&builtin::secret(), Some(ns), "ethwasm.io/release=net").await.unwrap();
        assert!(parts.len() >= 2, "{} parts", parts.len());
        let hist = deploy::history(&c, ns, REL).await.unwrap();
        assert_eq!(hist[0].values["blob"].as_str().unwrap().len(), blob.len());
    });
}

#[test]
#[ignore = "needs ETHWASM_TEST_KUBECONFIG"]
fn unserved_kinds_and_server_dry_runs() {
    in_namespace(|c, ns| async move {
        let ns = ns.as_str();
        let odd = labelled(ns, "example.invalid/v1", "Gadget", "g", json!({}));
        let e = run(&c, ns, vec![config_map(ns, "a", "1"), odd], &opts()).await.unwrap_err();
        assert!(e.to_string().contains("Gadget (example.invalid/v1)"), "{e}");
        let dry = Options { dry_run: Some(deploy::DryRun::Server), ..opts() };
        run(&c, ns, vec![config_map(ns, "a", "1"), sts(ns, "miner", 1)], &dry).await.unwrap();
        assert!(c.get(&builtin::config_map(), ns, "a").await.unwrap().is_none());
    });
}

/// Server-side apply as another field manager, forcing.
async fn patch_as(c: &KubeCluster, ns: &str, manager: &str, body: &Value) {
    let client = c.client().clone();
    let api: kube::Api<kube::api::DynamicObject> = kube::Api::namespaced_with(
        client,
        ns,
        &kube::api::ApiResource {
            group: String::new(),
            version: "v1".into(),
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            plural: "configmaps".into(),
        },
    );
    let name = body["metadata"]["name"].as_str().unwrap();
    api.patch(name, &kube::api::PatchParams::apply(manager).force(), &kube::api::Patch::Apply(body)).await.unwrap();
}

#[test]
#[ignore = "needs ETHWASM_TEST_KUBECONFIG and `make build`"]
fn the_ethereum_chart_deploys_diffs_clean_and_uninstalls() {
    use ethwasm::cli::{RuntimeArgs, SourceArgs, ValuesArgs};
    in_namespace(|c, ns| async move {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
        let source = SourceArgs {
            chart: Some(root.join("charts/ethereum")),
            plugins: vec![],
            release: Some("eth".into()),
            namespace: Some(ns.clone()),
            seed: None,
        };
        let values = ValuesArgs { values: vec![], set: vec![], set_string: vec![], set_json: vec![], set_file: vec![] };
        let runtime = RuntimeArgs {
            cache_dir: Some(root.join("target/test-cache")),
            no_cache: false,
            plugin_memory: 256 << 20,
            plugin_timeout: Duration::from_secs(60),
            max_output: 16 << 20,
        };
        let render = || ethwasm::commands::deploy::renderer(&source, &values, &runtime, &ns, "eth");
        // The API server validates every object first, then they are applied for real.
        let dry = Options { dry_run: Some(deploy::DryRun::Server), ..opts() };
        deploy::deploy(&c, &ns, "eth", SeedChoice::default(), render(), &dry).await.unwrap();
        let report = deploy::deploy(&c, &ns, "eth", SeedChoice::default(), render(), &opts()).await.unwrap();
        assert!(report.applied.len() >= 15, "{:?}", report.applied);
        let plan = deploy::plan(&c, &ns, "eth", SeedChoice::default(), render()).await.unwrap();
        let (text, changed) = deploy::diff::diff(&c, &plan.targets, &plan.prune, true, false, false).await.unwrap();
        assert!(!changed, "a fresh deploy differs from its own render:\n{text}");
        deploy::uninstall(&c, &ns, "eth", false, &opts()).await.unwrap();
    });
}
