//! The release lifecycle, scenario by scenario, against both API servers: the in-process fake
//! (every `fake` test, run by `make test`) and a real one (every `real` test, ignored unless
//! asked for). Each scenario is written once and runs on both, so wherever the fake answers
//! differently from Kubernetes a `fake` test fails and the fake gets fixed.
//!
//! ```text
//! make test-cluster    # starts ../shared/k8s, runs the `real` tests, stops it
//! ETHWASM_TEST_KUBECONFIG=~/.kube/config cargo test -p ethwasm --test real_cluster -- --ignored
//! ```
//!
//! Each test works in a namespace of its own (`ethwasm-test-<random>`) and deletes it after.
//! Workloads whose image contains `does-not-exist` never become ready: the image pull fails on
//! a real cluster (../shared/k8s's fake kubelet fails it on purpose), and the fake models that.
//! Scenarios through the binary need `make build` (the chart's plugins).

#[path = "support/registry.rs"]
mod registry;

use ethwasm::cluster::kube::{Connect, KubeCluster};
use ethwasm::cluster::{builtin, Cause, Cluster, ClusterError, WriteOptions};
use ethwasm::deploy::{self, lock::Lock, Options, Revision, SeedChoice};
use ethwasm::release::Status;
use fake_apiserver::FakeApi;
use futures::FutureExt;
use serde_json::{json, Value};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const REL: &str = "net";
/// An image no registry serves: its pods never become ready.
const BROKEN_IMAGE: &str = "registry.invalid/does-not-exist:1";
/// A deploy of the chart whose geth pods never become ready, waiting for them.
const BROKEN_DEPLOY: &[&str] = &[
    "deploy",
    "charts/ethereum",
    "--set",
    "miners.image.repository=registry.invalid/does-not-exist",
    "--wait",
    "--no-notes",
];

/// What a scenario works with.
struct Env {
    c: KubeCluster,
    ns: String,
    kubeconfig: PathBuf,
    /// Set on the fake backend (for the few facts only a real cluster has, such as pods).
    fake: Option<FakeApi>,
}

impl Env {
    fn real(&self) -> bool {
        self.fake.is_none()
    }

    /// Runs the `ethwasm` binary against this cluster and namespace.
    fn ethwasm(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run ethwasm")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = self.anywhere(args);
        cmd.args(["-n", &self.ns]);
        cmd
    }

    /// The command without `-n` (for `list -A`).
    fn anywhere(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ethwasm"));
        cmd.args(args)
            .args(["--kubeconfig", &self.kubeconfig.display().to_string()])
            .current_dir(root())
            .env("ETHWASM_CACHE_DIR", root().join("target/test-cache"))
            .env_remove("ETHWASM_SEED")
            .env_remove("ETHWASM_NAMESPACE");
        cmd
    }

    /// Like [`Env::ethwasm`], asserting success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let o = self.ethwasm(args);
        assert!(o.status.success(), "ethwasm {args:?}: {}\n{}", o.status, text(&o.stderr));
        text(&o.stdout)
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[derive(Clone, Copy)]
enum Backend {
    Fake,
    Real,
}

/// Runs `body` in a fresh namespace of the chosen API server, deleting the namespace
/// afterwards. Everything runs on one tokio runtime: a kube client is bound to the runtime it
/// was made on.
fn run_on<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(Env) -> Fut,
    Fut: Future<Output = ()>,
{
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (kubeconfig, fake) = match backend {
        Backend::Real => {
            let path = std::env::var_os("ETHWASM_TEST_KUBECONFIG")
                .expect("set ETHWASM_TEST_KUBECONFIG to a kubeconfig for a test cluster (make test-cluster does it)");
            (PathBuf::from(path), None)
        }
        Backend::Fake => {
            let fake = FakeApi::new();
            fake.set_ready(true);
            let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
            let path = dir.path().join("kubeconfig");
            std::fs::write(&path, FakeApi::kubeconfig(listener.local_addr().unwrap(), "default")).unwrap();
            rt.spawn(fake.clone().listen(listener));
            (path, Some(fake))
        }
    };
    rt.block_on(async move {
        let c = KubeCluster::connect(&Connect { kubeconfig: Some(kubeconfig.clone()), context: None })
            .await
            .expect("connect to the test cluster");
        let mut suffix = [0u8; 4];
        getrandom::fill(&mut suffix).expect("randomness");
        let ns = format!("ethwasm-test-{}", hex::encode(suffix));
        let ns_body = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
        c.apply(&builtin::namespace(), "", &ns, &ns_body, WriteOptions::default()).await.expect("create namespace");
        let env = Env { c: c.clone(), ns: ns.clone(), kubeconfig, fake };
        let outcome = std::panic::AssertUnwindSafe(body(env)).catch_unwind().await;
        let _ = c.delete(&builtin::namespace(), "", &ns, WriteOptions::default()).await;
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    });
}

/// One `fake` and one `real` test per scenario.
macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn fake() {
                super::run_on(super::Backend::Fake, super::$name)
            }
            #[test]
            #[ignore = "needs a real API server: make test-cluster, or ETHWASM_TEST_KUBECONFIG"]
            fn real() {
                super::run_on(super::Backend::Real, super::$name)
            }
        }
    )*};
}

scenarios!(
    install_upgrade_prune_rollback_uninstall,
    a_live_holder_makes_a_second_deploy_fail,
    an_abandoned_lock_is_taken_over_within_one_lease,
    an_operation_that_loses_its_lock_stops,
    conflicts_name_field_and_manager_and_force_takes_over,
    a_wait_timeout_rolls_back_with_rollback_on_failure,
    records_over_one_mebibyte_are_split,
    unserved_kinds_and_server_dry_runs,
    the_ethereum_chart_deploys_diffs_clean_and_uninstalls,
    deploy_wait_returns_once_every_workload_is_ready,
    a_broken_image_fails_the_wait_and_rolls_back,
    a_changed_genesis_needs_a_new_chain_which_replaces_every_node,
    uninstall_then_deleting_the_namespace_completes,
    two_deploys_at_once_keep_history_consistent,
    a_killed_deploy_is_recovered_within_one_lease,
    the_api_answers_as_kubernetes_does,
    proof_of_stake_artefacts_are_accepted_and_diff_clean,
    a_definition_and_its_resources_deploy_in_one_release,
    a_proof_of_stake_node_added_keeps_the_genesis_and_every_key,
    scaling_validator_clients_never_runs_a_key_twice,
    a_packaged_chart_deploys_as_its_directory,
    a_chart_from_a_registry_deploys_and_records_its_source,
    a_proof_of_stake_network_is_peered_budgeted_and_falls_back,
    an_object_the_release_did_not_create_is_never_taken_over,
    a_plugin_past_its_grants_is_refused_at_deploy_before_anything_is_applied,
    a_deployment_whose_new_pod_cannot_start_fails_the_wait_at_once,
    a_damaged_record_is_contained_and_the_release_recovers,
    an_upgrade_keeps_the_values_given_before_unless_reset,
    a_copied_chart_deploys_from_anywhere,
    an_image_change_rolls_out_in_waves_within_the_finality_budget,
    a_blob_fork_is_scheduled_on_a_running_chain_without_a_new_chain,
    voluntary_exits_are_signed_and_submitted_by_a_job,
    validators_join_by_deposit_without_a_new_genesis_or_a_moved_key,
    the_network_tools_deploy_next_to_the_network_and_come_up,
    a_mixed_client_network_deploys_and_a_validator_client_changes_client,
);

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

/// A StatefulSet whose pod never becomes ready (its image cannot be pulled).
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
                "containers": [{"name": "main", "image": BROKEN_IMAGE}]}}}}),
    )
}

fn revision(objects: Vec<Value>) -> Revision {
    Revision {
        objects,
        notes: vec![],
        values: json!({}),
        chart_values: None,
        chart: None,
        plugins: vec![],
        grants: Default::default(),
    }
}

fn opts() -> Options {
    Options { holder: "real-cluster-test".into(), poll_interval: Duration::from_millis(500), ..Options::default() }
}

async fn run(c: &KubeCluster, ns: &str, objects: Vec<Value>, o: &Options) -> ethwasm::Result<deploy::Report> {
    deploy::deploy(c, ns, REL, SeedChoice::default(), |_| Ok(revision(objects)), o).await
}

async fn statuses(c: &KubeCluster, ns: &str, release: &str) -> Vec<(u32, Status)> {
    deploy::history(c, ns, release).await.unwrap().iter().map(|r| (r.revision, r.status)).collect()
}

async fn install_upgrade_prune_rollback_uninstall(t: Env) {
    let (c, ns) = (&t.c, t.ns.as_str());
    run(c, ns, vec![config_map(ns, "a", "1"), config_map(ns, "old", "1"), sts(ns, "miner", 1)], &opts()).await.unwrap();
    let up = run(c, ns, vec![config_map(ns, "a", "2"), sts(ns, "miner", 2)], &opts()).await.unwrap();
    assert_eq!(up.pruned.len(), 1);
    assert!(c.get(&builtin::config_map(), ns, "old").await.unwrap().is_none());
    let live = c.get(&builtin::stateful_set(), ns, "miner").await.unwrap().unwrap();
    assert_eq!(live["spec"]["replicas"], 2);

    let back = deploy::rollback(c, ns, REL, None, &opts()).await.unwrap();
    assert_eq!(back.revision, 3);
    assert_eq!(c.get(&builtin::config_map(), ns, "a").await.unwrap().unwrap()["data"]["k"], "1");
    assert!(c.get(&builtin::config_map(), ns, "old").await.unwrap().is_some());
    assert_eq!(statuses(c, ns, REL).await, [(1, Status::Superseded), (2, Status::Superseded), (3, Status::Deployed)]);

    let (latest, workloads) = deploy::status(c, ns, REL).await.unwrap();
    assert_eq!(latest.revision, 3);
    assert!(!workloads[0].1.is_ready(), "its image cannot be pulled");

    deploy::uninstall(c, ns, REL, false, &opts()).await.unwrap();
    assert!(c.get(&builtin::config_map(), ns, "a").await.unwrap().is_none());
    assert!(deploy::history(c, ns, REL).await.is_err());
}

async fn a_live_holder_makes_a_second_deploy_fail(t: Env) {
    let (c, ns) = (&t.c, t.ns.as_str());
    let held = Lock::acquire(c, ns, REL, "someone-else", Duration::from_secs(3)).await.unwrap();
    let holding = held.hold(c, async {
        tokio::time::sleep(Duration::from_secs(4)).await;
        Ok(())
    });
    let second = async {
        // Let the holder renew at least once first.
        tokio::time::sleep(Duration::from_millis(500)).await;
        run(c, ns, vec![config_map(ns, "a", "1")], &opts()).await
    };
    let (held_out, second_out) = futures::join!(holding, second);
    held_out.unwrap();
    // It failed (had the lease run out first, it would have taken it over): it saw a renewal.
    let e = second_out.unwrap_err();
    assert!(e.to_string().contains("locked by someone-else"), "{e}");
    // The holder released it: the next deploy goes through.
    run(c, ns, vec![config_map(ns, "a", "1")], &opts()).await.unwrap();
}

async fn an_abandoned_lock_is_taken_over_within_one_lease(t: Env) {
    let (c, ns) = (&t.c, t.ns.as_str());
    // A holder that died: it took the lease and never renewed it.
    let _dead = Lock::acquire(c, ns, REL, "killed-process", Duration::from_secs(3)).await.unwrap();
    let lease = c.get(&builtin::lease(), ns, "ethwasm.lock.net").await.unwrap().unwrap();
    let renewed: jiff::Timestamp = lease["spec"]["renewTime"].as_str().unwrap().parse().unwrap();
    let expires = renewed + jiff::SignedDuration::from_secs(3);
    let started = Instant::now();
    run(c, ns, vec![config_map(ns, "a", "1")], &opts()).await.unwrap();
    let took = started.elapsed();
    // It took the lease over only once it had run out: a causal bound, which a slow machine
    // cannot break. The upper bound is there only to catch a wait for ever, with ample room.
    assert!(jiff::Timestamp::now() >= expires, "took over a lease that had not run out (it ran to {expires})");
    assert!(took < Duration::from_secs(3 + 60), "{took:?}");
}

async fn an_operation_that_loses_its_lock_stops(t: Env) {
    let (c, ns) = (&t.c, t.ns.as_str());
    let lock = Lock::acquire(c, ns, REL, "me", Duration::from_secs(3)).await.unwrap();
    let writes = std::sync::atomic::AtomicUsize::new(0);
    let op = lock.hold(c, async {
        #[allow(clippy::infinite_loop)]
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            writes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let thief = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let lease = c.get(&builtin::lease(), ns, "ethwasm.lock.net").await.unwrap().unwrap();
        let mut taken = lease.clone();
        taken["spec"]["holderIdentity"] = "thief".into();
        c.replace(&builtin::lease(), ns, "ethwasm.lock.net", &taken).await.unwrap();
    };
    let (out, ()): (ethwasm::Result<()>, ()) = futures::join!(op, thief);
    let e = out.unwrap_err();
    assert!(e.find::<deploy::lock::LockLost>().is_some(), "{e:#}");
    assert_eq!(e.class(), ethwasm::Class::Cluster);
    assert!(e.to_string().contains("taken over by thief"), "{e}");
    let stopped_at = writes.load(std::sync::atomic::Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(writes.load(std::sync::atomic::Ordering::SeqCst), stopped_at, "the operation stopped");
    let lease = c.get(&builtin::lease(), ns, "ethwasm.lock.net").await.unwrap().unwrap();
    assert_eq!(lease["spec"]["holderIdentity"], "thief", "a lost lease is not deleted");
}

async fn conflicts_name_field_and_manager_and_force_takes_over(t: Env) {
    let (c, ns) = (&t.c, t.ns.as_str());
    run(c, ns, vec![config_map(ns, "a", "1")], &opts()).await.unwrap();
    let edit = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": ns},
                      "data": {"k": "edited"}});
    // Another manager takes the field (as `kubectl apply --server-side --force-conflicts` would).
    patch_as(c, ns, "kubectl-edit", &edit).await;
    let e = run(c, ns, vec![config_map(ns, "a", "2")], &opts()).await.unwrap_err();
    let text = format!("{e:#}");
    assert!(text.contains("kubectl-edit") && text.contains(".data.k"), "{text}");
    let forced = Options { force_conflicts: true, ..opts() };
    run(c, ns, vec![config_map(ns, "a", "2")], &forced).await.unwrap();
    assert_eq!(c.get(&builtin::config_map(), ns, "a").await.unwrap().unwrap()["data"]["k"], "2");
}

async fn a_wait_timeout_rolls_back_with_rollback_on_failure(t: Env) {
    let (c, ns) = (&t.c, t.ns.as_str());
    run(c, ns, vec![config_map(ns, "a", "1")], &opts()).await.unwrap();
    let o = Options { wait: true, timeout: Duration::from_secs(3), rollback_on_failure: true, ..opts() };
    let e = run(c, ns, vec![config_map(ns, "a", "2"), sts(ns, "miner", 1)], &o).await.unwrap_err();
    let text = format!("{e:#}");
    // A real cluster's pod waits in ErrImagePull, which ends the wait at once; the fake runs no
    // pods, so its wait times out.
    let why = if t.real() { "cannot roll out: pod miner-0 cannot start" } else { "timed out" };
    assert!(text.contains(why) && text.contains("rolled back to revision 1"), "{text}");
    assert!(c.get(&builtin::stateful_set(), ns, "miner").await.unwrap().is_none());
    assert_eq!(c.get(&builtin::config_map(), ns, "a").await.unwrap().unwrap()["data"]["k"], "1");
    assert_eq!(statuses(c, ns, REL).await, [(1, Status::Superseded), (2, Status::Failed), (3, Status::Deployed)]);
}

async fn records_over_one_mebibyte_are_split(t: Env) {
    let (c, ns) = (&t.c, t.ns.as_str());
    let mut blob = String::new();
    let mut block = [0u8; 32];
    while blob.len() < 2 << 20 {
        use sha2::Digest;
        block = sha2::Sha256::digest(block).into();
        blob.push_str(&hex::encode(block));
    }
    let mut rev = revision(vec![config_map(ns, "a", "1")]);
    rev.values = json!({"blob": blob});
    deploy::deploy(c, ns, REL, SeedChoice::default(), |_| Ok(rev), &opts()).await.unwrap();
    let parts = c.list(&builtin::secret(), Some(ns), "ethwasm.io/release=net").await.unwrap();
    assert!(parts.len() >= 2, "{} parts", parts.len());
    let hist = deploy::history(c, ns, REL).await.unwrap();
    assert_eq!(hist[0].values["blob"].as_str().unwrap().len(), blob.len());
}

async fn unserved_kinds_and_server_dry_runs(t: Env) {
    let (c, ns) = (&t.c, t.ns.as_str());
    let odd = labelled(ns, "example.invalid/v1", "Gadget", "g", json!({}));
    let e = run(c, ns, vec![config_map(ns, "a", "1"), odd], &opts()).await.unwrap_err();
    assert!(e.to_string().contains("Gadget (example.invalid/v1)"), "{e}");
    let dry = Options { dry_run: Some(deploy::DryRun::Server), ..opts() };
    run(c, ns, vec![config_map(ns, "a", "1"), sts(ns, "miner", 1)], &dry).await.unwrap();
    assert!(c.get(&builtin::config_map(), ns, "a").await.unwrap().is_none());
    // A server dry run sees what the server would refuse.
    let bad = labelled(ns, "v1", "ConfigMap", "Not_A_Name", json!({"data": {"k": "v"}}));
    let e = run(c, ns, vec![bad], &dry).await.unwrap_err();
    assert!(format!("{e:#}").contains("Not_A_Name"), "{e:#}");
}

/// A CustomResourceDefinition of a kind unique to this test's namespace.
fn widget_definition(ns: &str) -> (Value, String) {
    let group = format!("{ns}.ethwasm.test");
    let mut crd = labelled(
        "",
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        &format!("widgets.{group}"),
        json!({"spec": {
            "group": group, "scope": "Namespaced",
            "names": {"kind": "Widget", "plural": "widgets", "singular": "widget", "listKind": "WidgetList"},
            "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {
                "type": "object",
                "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer"}}}},
            }}}],
        }}),
    );
    crd["metadata"].as_object_mut().unwrap().remove("namespace");
    (crd, format!("{group}/v1"))
}

async fn a_definition_and_its_resources_deploy_in_one_release(t: Env) {
    let (c, ns) = (&t.c, t.ns.as_str());
    let (crd, api_version) = widget_definition(ns);
    let widget = labelled(ns, &api_version, "Widget", "w", json!({"spec": {"size": 3}}));
    let objects = vec![config_map(ns, "a", "1"), crd.clone(), widget.clone()];
    // A server dry run cannot check a resource whose definition is not installed: it says so.
    let dry = Options { dry_run: Some(deploy::DryRun::Server), ..opts() };
    let r = run(c, ns, objects.clone(), &dry).await.unwrap();
    assert_eq!(r.skipped.iter().map(|k| k.kind.as_str()).collect::<Vec<_>>(), ["Widget"], "{r:?}");
    // The definition is applied and Established first, then the resource.
    let r = run(c, ns, objects.clone(), &opts()).await.unwrap();
    assert_eq!(r.applied.len(), 3, "{r:?}");
    let rt = c.resource(&api_version, "Widget").await.expect("served after the deploy");
    let live = c.get(&rt, ns, "w").await.unwrap().expect("the Widget exists");
    assert_eq!(live["spec"]["size"], 3);
    // An upgrade finds both served; status reads the release.
    let r = run(c, ns, objects.clone(), &opts()).await.unwrap();
    assert_eq!((r.revision, r.applied.len(), r.pruned.len()), (2, 3, 0));
    // Someone else's resource of the same definition.
    let mut theirs = widget.clone();
    theirs["metadata"] = json!({ "name": "theirs", "namespace": ns });
    c.create(&rt, ns, &theirs).await.unwrap();
    // Uninstall deletes the release's Widget and keeps the definition, saying so: deleting it
    // would delete every Widget in the cluster.
    let r = deploy::uninstall(c, ns, REL, false, &opts()).await.unwrap();
    assert_eq!(r.kept.iter().map(|k| k.kind.as_str()).collect::<Vec<_>>(), ["CustomResourceDefinition"]);
    assert!(c.get(&rt, ns, "w").await.map(|o| o.is_none()).unwrap_or(true), "the Widget is gone");
    assert!(c.get(&rt, ns, "theirs").await.unwrap().is_some(), "someone else's Widget stays");
    let crd_rt = c.resource("apiextensions.k8s.io/v1", "CustomResourceDefinition").await.unwrap();
    let name = crd["metadata"]["name"].as_str().unwrap();
    let left = c.get(&crd_rt, "", name).await.unwrap().expect("the definition is kept");
    assert!(left.pointer("/metadata/deletionTimestamp").is_none());
    // Installed again (the kept definition carries the release's labels), then uninstalled with
    // --delete-crds: the definition goes.
    run(c, ns, objects, &opts()).await.unwrap();
    let delete_crds = Options { delete_crds: true, ..opts() };
    let r = deploy::uninstall(c, ns, REL, false, &delete_crds).await.unwrap();
    assert!(r.kept.is_empty(), "{r:?}");
    let left = c.get(&crd_rt, "", name).await.unwrap();
    assert!(left.is_none_or(|l| l.pointer("/metadata/deletionTimestamp").is_some()), "the definition is deleted");
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

async fn the_ethereum_chart_deploys_diffs_clean_and_uninstalls(t: Env) {
    // A server dry run into a namespace that does not exist says so, as a deploy does.
    let missing = format!("{}-missing", t.ns);
    let o =
        t.anywhere(&["deploy", "charts/ethereum", "--dry-run=server", "-n", &missing, "--no-notes"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains(&format!("namespace {missing} does not exist")), "{}", text(&o.stderr));
    // The API server validates every object first (server dry run), then they are applied.
    let dry = t.ok(&["deploy", "charts/ethereum", "--dry-run=server", "--no-notes"]);
    assert!(dry.contains("server dry run: nothing stored"), "{dry}");
    // --wait: every pod, and so every claim the StatefulSet controller makes for it, exists
    // before the uninstall counts the claims it keeps (without it, a claim made just after the
    // count is listed below but not in the count).
    let out = t.ok(&["deploy", "charts/ethereum", "--no-notes", "--wait", "--timeout", "3m"]);
    assert!(out.contains("revision 1"), "{out}");
    let d = t.ethwasm(&["diff", "charts/ethereum"]);
    assert_eq!(d.status.code(), Some(0), "a fresh deploy differs from its own render:\n{}", text(&d.stdout));
    let out = t.ok(&["uninstall"]);
    assert!(out.contains("uninstalled"), "{out}");
    let left = t.c.list(&builtin::stateful_set(), Some(&t.ns), "app.kubernetes.io/managed-by=ethwasm").await.unwrap();
    assert!(left.is_empty(), "{left:?}");
    // The StatefulSets' claims (a real cluster's controller makes them) are kept, and named.
    let claims = t.c.list(&builtin::persistent_volume_claim(), Some(&t.ns), "").await.unwrap();
    if t.real() {
        assert!(!claims.is_empty());
        let said = format!("kept {} PersistentVolumeClaims holding the chain's data", claims.len());
        assert!(out.contains(&said) && out.contains(&format!("kubectl delete pvc -n {}", t.ns)), "{out}");
    } else {
        assert!(claims.is_empty() && !out.contains("kept"), "{out}");
    }
}

fn status_json(t: &Env) -> Value {
    serde_json::from_str(&t.ok(&["status", "-o", "json"])).unwrap()
}

async fn deploy_wait_returns_once_every_workload_is_ready(t: Env) {
    let out = t.ok(&["deploy", "charts/ethereum", "--wait", "--timeout", "3m", "--no-notes"]);
    assert!(out.contains("revision 1"), "{out}");
    // Right after --wait returns, every workload is ready, as the API server reports it.
    for kind in [builtin::stateful_set(), builtin::deployment()] {
        for w in t.c.list(&kind, Some(&t.ns), "app.kubernetes.io/instance=ethereum").await.unwrap() {
            let want = w["spec"]["replicas"].as_i64().unwrap_or(1);
            assert_eq!(w["status"]["readyReplicas"].as_i64(), Some(want), "{}", w["metadata"]["name"]);
        }
    }
    let status = status_json(&t);
    assert_eq!(status["status"], "deployed", "{status}");
    let workloads = status["workloads"].as_array().unwrap();
    assert!(workloads.len() >= 4, "{status}");
    assert!(workloads.iter().all(|w| w["ready"] == true), "{status}");
    if t.real() {
        // Real pods exist and are Ready (the fake has no controllers, so no pods).
        let pods = t.c.list(&builtin::pod(), Some(&t.ns), "app.kubernetes.io/instance=ethereum").await.unwrap();
        assert!(pods.len() >= 4, "{} pods", pods.len());
        let ready = |p: &Value| {
            p["status"]["conditions"]
                .as_array()
                .is_some_and(|cs| cs.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
        };
        assert!(pods.iter().all(ready), "{pods:?}");
    }
}

async fn a_broken_image_fails_the_wait_and_rolls_back(t: Env) {
    t.ok(&["deploy", "charts/ethereum", "--wait", "--timeout", "3m", "--no-notes"]);
    // A real cluster's new pod waits in ErrImagePull, which fails the wait at once (the timeout
    // is long so that only that can end it); the fake runs no pods, so its wait times out.
    let timeout = if t.real() { "10m" } else { "20s" };
    let o = t.ethwasm(&[BROKEN_DEPLOY, &["--timeout", timeout, "--rollback-on-failure"]].concat());
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(err.contains("rolled back to revision 1"), "{err}");
    if t.real() {
        assert!(err.contains("cannot roll out: pod ethereum-") && err.contains("ImagePull"), "{err}");
    } else {
        assert!(err.contains("timed out"), "{err}");
    }
    let history = deploy::history(&t.c, &t.ns, "ethereum").await.unwrap();
    let got: Vec<(u32, Status)> = history.iter().map(|r| (r.revision, r.status)).collect();
    assert_eq!(got, [(1, Status::Superseded), (2, Status::Failed), (3, Status::Deployed)]);
    // The live workloads are revision 1's again.
    for w in t.c.list(&builtin::stateful_set(), Some(&t.ns), "app.kubernetes.io/instance=ethereum").await.unwrap() {
        let images = w["spec"]["template"]["spec"]["containers"].to_string();
        assert!(!images.contains("does-not-exist"), "{images}");
    }
    assert_eq!(status_json(&t)["revision"], 3);
}

/// The pod template annotation that carries the genesis hash, per StatefulSet.
async fn genesis_hashes(t: &Env) -> Vec<(String, String)> {
    let list = t.c.list(&builtin::stateful_set(), Some(&t.ns), "app.kubernetes.io/instance=ethereum").await.unwrap();
    list.iter()
        .filter_map(|s| {
            let hash = s["spec"]["template"]["metadata"]["annotations"]["ethwasm.io/genesis-hash"].as_str()?;
            Some((s["metadata"]["name"].as_str()?.to_string(), hash.to_string()))
        })
        .collect()
}

async fn a_changed_genesis_needs_a_new_chain_which_replaces_every_node(t: Env) {
    t.ok(&["deploy", "charts/ethereum", "--wait", "--timeout", "3m", "--no-notes"]);
    let before = genesis_hashes(&t).await;
    assert!(before.len() >= 2, "{before:?}");
    let pods_before = t.c.list(&builtin::pod(), Some(&t.ns), "app.kubernetes.io/instance=ethereum").await.unwrap();
    let claims_before = t.c.list(&builtin::persistent_volume_claim(), Some(&t.ns), "").await.unwrap_or_default();
    let changed = ["deploy", "charts/ethereum", "--set", "genesis.gasLimit=0x9000000", "--wait", "--timeout", "3m"];
    // Refused: the nodes' data belongs to the old genesis. Nothing is recorded or applied.
    let o = t.ethwasm(&[&changed[..], &["--no-notes"]].concat());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("changes the chain's genesis") && text(&o.stderr).contains("--new-chain"));
    assert_eq!(deploy::history(&t.c, &t.ns, "ethereum").await.unwrap().len(), 1);
    assert_eq!(genesis_hashes(&t).await, before);
    // Asked for: the old chain's StatefulSets and volumes go first, then the new chain starts.
    let out = t.ok(&[&changed[..], &["--new-chain", "--no-notes"]].concat());
    assert!(out.contains("revision 2 upgrade complete"), "{out}");
    let after = genesis_hashes(&t).await;
    assert_eq!(before.len(), after.len());
    for ((name, a), (_, b)) in before.iter().zip(&after) {
        assert_ne!(a, b, "{name}: the genesis hash annotation did not change");
    }
    let uid = |p: &Value| p["metadata"]["uid"].as_str().unwrap_or_default().to_string();
    let name = |p: &Value| p["metadata"]["name"].as_str().unwrap_or_default().to_string();
    if t.real() {
        // Every node pod is new, and so is every data volume the StatefulSets claimed.
        let pods = t.c.list(&builtin::pod(), Some(&t.ns), "app.kubernetes.io/instance=ethereum").await.unwrap();
        for (sts, _) in &after {
            for p in pods.iter().filter(|p| name(p).starts_with(&format!("{sts}-"))) {
                assert!(pods_before.iter().all(|q| uid(q) != uid(p)), "{} was not replaced", name(p));
            }
        }
        let claims = t.c.list(&builtin::persistent_volume_claim(), Some(&t.ns), "").await.unwrap();
        for c in &claims {
            assert!(claims_before.iter().all(|q| uid(q) != uid(c)), "{} survived the old chain", name(c));
        }
    }
}

async fn uninstall_then_deleting_the_namespace_completes(t: Env) {
    t.ok(&["deploy", "charts/ethereum", "--wait", "--timeout", "3m", "--no-notes"]);
    t.ok(&["uninstall"]);
    assert!(deploy::history(&t.c, &t.ns, "ethereum").await.is_err(), "no records left");
    t.c.delete(&builtin::namespace(), "", &t.ns, WriteOptions::default()).await.unwrap();
    // Namespace deletion waits for every object in it (PVC protection, pod termination).
    let deadline = Instant::now() + Duration::from_secs(180);
    while t.c.get(&builtin::namespace(), "", &t.ns).await.unwrap().is_some() {
        assert!(Instant::now() < deadline, "namespace {} is still terminating after 3 minutes", t.ns);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn two_deploys_at_once_keep_history_consistent(t: Env) {
    let args = ["deploy", "charts/ethereum", "--wait", "--timeout", "3m", "--no-notes"];
    let mut a = t.command(&args);
    let mut b = t.command(&args);
    let (a, b) = (a.output(), b.output());
    let (a, b) = (a.unwrap(), b.unwrap());
    let codes = [a.status.code(), b.status.code()];
    let errs = format!("{}\n{}", text(&a.stderr), text(&b.stderr));
    // Both may succeed one after the other (the second waited for the lock to be released), or
    // one fails with exit 4 naming the holder.
    for (o, code) in [(&a, codes[0]), (&b, codes[1])] {
        assert!(code == Some(0) || (code == Some(4) && text(&o.stderr).contains("locked by")), "{codes:?}\n{errs}");
    }
    let wins = codes.iter().filter(|c| **c == Some(0)).count();
    assert!(wins >= 1, "{errs}");
    let history = statuses(&t.c, &t.ns, "ethereum").await;
    let revisions: Vec<u32> = history.iter().map(|(r, _)| *r).collect();
    assert_eq!(revisions, (1..=wins as u32).collect::<Vec<_>>(), "{history:?}");
    assert_eq!(history.last().unwrap().1, Status::Deployed);
    assert!(history[..history.len() - 1].iter().all(|(_, s)| *s == Status::Superseded), "{history:?}");
}

async fn a_killed_deploy_is_recovered_within_one_lease(t: Env) {
    use std::io::BufRead;
    let mut child = t
        .command(&[BROKEN_DEPLOY, &["--timeout", "5m"]].concat())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.any(|l| l.unwrap().starts_with("waiting  ")), "the deploy never started waiting");
    // SIGKILL: no chance to release the lease.
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(t.c.get(&builtin::lease(), &t.ns, "ethwasm.lock.ethereum").await.unwrap().is_some(), "left held");
    let started = Instant::now();
    let o = t.ethwasm(&["deploy", "charts/ethereum", "--no-notes"]);
    let took = started.elapsed();
    assert!(o.status.success(), "{}", text(&o.stderr));
    // The lease is 15 s; ample room for a busy machine above it.
    assert!(took < Duration::from_secs(15 + 60), "recovering took {took:?}");
    let history = deploy::history(&t.c, &t.ns, "ethereum").await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].status, Status::Failed);
    assert!(history[0].description.contains("interrupted"), "{}", history[0].description);
    assert_eq!(history[1].status, Status::Deployed);
}

/// The answers ethwasm relies on, pinned to what a Kubernetes 1.28 API server says (found by
/// sending the same requests to both): codes, reasons, causes and their wording.
async fn the_api_answers_as_kubernetes_does(t: Env) {
    let (c, ns) = (&t.c, t.ns.as_str());
    let api = |r: Result<Value, ClusterError>| match r {
        Err(ClusterError::Api { code, reason, message, causes }) => (code, reason, message, causes),
        other => panic!("expected an API error, got {other:?}"),
    };
    let cm = |name: &str, v: &str| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": {"k": v}});
    let rt = builtin::config_map();
    c.create(&rt, ns, &cm("a", "1")).await.unwrap();
    let (code, reason, message, _) = api(c.create(&rt, ns, &cm("a", "1")).await);
    assert_eq!((code, reason.as_str(), message.as_str()), (409, "AlreadyExists", r#"configmaps "a" already exists"#));
    assert!(c.get(&rt, ns, "zzz").await.unwrap().is_none());
    assert!(c.get(&builtin::stateful_set(), ns, "zzz").await.unwrap().is_none());
    let gone = c.delete(&builtin::stateful_set(), ns, "zzz", WriteOptions::default()).await;
    assert!(matches!(gone, Ok(false)), "deleting what is not there is not an error: {gone:?}");

    // Server-side apply conflicts: one cause per field, naming the manager.
    c.apply(&rt, ns, "b", &cm("b", "1"), WriteOptions::default()).await.unwrap();
    patch_as(c, ns, "other", &cm("b", "2")).await;
    let (code, reason, message, causes) = api(c.apply(&rt, ns, "b", &cm("b", "3"), WriteOptions::default()).await);
    assert_eq!((code, reason.as_str()), (409, "Conflict"));
    assert_eq!(message, r#"Apply failed with 1 conflict: conflict with "other": .data.k"#);
    let want = Cause {
        reason: "FieldManagerConflict".into(),
        message: r#"conflict with "other""#.into(),
        field: ".data.k".into(),
    };
    assert_eq!(causes, [want]);

    // Names are validated; a dry run validates too and stores nothing.
    let dry = WriteOptions { dry_run: true, ..WriteOptions::default() };
    let (code, reason, message, causes) = api(c.apply(&rt, ns, "Bad_Name", &cm("Bad_Name", "1"), dry).await);
    assert_eq!((code, reason.as_str()), (422, "Invalid"));
    assert!(
        message.starts_with(r#"ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name""#),
        "{message}"
    );
    assert_eq!((causes[0].reason.as_str(), causes[0].field.as_str()), ("FieldValueInvalid", "metadata.name"));
    let made = c.apply(&rt, ns, "dry", &cm("dry", "1"), dry).await.unwrap();
    assert!(made["metadata"].get("resourceVersion").is_none(), "{made}");
    assert!(c.get(&rt, ns, "dry").await.unwrap().is_none());

    // A Secret over 1 MiB.
    let big = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "big", "namespace": ns},
                     "stringData": {"k": "x".repeat(1_100_000)}});
    let (code, _, message, causes) = api(c.apply(&builtin::secret(), ns, "big", &big, WriteOptions::default()).await);
    assert_eq!(code, 422);
    assert_eq!(message, r#"Secret "big" is invalid: data: Too long: must have at most 1048576 bytes"#);
    assert_eq!((causes[0].reason.as_str(), causes[0].field.as_str()), ("FieldValueTooLong", "data"));

    // A stale resourceVersion, on replace and on a delete precondition.
    let live = c.get(&rt, ns, "a").await.unwrap().unwrap();
    let mut stale = live.clone();
    stale["metadata"]["resourceVersion"] = "1".into();
    let (code, _, message, _) = api(c.replace(&rt, ns, "a", &stale).await);
    assert_eq!(code, 409);
    assert!(
        message
            .ends_with("the object has been modified; please apply your changes to the latest version and try again"),
        "{message}"
    );
    let e = c.delete_at(&rt, ns, "a", "1").await.unwrap_err();
    assert!(
        e.is_conflict() && e.to_string().contains("the ResourceVersion in the precondition (1) does not match"),
        "{e}"
    );

    // Deleting a namespace: it turns Terminating and refuses new content until it is gone.
    c.delete(&builtin::namespace(), "", ns, WriteOptions::default()).await.unwrap();
    let (code, reason, message, causes) =
        api(c.apply(&rt, ns, "late", &cm("late", "1"), WriteOptions::default()).await);
    assert_eq!((code, reason.as_str()), (403, "Forbidden"), "{message}");
    assert_eq!(
        message,
        format!(
            r#"configmaps "late" is forbidden: unable to create new content in namespace {ns} because it is being terminated"#
        )
    );
    assert_eq!(causes[0].reason, "NamespaceTerminating");
    if let Some(n) = c.get(&builtin::namespace(), "", ns).await.unwrap() {
        assert_eq!(n["status"]["phase"], "Terminating", "{n}");
    }
}

/// The proof-of-stake keys and genesis (secrets + genesis plugins), deployed: the API server
/// accepts every object (keystores split across Secrets, genesis.ssz gzip'd across ConfigMaps
/// in binaryData), the release record holds them, and a second deploy changes nothing.
async fn proof_of_stake_artefacts_are_accepted_and_diff_clean(t: Env) {
    let plugins = |p: &str| root().join("target/plugins").join(format!("{p}.wasm")).display().to_string();
    let (secrets, genesis) = (plugins("secrets"), plugins("genesis"));
    let args = [
        "--plugins",
        &secrets,
        "--plugins",
        &genesis,
        "--set",
        "global.consensus=pos",
        "--set",
        "genesis.consensus=pos",
        "--set",
        "genesis.pos.genesisTime=1767225600",
        "--set",
        "global.topology.signers=1",
        "--set",
        "global.topology.validators=2048",
        // 2,048 keystores take the secrets plugin several seconds; a test machine also busy
        // compiling must not trip the 10 s default.
        "--plugin-timeout",
        "60s",
    ];
    let out = t.ok(&[&["deploy"][..], &args, &["--no-notes"]].concat());
    assert!(out.contains("revision 1"), "{out}");
    let keystores = t.c.list(&builtin::secret(), Some(&t.ns), "app.kubernetes.io/name=secrets").await.unwrap();
    let parts: Vec<&Value> = keystores
        .iter()
        .filter(|s| s["metadata"]["name"].as_str().is_some_and(|n| n.starts_with("ethwasm-signer-0-validators-")))
        .collect();
    assert!(parts.len() >= 3, "{} keystore Secrets", parts.len());
    let stored: usize = parts.iter().map(|s| s["data"].as_object().map_or(0, |d| d.len())).sum();
    assert_eq!(stored, 2048, "every keystore is stored");
    let ssz = t.c.get(&builtin::config_map(), &t.ns, "ethwasm-genesis-ssz-0").await.unwrap().unwrap();
    assert!(ssz["binaryData"]["genesis.ssz.gz.part"].as_str().is_some_and(|b| !b.is_empty()));
    let d = t.ethwasm(&[&["diff"][..], &args].concat());
    assert_eq!(d.status.code(), Some(0), "a fresh deploy differs from its own render:\n{}", text(&d.stdout));
    assert!(!text(&d.stdout).contains("mnemonic"), "no secret in a diff");
}

/// The chart's key material as stored: every Secret data entry of the release's key Secrets,
/// and the validator public keys its keystore Secrets hold.
async fn key_material(t: &Env) -> (std::collections::BTreeMap<String, Value>, std::collections::BTreeSet<String>) {
    let mut keys = std::collections::BTreeMap::new();
    let mut pubkeys = std::collections::BTreeSet::new();
    for s in t.c.list(&builtin::secret(), Some(&t.ns), "app.kubernetes.io/instance=ethereum").await.unwrap() {
        let name = s["metadata"]["name"].as_str().unwrap_or_default().to_string();
        let data = s["data"].as_object().cloned().unwrap_or_default();
        if name.contains("-validators-") {
            pubkeys.extend(data.keys().map(|k| k.trim_end_matches(".json").to_string()));
        } else if ["mnemonic", "nodekeys", "jwt", "withdrawal", "ethstats"].iter().any(|w| name.contains(w)) {
            for (k, v) in data {
                keys.insert(format!("{name}/{k}"), v);
            }
        }
    }
    (keys, pubkeys)
}

async fn a_proof_of_stake_node_added_keeps_the_genesis_and_every_key(t: Env) {
    let deploy = |signers: &str| {
        let set = format!("global.topology.signers={signers}");
        t.ok(&["deploy", "charts/ethereum", "--set", &set, "--wait", "--timeout", "3m", "--no-notes"])
    };
    deploy("2");
    let genesis = genesis_hashes(&t).await;
    let (keys, pubkeys) = key_material(&t).await;
    assert_eq!(pubkeys.len(), 64, "every genesis validator has a keystore");
    assert!(keys.keys().any(|k| k.contains("mnemonic")) && keys.keys().any(|k| k.contains("jwt")), "{keys:?}");
    let out = deploy("3");
    assert!(out.contains("revision 2 upgrade complete"), "{out}");
    // The new pair and validator client run from the same genesis as the others.
    let after = genesis_hashes(&t).await;
    assert_eq!(after.len(), genesis.len() + 2, "{after:?}");
    let hashes: std::collections::BTreeSet<&String> = after.iter().map(|(_, h)| h).collect();
    assert_eq!(hashes.len(), 1, "{after:?}");
    assert!(genesis.iter().all(|(_, h)| hashes.contains(h)), "the genesis changed: {genesis:?} -> {after:?}");
    // Every key the network had is still there, unchanged; the new node brought its own.
    let (keys_after, pubkeys_after) = key_material(&t).await;
    for (k, v) in &keys {
        assert_eq!(keys_after.get(k), Some(v), "{k} changed or vanished");
    }
    assert!(keys_after.len() > keys.len(), "the new pair has its node keys and JWT");
    assert_eq!(pubkeys_after, pubkeys, "the validator set is the genesis one");
    let clients = t.c.list(&builtin::stateful_set(), Some(&t.ns), "app.kubernetes.io/component=validator").await;
    assert_eq!(clients.unwrap().len(), 3);
    // The new pair decides at start where its beacon node syncs from (a finalized checkpoint of
    // another pair, on a chain that has one): its pod runs the `sync-from` init container, which
    // reads the same peer list the others read (pos::checkpoint; its script is tested against a
    // stub beacon API with busybox, since the kit runs no containers).
    let pair = t.c.get(&builtin::stateful_set(), &t.ns, "ethereum-signer-2").await.unwrap().expect("the new pair");
    let init: Vec<&str> = pair["spec"]["template"]["spec"]["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(init.contains(&"sync-from"), "{init:?}");
}

/// The validator indices a pod runs, from the annotation the chart puts on validator clients.
fn slice_of(pod: &Value) -> Option<std::ops::Range<u32>> {
    let s = pod.pointer("/metadata/annotations/ethwasm.io~1validators")?.as_str()?;
    let (a, b) = s.split_once("..")?;
    Some(a.parse().ok()?..b.parse().ok()?)
}

/// Deploys with `signers` validator clients while polling every pod of the release; returns the
/// deploy's output and, per poll, each pod's validator slice.
async fn deploy_watching_slices(t: &Env, signers: u32) -> (Output, Vec<Vec<(String, std::ops::Range<u32>)>>) {
    // The kit's kubelet deletes a terminating pod at once; a real one lets it run out its grace
    // period (30 s by default). A finalizer on every validator pod stands in for that: a
    // terminating validator stays for 1.5 s before the watch lets it go.
    let pods = t.c.list(&builtin::pod(), Some(&t.ns), "app.kubernetes.io/instance=ethereum").await.unwrap();
    for mut p in pods.into_iter().filter(|p| slice_of(p).is_some()) {
        p["metadata"]["finalizers"] = json!([HOLD]);
        let name = p["metadata"]["name"].as_str().unwrap_or_default().to_string();
        t.c.replace(&builtin::pod(), &t.ns, &name, &p).await.unwrap();
    }
    let done = std::sync::atomic::AtomicBool::new(false);
    let mut polls: Vec<Vec<(String, std::ops::Range<u32>)>> = Vec::new();
    let mut terminating: std::collections::HashMap<String, std::time::Instant> = Default::default();
    let watch = async {
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            let pods = t.c.list(&builtin::pod(), Some(&t.ns), "app.kubernetes.io/instance=ethereum").await.unwrap();
            polls.push(
                pods.iter().filter_map(|p| Some((p["metadata"]["name"].as_str()?.to_string(), slice_of(p)?))).collect(),
            );
            for p in pods.iter().filter(|p| p.pointer("/metadata/deletionTimestamp").is_some()) {
                let uid = p["metadata"]["uid"].as_str().unwrap_or_default().to_string();
                let since = *terminating.entry(uid).or_insert_with(std::time::Instant::now);
                if since.elapsed() > Duration::from_millis(1500) {
                    release_hold(t, p).await;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let set = format!("global.topology.signers={signers}");
    let (kubeconfig, ns) = (t.kubeconfig.clone(), t.ns.clone());
    let deploy = async {
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_ethwasm"))
                .args(["deploy", "charts/ethereum", "--set", &set, "--wait", "--timeout", "3m", "--no-notes"])
                .args(["--kubeconfig", kubeconfig.to_str().unwrap(), "-n", &ns])
                .current_dir(root())
                .env("ETHWASM_CACHE_DIR", root().join("target/test-cache"))
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        out
    };
    let ((), out) = futures::join!(watch, deploy);
    for p in t.c.list(&builtin::pod(), Some(&t.ns), "app.kubernetes.io/instance=ethereum").await.unwrap() {
        release_hold(t, &p).await;
    }
    assert!(out.status.success(), "{}", text(&out.stderr));
    (out, polls)
}

/// The finalizer that holds a terminating validator pod, as a grace period would.
const HOLD: &str = "ethwasm.test/hold";

/// Lets a held pod go (a conflict means it changed meanwhile: the next poll tries again).
async fn release_hold(t: &Env, pod: &Value) {
    let held = pod["metadata"]["finalizers"].as_array().is_some_and(|f| f.iter().any(|x| x == HOLD));
    if held {
        let mut p = pod.clone();
        p["metadata"]["finalizers"] = json!([]);
        let name = p["metadata"]["name"].as_str().unwrap_or_default().to_string();
        let _ = t.c.replace(&builtin::pod(), &t.ns, &name, &p).await;
    }
}

/// No poll shows one validator index in two pods (running, starting or terminating).
fn assert_no_key_twice(polls: &[Vec<(String, std::ops::Range<u32>)>]) {
    for (i, pods) in polls.iter().enumerate() {
        for (a, (pa, ra)) in pods.iter().enumerate() {
            for (pb, rb) in &pods[a + 1..] {
                assert!(
                    ra.end <= rb.start || rb.end <= ra.start,
                    "poll {i}: {pa} ({ra:?}) and {pb} ({rb:?}) share keys"
                );
            }
        }
    }
}

async fn scaling_validator_clients_never_runs_a_key_twice(t: Env) {
    let two = ["deploy", "charts/ethereum", "--set", "global.topology.signers=2", "--wait", "--timeout", "3m"];
    t.ok(&[&two[..], &["--no-notes"]].concat());
    // Two clients to three and back: every slice moves both ways, and without stopping the
    // changed clients first, a new client would start while the old holder of its keys runs.
    for (signers, stopped, sizes) in
        [(3, ["-validator-0", "-validator-1"], [22, 21]), (2, ["-validator-2", "-validator-1"], [32, 32])]
    {
        let (out, polls) = deploy_watching_slices(&t, signers).await;
        let stdout = text(&out.stdout);
        for s in stopped {
            assert!(stdout.contains(&format!("stopped  StatefulSet {}/ethereum{s}", t.ns)), "{stdout}");
        }
        assert_no_key_twice(&polls);
        if t.real() {
            assert!(polls.len() > 3, "the watch saw the change ({} polls)", polls.len());
            let last = polls.last().unwrap();
            assert_eq!(last.len(), signers as usize, "{last:?}");
            assert!(sizes.iter().all(|n| last.iter().any(|(_, r)| r.end - r.start == *n)), "{last:?}");
        }
    }
}

/// The chart packed by `ethwasm package` deploys (and waits) from the archive alone, and the
/// chart directory then diffs clean against it: the same objects, keys and genesis.
async fn a_packaged_chart_deploys_as_its_directory(t: Env) {
    let out = tempfile::tempdir().unwrap();
    let archive = t.ok(&["package", "charts/ethereum", "-d", out.path().to_str().unwrap()]).trim().to_string();
    t.ok(&["deploy", &archive, "--wait", "--timeout", "2m", "--no-notes"]);
    let d = t.ethwasm(&["diff", "charts/ethereum"]);
    assert_eq!(
        d.status.code(),
        Some(0),
        "the directory differs from its archive:\n{}{}",
        text(&d.stdout),
        text(&d.stderr)
    );
    let history = deploy::history(&t.c, &t.ns, "ethereum").await.unwrap();
    assert_eq!((history.len(), history[0].status), (1, Status::Deployed));
    t.ok(&["uninstall"]);
}

/// A chart pushed to a registry on loopback deploys by `oci://` reference; the release record
/// says where it came from (reference and digest) and `status` and `history` show it; with the
/// registry gone, `diff` of the same tag works from the local store and `rollback` from the
/// record.
async fn a_chart_from_a_registry_deploys_and_records_its_source(t: Env) {
    let Some(mut reg) = registry::TestRegistry::start(None) else { return };
    let out = tempfile::tempdir().unwrap();
    let archive = t.ok(&["package", "charts/ethereum", "-d", out.path().to_str().unwrap()]).trim().to_string();
    let tag = reg.oci("charts/ethereum:deploy");
    let pinned = t.ok(&["push", &archive, &tag]).trim().to_string();
    t.ok(&["deploy", &tag, "--wait", "--timeout", "2m", "--no-notes"]);
    let status = t.ok(&["status"]);
    assert!(status.contains(&format!("CHART SOURCE: {pinned}")), "{status}");
    t.ok(&["deploy", &pinned, "--no-notes"]);
    let history: Value = serde_json::from_str(&t.ok(&["history", "-o", "json"])).unwrap();
    for r in history.as_array().unwrap() {
        assert_eq!(r["chart"]["source"], pinned.as_str(), "{r}");
    }
    assert!(t.ok(&["history"]).contains(&pinned));

    // Plugins pulled on their own are recorded one by one.
    let plugin = |name: &str| reg.oci(&format!("charts/ethereum/{name}:deploy"));
    t.ok(&[
        "deploy",
        "--release",
        "stats",
        "--plugins",
        &plugin("secrets"),
        "--plugins",
        &plugin("ethstats"),
        "--no-notes",
    ]);
    let status = t.ok(&["status", "--release", "stats"]);
    assert!(status.contains("PLUGIN SOURCES:"), "{status}");
    for name in ["secrets", "ethstats"] {
        assert!(status.contains(&format!("  {name}: {}@sha256:", plugin(name))), "{status}");
    }
    t.ok(&["uninstall", "--release", "stats"]);

    reg.stop();
    let d = t.ethwasm(&["diff", &tag]);
    assert_eq!(d.status.code(), Some(0), "{}{}", text(&d.stdout), text(&d.stderr));
    t.ok(&["rollback", "1"]);
    let history = deploy::history(&t.c, &t.ns, "ethereum").await.unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(history.last().unwrap().chart.as_ref().and_then(|c| c.source.as_deref()), Some(pinned.as_str()));
    t.ok(&["uninstall"]);
}

/// Whether `labels` carry every key of `selector` with its value.
fn selects(selector: &Value, labels: &Value) -> bool {
    selector.as_object().is_some_and(|s| s.iter().all(|(k, v)| labels.get(k) == Some(v)))
}

/// The default network as deployed: every beacon node in the peering list is a pod the headless
/// Service names, every validator client lists its own beacon node first and every other as a
/// fallback, each pod falls under exactly one PodDisruptionBudget, and (on a real API server,
/// whose disruption controller and eviction API decide) a drain may take one validator client
/// of the four, not two.
async fn a_proof_of_stake_network_is_peered_budgeted_and_falls_back(t: Env) {
    t.ok(&["deploy", "charts/ethereum", "--wait", "--timeout", "3m", "--no-notes"]);
    let ns = t.ns.clone();
    let cm = t.c.get(&builtin::config_map(), &ns, "ethereum-geth-config").await.unwrap().unwrap();
    let list = cm["data"]["beacon-peers"].as_str().unwrap().to_string();
    let suffix = format!(".ethereum-geth.{ns}.svc.cluster.local:5052");
    let mut peers = Vec::new();
    for line in list.lines() {
        let [pod, _id, api]: [&str; 3] = line.split(' ').collect::<Vec<_>>().try_into().unwrap();
        assert_eq!(api, format!("http://{pod}{suffix}"), "{line}");
        peers.push(pod.to_string());
    }
    // The pods the pair StatefulSets make (their names: the set's name and an ordinal), all under
    // the headless Service the URLs name, each mounting the list whole (updated in place).
    let sets = t.c.list(&builtin::stateful_set(), Some(&ns), "app.kubernetes.io/name=geth").await.unwrap();
    let mut pods = Vec::new();
    for sts in &sets {
        assert_eq!(sts["spec"]["serviceName"], "ethereum-geth");
        let spec = &sts["spec"]["template"]["spec"];
        let sidecar = spec["containers"].as_array().unwrap().iter().find(|c| c["name"] == "peering").unwrap();
        assert_eq!(
            sidecar["volumeMounts"],
            json!([{ "name": "geth-config", "mountPath": "/peering", "readOnly": true }])
        );
        let vol = spec["volumes"].as_array().unwrap().iter().find(|v| v["name"] == "geth-config").unwrap();
        assert_eq!(vol["configMap"]["name"], "ethereum-geth-config");
        let name = sts["metadata"]["name"].as_str().unwrap();
        pods.extend((0..sts["spec"]["replicas"].as_u64().unwrap()).map(|k| format!("{name}-{k}")));
    }
    pods.sort();
    let mut listed = peers.clone();
    listed.sort();
    assert_eq!(listed, pods, "the peering list is exactly the pair pods");
    // Validator clients: their own signer's beacon node first, then every other.
    let clients = t.c.list(&builtin::stateful_set(), Some(&ns), "app.kubernetes.io/component=validator").await.unwrap();
    assert_eq!(clients.len(), 4);
    for vc in &clients {
        let name = vc["metadata"]["name"].as_str().unwrap();
        let own = format!("http://{}-0{suffix}", name.replace("-validator-", "-signer-"));
        let c = &vc["spec"]["template"]["spec"]["containers"][0];
        let args: Vec<String> = serde_json::from_value(c["args"].clone()).unwrap();
        let nodes = args.iter().find_map(|a| a.strip_prefix("--beacon-nodes=")).unwrap();
        let nodes: Vec<&str> = nodes.split(',').collect();
        assert_eq!(nodes[0], own, "{name}");
        let mut all: Vec<String> = peers.iter().map(|p| format!("http://{p}{suffix}")).collect();
        all.retain(|u| *u != own);
        assert_eq!(nodes[1..], all.iter().map(String::as_str).collect::<Vec<_>>()[..], "{name}");
    }
    // Budgets: disjoint, and sized by stake.
    let pdb_rt = t.c.resource("policy/v1", "PodDisruptionBudget").await.unwrap();
    let budgets = t.c.list(&pdb_rt, Some(&ns), "app.kubernetes.io/instance=ethereum").await.unwrap();
    let by_name = |n: &str| budgets.iter().find(|b| b["metadata"]["name"] == n).unwrap().clone();
    assert_eq!(by_name("ethereum-validators")["spec"]["maxUnavailable"], 1);
    assert_eq!(by_name("ethereum-signers")["spec"]["maxUnavailable"], 1);
    let all_sets = t.c.list(&builtin::stateful_set(), Some(&ns), "app.kubernetes.io/instance=ethereum").await.unwrap();
    for sts in &all_sets {
        let labels = &sts["spec"]["template"]["metadata"]["labels"];
        let n = budgets.iter().filter(|b| selects(&b["spec"]["selector"]["matchLabels"], labels)).count();
        let name = &sts["metadata"]["name"];
        let geth_or_validator =
            labels["app.kubernetes.io/name"] == "geth" || labels["app.kubernetes.io/name"] == "validator";
        assert_eq!(n, usize::from(geth_or_validator), "{name}: a pod under two budgets cannot be evicted");
    }
    if !t.real() {
        return;
    }
    // The disruption controller counts the validator pods (4 healthy, 1 allowed) ...
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let b = t.c.get(&pdb_rt, &ns, "ethereum-validators").await.unwrap().unwrap();
        if b["status"]["expectedPods"] == 4 && b["status"]["disruptionsAllowed"] == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the validators' budget never allowed one disruption: {}", b["status"]);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // ... so the eviction API lets a drain take one validator client, and refuses a second while
    // the first is still going. (The kit's kubelet deletes a terminating pod at once and a new
    // one is Ready at once; a finalizer keeps the evicted pod terminating, as a grace period
    // would, so the budget is still spent when the drain asks again.)
    for name in ["ethereum-validator-0-0", "ethereum-validator-1-0"] {
        let mut p = t.c.get(&builtin::pod(), &ns, name).await.unwrap().unwrap();
        p["metadata"]["finalizers"] = json!([HOLD]);
        t.c.replace(&builtin::pod(), &ns, name, &p).await.unwrap();
    }
    // A client that takes the first answer: kube's default one retries a 429 for minutes.
    let kubeconfig = kube::config::Kubeconfig::read_from(&t.kubeconfig).unwrap();
    let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default()).await.unwrap();
    config.default_retry = false;
    let client = kube::Client::try_from(config).unwrap();
    let pods: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::namespaced(client, &ns);
    let evict = kube::api::EvictParams::default();
    let first = pods.evict("ethereum-validator-0-0", &evict).await;
    let second = pods.evict("ethereum-validator-1-0", &evict).await;
    for p in t.c.list(&builtin::pod(), Some(&ns), "app.kubernetes.io/instance=ethereum").await.unwrap() {
        release_hold(&t, &p).await;
    }
    first.expect("the first validator client may be evicted");
    match second {
        Err(kube::Error::Api(e)) => assert_eq!(e.code, 429, "{e:?}"),
        other => panic!("a second validator client was evictable: {other:?}"),
    }
}

/// A render that names an existing object of someone else's is refused before anything is
/// applied (exit 2, the object named, nothing recorded); `--take-ownership` adopts it, and an
/// uninstall then deletes it with the rest.
async fn an_object_the_release_did_not_create_is_never_taken_over(t: Env) {
    let theirs = json!({ "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": { "name": "ethereum-geth-config", "namespace": t.ns, "labels": { "app.kubernetes.io/managed-by": "Helm" } },
        "data": { "theirs": "yes" } });
    t.c.create(&builtin::config_map(), &t.ns, &theirs).await.unwrap();
    for args in
        [&["deploy", "charts/ethereum", "--no-notes"][..], &["deploy", "charts/ethereum", "--dry-run=server"][..]]
    {
        let o = t.ethwasm(args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(&format!(
                "ConfigMap {}/ethereum-geth-config already exists and is not part of release `ethereum`",
                t.ns
            )),
            "{err}"
        );
        assert!(err.contains("it is managed by `Helm`") && err.contains("--take-ownership"), "{err}");
    }
    // Nothing was applied or recorded.
    let sets = t.c.list(&builtin::stateful_set(), Some(&t.ns), "app.kubernetes.io/instance=ethereum").await.unwrap();
    assert!(sets.is_empty(), "{sets:?}");
    assert!(deploy::history(&t.c, &t.ns, "ethereum").await.map(|h| h.is_empty()).unwrap_or(true));
    let cm = t.c.get(&builtin::config_map(), &t.ns, "ethereum-geth-config").await.unwrap().unwrap();
    assert_eq!(cm["data"]["theirs"], "yes", "untouched");
    // Adopted on request; then it is the release's, and goes with it.
    t.ok(&["deploy", "charts/ethereum", "--take-ownership", "--no-notes"]);
    let cm = t.c.get(&builtin::config_map(), &t.ns, "ethereum-geth-config").await.unwrap().unwrap();
    assert_eq!(cm["metadata"]["labels"]["app.kubernetes.io/instance"], "ethereum");
    t.ok(&["deploy", "charts/ethereum", "--no-notes"]);
    t.ok(&["uninstall"]);
    assert!(t.c.get(&builtin::config_map(), &t.ns, "ethereum-geth-config").await.unwrap().is_none());

    // An object two releases render: the second is refused, adopts it only when asked, and the
    // first one's uninstall then leaves it to its new owner.
    let plugin = root().join("target/test-plugins/misbehave.wasm").display().to_string();
    let shared =
        json!([{ "apiVersion": "v1", "kind": "ConfigMap", "metadata": { "name": "shared" }, "data": { "a": "b" } }]);
    let set = format!("misbehave.manifests={shared}");
    let echo = |release: &str| {
        ["deploy", "--release", release, "--plugins", &plugin, "--set", "misbehave.mode=echo", "--set-json", &set]
            .map(str::to_string)
    };
    t.ok(&strs(&echo("one")));
    let o = t.ethwasm(&strs(&echo("two")));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("it belongs to ethwasm release `one`"), "{}", text(&o.stderr));
    t.ok(&[strs(&echo("two")), vec!["--take-ownership"]].concat());
    let out = t.ok(&["uninstall", "--release", "one"]);
    assert!(out.contains("0 objects deleted"), "{out}");
    let cm = t.c.get(&builtin::config_map(), &t.ns, "shared").await.unwrap().expect("kept for its other owner");
    assert_eq!(cm["metadata"]["labels"]["app.kubernetes.io/instance"], "two");
}

/// Every namespaced path past the release, tried through `deploy` by a plugin echoing chosen
/// objects: refused with the plugin, object, reason and grant (exit 3) before anything is
/// recorded or applied. The one rule a render cannot check, a host another Ingress already
/// serves, is read from the cluster: refused for another release, not for the release's own
/// Ingress on upgrade, and allowed with `shared-hosts`.
async fn a_plugin_past_its_grants_is_refused_at_deploy_before_anything_is_applied(t: Env) {
    let plugin = root().join("target/test-plugins/misbehave.wasm");
    assert!(plugin.exists(), "build the test plugins first: make build");
    let plugin = plugin.display().to_string();
    let ingress = |name: &str, host: &str| {
        json!({ "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": { "name": name },
            "spec": { "rules": [{ "host": host, "http": { "paths": [{ "path": "/", "pathType": "Prefix",
                "backend": { "service": { "name": name, "port": { "number": 80 } } } }] } }] } })
    };
    let echo = |release: &str, objects: Value, extra: &[&str]| -> Output {
        let set = format!("misbehave.manifests={objects}");
        let args = ["deploy", "--release", release, "--plugins", &plugin, "--set", "misbehave.mode=echo"];
        t.ethwasm(&[&args[..], &["--set-json", &set, "--no-notes"], extra].concat())
    };
    let pod = |spec: Value| {
        json!({ "apiVersion": "apps/v1", "kind": "Deployment", "metadata": { "name": "d" },
            "spec": { "selector": { "matchLabels": { "a": "b" } },
                "template": { "metadata": { "labels": { "a": "b" } }, "spec": spec } } })
    };
    let container = json!([{ "name": "c", "image": "busybox" }]);
    // Someone else's Ingress, not an ethwasm release's.
    let mut theirs = ingress("wallet", "wallet.example.test");
    theirs["metadata"]["namespace"] = json!(t.ns);
    let ingresses = t.c.resource("networking.k8s.io/v1", "Ingress").await.unwrap();
    t.c.create(&ingresses, &t.ns, &theirs).await.unwrap();

    let cases = [
        (
            json!({ "apiVersion": "v1", "kind": "Service", "metadata": { "name": "s" },
            "spec": { "ports": [{ "port": 80 }], "externalIPs": ["10.9.9.9"] } }),
            "external-ips",
            "externalIPs",
        ),
        (
            json!({ "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": { "name": "kubernetes-x",
            "labels": { "kubernetes.io/service-name": "kubernetes" } }, "addressType": "IPv4", "endpoints": [] }),
            "endpoints",
            "Service `kubernetes`",
        ),
        (pod(json!({ "serviceAccountName": "powerful", "containers": container })), "service-accounts", "`powerful`"),
        (
            json!({ "apiVersion": "v1", "kind": "Secret", "metadata": { "name": "t",
            "annotations": { "kubernetes.io/service-account.name": "default" } },
            "type": "kubernetes.io/service-account-token" }),
            "token-secrets",
            "mints a token",
        ),
        (
            json!({ "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": { "name": "c" },
            "spec": { "volumeName": "pv-of-someone", "accessModes": ["ReadWriteOnce"],
                "resources": { "requests": { "storage": "1Gi" } } } }),
            "bound-volumes",
            "`pv-of-someone`",
        ),
        (
            pod(
                json!({ "containers": container, "volumes": [{ "name": "v", "secret": { "secretName": "other-mnemonic" } }] }),
            ),
            "foreign-objects",
            "Secret `other-mnemonic`",
        ),
        (
            pod(
                json!({ "containers": container, "securityContext": { "sysctls": [{ "name": "kernel.msgmax", "value": "1" }] } }),
            ),
            "privileged-pods",
            "kernel.msgmax",
        ),
        (ingress("rpc", "wallet.example.test"), "shared-hosts", "Ingress"),
    ];
    for (object, grant, why) in cases {
        let o = echo("hostile", json!([object]), &[]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(3), "{grant}: {err}");
        assert!(err.contains("plugin `misbehave` may not create") && err.contains(why), "{grant}: {err}");
        assert!(err.contains(&format!("--allow misbehave:{grant}")), "{grant}: {err}");
        // Nothing recorded, nothing applied.
        assert!(deploy::history(&t.c, &t.ns, "hostile").await.map(|h| h.is_empty()).unwrap_or(true), "{grant}");
        let rt = t.c.resource(object["apiVersion"].as_str().unwrap(), object["kind"].as_str().unwrap()).await.unwrap();
        let name = object["metadata"]["name"].as_str().unwrap();
        assert!(t.c.get(&rt, &t.ns, name).await.unwrap().is_none(), "{grant}: {name} was applied");
    }
    let err = text(&echo("hostile", json!([ingress("rpc", "wallet.example.test")]), &[]).stderr);
    assert!(
        err.contains(&format!("host `wallet.example.test`, which Ingress {}/wallet already serves", t.ns)),
        "{err}"
    );

    // A release's own Ingress is not a clash on upgrade; another release's is.
    t.ok(&[
        "deploy",
        "--release",
        "rpc",
        "--plugins",
        &plugin,
        "--set",
        "misbehave.mode=echo",
        "--set-json",
        &format!("misbehave.manifests={}", json!([ingress("rpc", "rpc.example.test")])),
        "--no-notes",
    ]);
    let again = echo("rpc", json!([ingress("rpc", "rpc.example.test")]), &[]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    let other = echo("other", json!([ingress("other", "*.example.test")]), &[]);
    assert_eq!(other.status.code(), Some(3), "{}", text(&other.stderr));
    // The grant lifts it.
    let granted =
        echo("hostile", json!([ingress("shared", "wallet.example.test")]), &["--allow", "misbehave:shared-hosts"]);
    assert!(granted.status.success(), "{}", text(&granted.stderr));
    assert!(t.c.get(&ingresses, &t.ns, "shared").await.unwrap().is_some());
}

/// `--wait` as `kubectl rollout status` means it, for a Deployment: an upgrade whose new pod
/// cannot pull its image is not "ready" because the old ReplicaSet's pod still is. On a real
/// cluster the wait fails as soon as the new pod waits in ErrImagePull, naming it, for an
/// install and for an upgrade, and `--rollback-on-failure` restores the previous revision (the
/// fake runs no pods: there the wait times out, and the rollback is the same).
async fn a_deployment_whose_new_pod_cannot_start_fails_the_wait_at_once(t: Env) {
    let plugin = root().join("target/test-plugins/misbehave.wasm").display().to_string();
    let web = |image: &str| {
        json!([{ "apiVersion": "apps/v1", "kind": "Deployment", "metadata": { "name": "web" },
            "spec": { "replicas": 1, "selector": { "matchLabels": { "app": "web" } },
                "template": { "metadata": { "labels": { "app": "web" } },
                    "spec": { "containers": [{ "name": "web", "image": image }] } } } }])
    };
    let timeout = if t.real() { "10m" } else { "5s" };
    let deploy = |release: &str, image: &str, extra: &[&str]| -> Output {
        let set = format!("misbehave.manifests={}", web(image));
        let args = ["deploy", "--release", release, "--plugins", &plugin, "--set", "misbehave.mode=echo"];
        t.ethwasm(&[&args[..], &["--set-json", &set, "--wait", "--timeout", timeout, "--no-notes"], extra].concat())
    };
    let says_why = |err: &str| {
        if t.real() {
            assert!(err.contains("Deployment") && err.contains("cannot roll out: pod web-"), "{err}");
            assert!(err.contains("container web is in ErrImagePull") || err.contains("ImagePullBackOff"), "{err}");
        } else {
            assert!(err.contains("timed out"), "{err}");
        }
    };
    // An install whose only pod cannot start.
    let o = deploy("first", BROKEN_IMAGE, &[]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o.stderr));
    says_why(&text(&o.stderr));
    t.ok(&["uninstall", "--release", "first"]);

    // An upgrade: the old pod stays ready, the new one cannot pull.
    let o = deploy("web", "registry.example/web:1", &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = deploy("web", BROKEN_IMAGE, &["--rollback-on-failure"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{err}");
    says_why(&err);
    assert!(err.contains("rolled back to revision 1"), "{err}");
    let history = deploy::history(&t.c, &t.ns, "web").await.unwrap();
    let got: Vec<(u32, Status)> = history.iter().map(|r| (r.revision, r.status)).collect();
    assert_eq!(got, [(1, Status::Superseded), (2, Status::Failed), (3, Status::Deployed)]);
    let live = t.c.get(&builtin::deployment(), &t.ns, "web").await.unwrap().unwrap();
    assert_eq!(live["spec"]["template"]["spec"]["containers"][0]["image"], "registry.example/web:1");
}

/// A release record Secret damaged by hand, each part in turn (data, sha256 annotation, a lost
/// split part, the type): `list` keeps working and shows the release as damaged beside a
/// healthy one, `status` and `history` read the intact revisions, and the error of what cannot
/// go on names the Secret and namespace. The way back: a deploy counts the damaged revision as
/// failed and keeps the chain's seed and genesis; with no intact revision left, a deploy is
/// refused unless given the chain's own `--seed` and `--created`, and a wrong seed is refused
/// by the running genesis.
async fn a_damaged_record_is_contained_and_the_release_recovers(t: Env) {
    let plugin = root().join("target/test-plugins/misbehave.wasm").display().to_string();
    let cm =
        json!([{ "apiVersion": "v1", "kind": "ConfigMap", "metadata": { "name": "other" }, "data": { "a": "b" } }]);
    let set = format!("misbehave.manifests={cm}");
    t.ok(&["deploy", "--release", "other", "--plugins", &plugin, "--set", "misbehave.mode=echo", "--set-json", &set]);
    t.ok(&["deploy", "charts/ethereum", "--no-notes"]);
    t.ok(&["deploy", "charts/ethereum", "--no-notes"]);
    let first = deploy::history(&t.c, &t.ns, "ethereum").await.unwrap()[0].clone();
    let genesis = genesis_hashes(&t).await;
    let secret = |rev: u32| format!("ethwasm.release.v1.ethereum.v{rev}");
    let intact = t.c.get(&builtin::secret(), &t.ns, &secret(2)).await.unwrap().unwrap();
    type Damage = fn(&mut Value);
    let damages: [(&str, Damage); 4] = [
        ("the record's sha256 does not match its annotation", |s| s["data"]["release"] = json!("ZWRpdGVk")),
        ("the record's sha256 does not match its annotation", |s| {
            s["metadata"]["annotations"]["ethwasm.io/record-sha256"] = json!("00")
        }),
        ("part 1 of 2 is missing", |s| s["metadata"]["labels"]["ethwasm.io/parts"] = json!("2")),
        ("its type is `Opaque`, not `ethwasm.io/release.v1`", |s| s["type"] = json!("Opaque")),
    ];
    for (why, damage) in damages {
        let mut body = intact.clone();
        damage(&mut body);
        put_secret(&t, body).await;
        let list = t.anywhere(&["list", "-A"]).output().unwrap();
        let (out, err) = (text(&list.stdout), text(&list.stderr));
        assert!(list.status.success(), "{why}: {err}");
        let row = |name: &str| out.lines().find(|l| l.starts_with(name) && l.contains(&t.ns)).unwrap_or("").to_string();
        assert!(row("ethereum ").contains("damaged"), "{why}: {out}");
        assert!(row("other ").contains("deployed"), "{why}: {out}");
        assert!(err.contains(&format!("(Secret {} in namespace {}): {why}", secret(2), t.ns)), "{why}: {err}");
        t.ok(&["status", "--release", "other"]);
        let h = t.ethwasm(&["history", "--release", "ethereum"]);
        assert!(h.status.success() && text(&h.stdout).contains("superseded"), "{why}: {}", text(&h.stderr));
        assert!(text(&h.stderr).contains("revision 2 of release `ethereum` is damaged"), "{why}");
        let back = t.ethwasm(&["rollback", "2", "--release", "ethereum"]);
        assert_eq!(back.status.code(), Some(2), "{why}: {}", text(&back.stderr));
        assert!(text(&back.stderr).contains("roll back to an intact revision (1)"), "{}", text(&back.stderr));
        put_secret(&t, intact.clone()).await;
    }

    // The way back: the damaged revision counts as failed; seed and genesis are the chain's.
    let mut body = intact.clone();
    body["data"]["release"] = json!("ZWRpdGVk");
    put_secret(&t, body).await;
    let out = t.ok(&["deploy", "charts/ethereum", "--no-notes"]);
    assert!(out.contains("revision 3 upgrade complete"), "{out}");
    let history = deploy::history(&t.c, &t.ns, "ethereum").await.unwrap();
    assert!(history.iter().all(|r| r.seed == first.seed), "the seed was kept");
    assert_eq!(genesis_hashes(&t).await, genesis);

    // No intact revision left: refused, with the Secrets named and the way out.
    for rev in [1, 3] {
        let mut s = t.c.get(&builtin::secret(), &t.ns, &secret(rev)).await.unwrap().unwrap();
        s["data"]["release"] = json!("ZWRpdGVk");
        put_secret(&t, s).await;
    }
    let o = t.ethwasm(&["deploy", "charts/ethereum", "--no-notes"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(err.contains("has no intact record") && err.contains(&secret(3)) && err.contains("--seed HEX"), "{err}");
    assert_eq!(t.ethwasm(&["uninstall", "--release", "ethereum"]).status.code(), Some(4));
    // The wrong seed: refused by the genesis the StatefulSets run.
    let created = first.first_deployed.to_string();
    let wrong = "ab".repeat(32);
    let o = t.ethwasm(&["deploy", "charts/ethereum", "--seed", &wrong, "--created", &created, "--no-notes"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("is not the one its StatefulSets run"), "{}", text(&o.stderr));
    // The chain's own: a new revision beside the damaged ones, the same genesis.
    let out = t.ok(&["deploy", "charts/ethereum", "--seed", &first.seed, "--created", &created, "--no-notes"]);
    assert!(out.contains("revision 4"), "{out}");
    assert_eq!(genesis_hashes(&t).await, genesis);
    t.ok(&["uninstall", "--release", "ethereum"]);
    let left = t.c.list(&builtin::secret(), Some(&t.ns), "ethwasm.io/release=ethereum").await.unwrap();
    assert!(left.is_empty(), "every record went, damaged ones too: {left:?}");
}

/// Replaces a Secret by deleting and creating it (its type cannot change in place).
async fn put_secret(t: &Env, mut body: Value) {
    let name = body["metadata"]["name"].as_str().unwrap().to_string();
    t.c.delete(&builtin::secret(), &t.ns, &name, WriteOptions::default()).await.unwrap();
    for k in ["resourceVersion", "uid", "creationTimestamp", "managedFields"] {
        body["metadata"].as_object_mut().unwrap().remove(k);
    }
    t.c.create(&builtin::secret(), &t.ns, &body).await.unwrap();
}

/// The trap of Helm's upgrades, closed: a value given once (3 signers) stays when a later
/// deploy gives another (the default, `--reset-then-reuse-values`); `--reset-values` drops it,
/// and the plan (a dry run's, and a deploy's before it applies) names the dropped value with its
/// old and new value, and the validator keys that move.
async fn an_upgrade_keeps_the_values_given_before_unless_reset(t: Env) {
    t.ok(&["deploy", "charts/ethereum", "--set", "global.topology.signers=3", "--no-notes"]);
    let sets = || async {
        let mut names: Vec<String> =
            t.c.list(&builtin::stateful_set(), Some(&t.ns), "app.kubernetes.io/instance=ethereum")
                .await
                .unwrap()
                .iter()
                .map(|s| s["metadata"]["name"].as_str().unwrap().to_string())
                .collect();
        names.sort();
        names
    };
    let before = sets().await;
    let out = t.ok(&["deploy", "charts/ethereum", "--set", "global.topology.rpcNodes=2", "--no-notes"]);
    assert!(!out.contains("change "), "nothing dropped, no key moved: {out}");
    let history = deploy::history(&t.c, &t.ns, "ethereum").await.unwrap();
    assert_eq!(history[1].values, json!({ "global": { "topology": { "signers": 3, "rpcNodes": 2 } } }));
    let after = sets().await;
    assert!(before.iter().all(|s| after.contains(s)), "no node went: {before:?} -> {after:?}");

    let reset = ["deploy", "charts/ethereum", "--reset-values", "--set", "global.topology.rpcNodes=2", "--no-notes"];
    let plan = t.ok(&[&reset[..], &["--dry-run"]].concat());
    assert!(
        plan.contains("change   value `global.topology.signers` given to revision 2 is dropped: was 3, now unset"),
        "{plan}"
    );
    assert!(plan.contains("change   validator keys move: StatefulSet ethereum-"), "{plan}");
    assert_eq!(deploy::history(&t.c, &t.ns, "ethereum").await.unwrap().len(), 2, "a dry run records nothing");
    // The deploy says the same before it applies (the lines come before the first apply).
    let out = t.ok(&reset);
    let said = out.find("change   value `global.topology.signers`").expect(&out);
    assert!(said < out.find("applied ").expect(&out), "{out}");
    let history = deploy::history(&t.c, &t.ns, "ethereum").await.unwrap();
    assert_eq!(history[2].values, json!({ "global": { "topology": { "rpcNodes": 2 } } }));
    // --reuse-values keeps them again, over the chart defaults revision 3 recorded.
    t.ok(&["deploy", "charts/ethereum", "--reuse-values", "--set", "global.topology.signers=3", "--no-notes"]);
    let t4 = &deploy::history(&t.c, &t.ns, "ethereum").await.unwrap()[3];
    assert_eq!(t4.values, json!({ "global": { "topology": { "signers": 3, "rpcNodes": 2 } } }));
    assert!(t4.chart_values.as_ref().is_some_and(|v| v.get("miners").is_some()), "chart defaults are recorded");
}

/// A copy of the chart directory, outside the repository, run from another directory: its
/// plugins are found by name, and it deploys, diffs clean and upgrades as the chart does.
async fn a_copied_chart_deploys_from_anywhere(t: Env) {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("ethereum");
    std::fs::create_dir_all(&copy).unwrap();
    for f in ["chart.yaml", "values.yaml", "values.schema.json", "chart.lock"] {
        std::fs::copy(root().join("charts/ethereum").join(f), copy.join(f)).unwrap();
    }
    let chart = copy.display().to_string();
    let run = |args: &[&str]| {
        let o = t.command(args).current_dir(dir.path()).output().unwrap();
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
        o
    };
    run(&["deploy", &chart, "--wait", "--timeout", "3m", "--no-notes"]);
    let d = t.command(&["diff", &chart]).current_dir(dir.path()).output().unwrap();
    assert_eq!(d.status.code(), Some(0), "{}", text(&d.stdout));
    run(&["deploy", &chart, "--set", "ethstats.enabled=false", "--no-notes"]);
    assert_eq!(deploy::history(&t.c, &t.ns, "ethereum").await.unwrap().len(), 2);
}

fn strs(a: &[String]) -> Vec<&str> {
    a.iter().map(String::as_str).collect()
}

/// Per poll, the pods of each rollout group that are not ready (missing, terminating or
/// unready): `(beacon nodes, validator clients)`.
type Unready = (Vec<String>, Vec<String>);

/// Runs `args` (an `ethwasm` command) while polling the release's pods every 50 ms; returns its
/// output and what each poll found unready among the default chart's pairs and clients.
async fn run_watching_readiness(t: &Env, args: &[&str]) -> (Output, Vec<Unready>) {
    let pairs: Vec<String> =
        (0..4).map(|i| format!("ethereum-signer-{i}-0")).chain(["ethereum-rpc-0".to_string()]).collect();
    let clients: Vec<String> = (0..4).map(|i| format!("ethereum-validator-{i}-0")).collect();
    let done = std::sync::atomic::AtomicBool::new(false);
    let mut polls: Vec<Unready> = Vec::new();
    let watch = async {
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            let pods = t.c.list(&builtin::pod(), Some(&t.ns), "app.kubernetes.io/instance=ethereum").await.unwrap();
            let ready = |name: &String| {
                pods.iter().any(|p| {
                    p["metadata"]["name"] == name.as_str()
                        && p.pointer("/metadata/deletionTimestamp").is_none()
                        && p["status"]["conditions"]
                            .as_array()
                            .is_some_and(|c| c.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
                })
            };
            let unready = |names: &[String]| names.iter().filter(|n| !ready(n)).cloned().collect::<Vec<_>>();
            polls.push((unready(&pairs), unready(&clients)));
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let mut cmd = t.command(args);
    let run = async {
        let out = tokio::task::spawn_blocking(move || cmd.output().unwrap()).await.unwrap();
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        out
    };
    let ((), out) = futures::join!(watch, run);
    (out, polls)
}

/// An image change of a running proof-of-stake network rolls out in waves the plugins declare:
/// never more than one beacon node and one validator client (16 of 64 validators, under the 21
/// a third allows) unready at once, each wave ready (2 s of fake-kubelet readiness delay)
/// before the next; `--dry-run` and `diff` show the waves first. A wave that never becomes
/// ready stops the rollout there, and `--rollback-on-failure` restores the revision before.
async fn an_image_change_rolls_out_in_waves_within_the_finality_budget(t: Env) {
    let timeout = if t.real() { "5m" } else { "10s" };
    let delay = "miners.podAnnotations.fake-kubelet/ready-delay=2";
    let base = ["deploy", "charts/ethereum", "--set-string", delay, "--wait", "--timeout", timeout, "--no-notes"];
    t.ok(&base);
    let tag = |tag: &str| format!("miners.beacon.image.tag={tag}");
    let next = tag("v8.3.3-next");

    let plan =
        t.ethwasm(&["deploy", "charts/ethereum", "--set-string", delay, "--set", &next, "--dry-run", "--no-notes"]);
    let said = text(&plan.stderr) + &text(&plan.stdout);
    assert!(plan.status.success(), "{said}");
    // In install order: the RPC pair first, then the signers' pairs; a client beside each.
    let pairs = ["ethereum-rpc", "ethereum-signer-0", "ethereum-signer-1", "ethereum-signer-2"];
    for (i, pair) in pairs.iter().enumerate() {
        let wave = format!(
            "wave     {}/5: StatefulSet {pair}, StatefulSet ethereum-validator-{i} (beacon-nodes: 1 of at most 1 \
             down; stake: 16 of at most 21 down)",
            i + 1
        );
        assert!(said.contains(&wave), "{wave}\n{said}");
    }
    assert!(said.contains("wave     5/5: StatefulSet ethereum-signer-3 (beacon-nodes: 1 of at most 1 down)"), "{said}");
    let diff = t.ethwasm(&["diff", "charts/ethereum", "--set-string", delay, "--set", &next]);
    assert_eq!(diff.status.code(), Some(1), "{}", text(&diff.stderr));
    assert!(text(&diff.stderr).contains("wave     5/5: StatefulSet ethereum-signer-3"), "{}", text(&diff.stderr));

    let (out, polls) = run_watching_readiness(&t, &[&base[..], &["--set", &next]].concat()).await;
    let said = text(&out.stdout);
    assert!(out.status.success(), "{said}\n{}", text(&out.stderr));
    // The fake runs no pods: only the real server's are counted.
    for (i, (pairs, clients)) in polls.iter().enumerate().filter(|_| t.real()) {
        assert!(pairs.len() <= 1 && clients.len() <= 1, "poll {i}: unready at once: {pairs:?} {clients:?}");
    }
    // Each client was stopped in its own wave, after the wave before was ready.
    let order: Vec<usize> =
        (0..4).map(|i| said.find(&format!("stopped  StatefulSet {}/ethereum-validator-{i}", t.ns)).unwrap()).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{said}");
    if t.real() {
        let seen = |pod: &str| polls.iter().any(|(p, c)| p.iter().chain(c).any(|n| n == pod));
        assert!(
            (0..4).all(|i| seen(&format!("ethereum-signer-{i}-0")) && seen(&format!("ethereum-validator-{i}-0"))),
            "the watch saw every pair and client restart ({} polls)",
            polls.len()
        );
    }
    let live = |name: &str| {
        let c = t.c.clone();
        let (ns, name) = (t.ns.clone(), name.to_string());
        async move { c.get(&builtin::stateful_set(), &ns, &name).await.unwrap().unwrap() }
    };
    let image = |sts: &Value, container: &str| {
        let containers = sts["spec"]["template"]["spec"]["containers"].as_array().unwrap().clone();
        containers.iter().find(|c| c["name"] == container).unwrap()["image"].as_str().unwrap().to_string()
    };
    assert_eq!(image(&live("ethereum-signer-3").await, "beacon"), "sigp/lighthouse:v8.3.3-next");

    // A wave that never becomes ready: the first wave's pair (the RPC node) cannot pull its image (the kit's
    // kubelet fails it; the fake has no images).
    if !t.real() {
        return;
    }
    let broken = tag("does-not-exist");
    let o = t.ethwasm(&[&base[..], &["--set", &broken, "--rollback-on-failure"]].concat());
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(err.contains("wave 1 of 5 did not become ready; the later waves were not applied"), "{err}");
    assert!(err.contains("rolled back to revision 2"), "{err}");
    // The second wave's pair was applied once: by the rollback, not by the broken rollout.
    let applied = out.matches(&format!("applied  StatefulSet {}/ethereum-signer-0\n", t.ns)).count();
    assert_eq!(applied, 1, "{out}");
    for name in ["ethereum-signer-0", "ethereum-signer-1"] {
        assert_eq!(image(&live(name).await, "beacon"), "sigp/lighthouse:v8.3.3-next", "{name}");
    }
}

/// A blob-parameter-only fork scheduled on a running proof-of-stake chain: no `--new-chain`
/// (the genesis id stays), the nodes roll onto the new config in waves, and a fork that has
/// passed, or is nearer than the rollout's waves may take, is refused with the numbers before
/// anything is applied. Genesis was 55 minutes ago, so epoch N starts 384·N − 3300 s from now.
async fn a_blob_fork_is_scheduled_on_a_running_chain_without_a_new_chain(t: Env) {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let genesis = format!("genesis.pos.genesisTime={}", now - 3300);
    let base = ["deploy", "charts/ethereum", "--set", &genesis, "--wait", "--timeout", "60s", "--no-notes"];
    t.ok(&base);
    let fork = |epoch: u64| {
        format!(
            r#"genesis.pos.blobSchedule=[{{"epoch": {epoch}, "target": 21, "max": 28, "baseFeeUpdateFraction": 17526888}}]"#
        )
    };
    let revisions = || async { deploy::history(&t.c, &t.ns, "ethereum").await.unwrap().len() };
    // Passed: epoch 1 began about 2900 s ago.
    let o = t.ethwasm(&[&base[..], &["--set-json", &fork(1)]].concat());
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("BPO3 at epoch 1 (named by ConfigMap") && err.contains("s ago"), "{err}");
    // Too near: epoch 9 begins about 156 s from now; five waves of up to 60 s need 300 s.
    let o = t.ethwasm(&[&base[..], &["--set-json", &fork(9)]].concat());
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("BPO3 at epoch 9") && err.contains("5 wave(s) of up to 60 s each (--timeout), 300 s in all"),
        "{err}"
    );
    assert_eq!(revisions().await, 1, "nothing recorded");
    // Far enough: epoch 12 begins about 1300 s from now.
    let out = t.ok(&[&base[..], &["--set-json", &fork(12)]].concat());
    assert!(out.contains("wave     5/5: "), "{out}");
    let testnet = t.c.get(&builtin::config_map(), &t.ns, "ethereum-testnet").await.unwrap().unwrap();
    assert!(testnet["data"]["config.yaml"].as_str().unwrap().contains("  - EPOCH: 12\n    MAX_BLOBS_PER_BLOCK: 28\n"));
    // The next upgrade carries the same deadline and is not refused for it.
    t.ok(&[&base[..], &["--set-json", &fork(12), "--set", "miners.verbosity=4"]].concat());
    assert_eq!(revisions().await, 3);
}

/// Voluntary exits asked for on a running chain: the signed exits land in a Secret and a Job
/// mounts them and runs to completion (the kit's kubelet completes Job pods; the exit script
/// itself runs against a stub beacon API in the miners plugin's tests), without touching the
/// genesis or the clients that hold none of the keys. Asking for another exit makes another Job; the first is
/// pruned with the revision that dropped it.
async fn voluntary_exits_are_signed_and_submitted_by_a_job(t: Env) {
    let base = ["deploy", "charts/ethereum", "--wait", "--timeout", "3m", "--no-notes"];
    t.ok(&base);
    let clients = || async {
        let sts = t.c.list(&builtin::stateful_set(), Some(&t.ns), "app.kubernetes.io/component=validator").await;
        sts.unwrap().into_iter().map(|s| s["spec"]["template"].clone()).collect::<Vec<_>>()
    };
    let before = clients().await;
    let out = t.ok(&[&base[..], &["--set-json", "secrets.validators.exits=[3]"]].concat());
    let jobs = |out: &str| {
        out.lines()
            .filter(|l| l.starts_with("ready    Job "))
            .map(|l| l.split_whitespace().nth(2).unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let first = jobs(&out);
    assert_eq!(first.len(), 1, "{out}");
    assert!(first[0].contains("/ethereum-exits-"), "{first:?}");
    let secret = t.c.get(&builtin::secret(), &t.ns, "ethereum-validator-exits").await.unwrap().expect("the exits");
    assert_eq!(secret["data"].as_object().unwrap().keys().collect::<Vec<_>>(), ["exit-3.json"]);
    // Only the client holding validator 3 changes: it gets the `exited` init container, which
    // drops the key at a start after the exit is final.
    let after = clients().await;
    assert_eq!(after[1..], before[1..], "the other clients are not restarted");
    let inits = |t: &Value| -> Vec<String> {
        let list = t["spec"]["initContainers"].as_array().cloned().unwrap_or_default();
        list.iter().map(|c| c["name"].as_str().unwrap().to_string()).collect()
    };
    assert!(!inits(&before[0]).contains(&"exited".to_string()));
    assert_eq!(inits(&after[0])[0], "exited", "{:?}", inits(&after[0]));
    let out = t.ok(&[&base[..], &["--set-json", "secrets.validators.exits=[3, 5]"]].concat());
    let second = jobs(&out);
    assert_eq!(second.len(), 1, "{out}");
    assert_ne!(second, first, "another set of exits is another Job");
    assert!(out.contains(&format!("pruned   Job {}", first[0])), "{out}");
}

/// Raising the validator count on a running chain (created on 2026-12-07, so its genesis funds
/// the deposit account): the genesis stays (the kept genesis validator count), the new keys join
/// clients 0 and 1 without moving any other, each client restarts in its own wave (none is
/// stopped before the first), and a Job sends the signed deposits. A later raise keeps the
/// genesis too: the count is carried from the record, not from the values.
async fn validators_join_by_deposit_without_a_new_genesis_or_a_moved_key(t: Env) {
    let base = ["deploy", "charts/ethereum", "--created", "1796601600", "--wait", "--timeout", "3m", "--no-notes"];
    t.ok(&base);
    let genesis = || async {
        let cm = t.c.get(&builtin::config_map(), &t.ns, "ethereum-genesis").await.unwrap().unwrap();
        cm["data"]["genesis.json"].as_str().unwrap().to_string()
    };
    let clients = || async {
        let sts = t.c.list(&builtin::stateful_set(), Some(&t.ns), "app.kubernetes.io/component=validator").await;
        let mut by_name: Vec<(String, String)> = sts
            .unwrap()
            .into_iter()
            .map(|s| {
                let held = s["metadata"]["annotations"]["ethwasm.io/holds-set"].as_str().unwrap_or("").to_string();
                (s["metadata"]["name"].as_str().unwrap().to_string(), held)
            })
            .collect();
        by_name.sort();
        by_name
    };
    let first = genesis().await;
    let held = clients().await;
    assert_eq!(held.iter().map(|(_, h)| h.as_str()).collect::<Vec<_>>(), ["0-15", "16-31", "32-47", "48-63"]);

    let out = t.ok(&[&base[..], &["--set", "global.topology.validators=66"]].concat());
    assert_eq!(genesis().await, first, "the genesis stays");
    let held = clients().await;
    assert_eq!(held.iter().map(|(_, h)| h.as_str()).collect::<Vec<_>>(), ["0-15,64", "16-31,65", "32-47", "48-63"]);
    assert!(
        out.contains("validators join or leave: StatefulSet ethereum-validator-0 runs validators 0-15,64, was 0..16"),
        "{out}"
    );
    assert!(!out.contains("validator keys move"), "{out}");
    // Two clients changed; each stopped in its own wave, the second after the first was ready.
    let stop = |i: u32| out.find(&format!("stopped  StatefulSet {}/ethereum-validator-{i}", t.ns));
    let (a, b) = (stop(0).expect("client 0 stopped"), stop(1).expect("client 1 stopped"));
    assert!(out[a..b].contains("wave"), "client 1 stopped in a later wave than client 0:\n{out}");
    assert!(stop(2).is_none() && stop(3).is_none(), "{out}");
    let job = out.lines().find(|l| l.starts_with("ready    Job ") && l.contains("/ethereum-deposits-"));
    assert!(job.is_some(), "the deposits Job ran: {out}");
    let secret = t.c.get(&builtin::secret(), &t.ns, "ethereum-validator-deposits").await.unwrap().expect("deposits");
    let lines = secret["data"]["transactions"].as_str().map(|b| {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD.decode(b).unwrap();
        String::from_utf8(bytes).unwrap().lines().map(|l| l.split(' ').next().unwrap().to_string()).collect::<Vec<_>>()
    });
    assert_eq!(lines, Some(vec!["64".to_string(), "65".to_string()]));

    // Again, with more: the genesis count comes from the record (64), not from the values.
    t.ok(&[&base[..], &["--set", "global.topology.validators=67"]].concat());
    assert_eq!(genesis().await, first);
    assert_eq!(clients().await[2].1, "32-47,66");
}

/// The network's tools next to the network, each from its own plugin reading the network's
/// outputs: dora (on by default), the faucet, Blockscout with its database, the dashboards and
/// scrape configs, and the load generator written in JavaScript (an example, given with
/// `--plugins`). `--wait` returns once every workload is ready (the kit's kubelet runs no
/// containers: it makes the pods ready), and each reads the Secrets and Services it names.
async fn the_network_tools_deploy_next_to_the_network_and_come_up(t: Env) {
    let spamoor = root().join("target/examples/spamoor.wasm");
    assert!(spamoor.exists(), "build the JavaScript example first (make build)");
    let spamoor = spamoor.display().to_string();
    let out = t.ok(&[
        "deploy",
        "charts/ethereum",
        "--plugins",
        &spamoor,
        "--created",
        "1796601600",
        "--wait",
        "--timeout",
        "3m",
        "--set",
        "faucet.enabled=true",
        "--set",
        "blockscout.enabled=true",
        "--set",
        "monitoring.enabled=true",
        "--set",
        "monitoring.scrapeConfig.enabled=true",
        "--set-json",
        r#"spamoor.presets=["transfers","contract-calls","blobs"]"#,
    ]);
    for workload in [
        "StatefulSet ethereum-dora",
        "Deployment ethereum-faucet",
        "StatefulSet ethereum-blockscout-db",
        "Deployment ethereum-blockscout",
        "Deployment ethereum-blockscout-frontend",
        "Deployment ethereum-spamoor",
    ] {
        let (kind, name) = workload.split_once(' ').unwrap();
        assert!(out.contains(&format!("ready    {kind} {}/{name}", t.ns)), "{workload} ready:\n{out}");
    }
    // Each reads what the others made: the faucet its account's Secret and the RPC Service.
    let faucet = t.c.get(&builtin::deployment(), &t.ns, "ethereum-faucet").await.unwrap().unwrap();
    let env = &faucet["spec"]["template"]["spec"]["containers"][0]["env"];
    let key = env.as_array().unwrap().iter().find(|e| e["name"] == "PRIVATE_KEY").unwrap();
    let secret = key["valueFrom"]["secretKeyRef"]["name"].as_str().unwrap();
    assert!(t.c.get(&builtin::secret(), &t.ns, secret).await.unwrap().is_some(), "{secret}");
    let rpc = env.as_array().unwrap().iter().find(|e| e["name"] == "WEB3_PROVIDER").unwrap()["value"].as_str().unwrap();
    assert!(rpc.starts_with(&format!("http://ethereum-rpc.{}.svc.", t.ns)), "{rpc}");
    // dora's config names every beacon node.
    let dora = t.c.get(&builtin::config_map(), &t.ns, "ethereum-dora").await.unwrap().unwrap();
    let config: Value = serde_json::from_str(dora["data"]["dora-config.yaml"].as_str().unwrap()).unwrap();
    assert_eq!(config["beaconapi"]["endpoints"].as_array().unwrap().len(), 5, "4 signers and the RPC node");
    for name in
        ["ethereum-dashboard-consensus", "ethereum-dashboard-execution", "ethereum-scrape-config", "ethereum-spamoor"]
    {
        assert!(t.c.get(&builtin::config_map(), &t.ns, name).await.unwrap().is_some(), "{name}");
    }
    let spammers = t.c.get(&builtin::config_map(), &t.ns, "ethereum-spamoor").await.unwrap().unwrap();
    let list: Value = serde_json::from_str(spammers["data"]["startup-spammers.yaml"].as_str().unwrap()).unwrap();
    let scenarios: Vec<&str> = list.as_array().unwrap().iter().map(|s| s["scenario"].as_str().unwrap()).collect();
    assert_eq!(scenarios, ["eoatx", "erc20tx", "blob-combined"]);
    // The accounts were funded at genesis whether or not a tool runs: the genesis is the same
    // with every tool off.
    let genesis = t.c.get(&builtin::config_map(), &t.ns, "ethereum-genesis").await.unwrap().unwrap();
    let before = genesis["data"]["genesis.json"].clone();
    t.ok(&["deploy", "charts/ethereum", "--created", "1796601600", "--wait", "--timeout", "3m", "--reset-values"]);
    let after = t.c.get(&builtin::config_map(), &t.ns, "ethereum-genesis").await.unwrap().unwrap();
    assert_eq!(after["data"]["genesis.json"], before);
    assert!(t.c.get(&builtin::deployment(), &t.ns, "ethereum-faucet").await.unwrap().is_none(), "pruned");
}

/// The mixed-clients example deploys and comes up (geth with Lighthouse, Besu with Teku, Reth
/// with Prysm, Nethermind with Lodestar; RPC nodes geth with Teku and Reth with Lodestar, a
/// StatefulSet each; each validator client its pair's), and moving one validator client from Lighthouse to Teku is an upgrade that keeps the
/// genesis and the slice, stops that client alone before its new one starts (which imports the
/// slashing-protection history the old one exported), and touches no other client.
async fn a_mixed_client_network_deploys_and_a_validator_client_changes_client(t: Env) {
    let base = [
        "deploy",
        "charts/ethereum",
        "-f",
        "charts/ethereum/examples/mixed-clients.yaml",
        "--wait",
        "--timeout",
        "3m",
        "--no-notes",
    ];
    let out = t.ok(&base);
    for i in 0..4 {
        for set in ["signer", "validator"] {
            let line = format!("ready    StatefulSet {}/ethereum-{set}-{i}", t.ns);
            assert!(out.contains(&line), "{line}:\n{out}");
        }
    }
    let sts = |name: &'static str| {
        let (c, ns) = (&t.c, &t.ns);
        async move { c.get(&builtin::stateful_set(), ns, name).await.unwrap().unwrap_or_else(|| panic!("{name}")) }
    };
    let image = |s: &Value, container: &str| -> String {
        let spec = &s["spec"]["template"]["spec"]["containers"];
        spec.as_array().unwrap().iter().find(|c| c["name"] == container).unwrap()["image"].as_str().unwrap().into()
    };
    assert!(image(&sts("ethereum-signer-0").await, "beacon").starts_with("sigp/lighthouse:"));
    assert!(image(&sts("ethereum-signer-1").await, "beacon").starts_with("consensys/teku:"));
    assert!(image(&sts("ethereum-signer-1").await, "besu").starts_with("hyperledger/besu:"));
    assert!(image(&sts("ethereum-signer-2").await, "beacon").starts_with("gcr.io/offchainlabs/prysm/beacon-chain:"));
    assert!(image(&sts("ethereum-signer-2").await, "reth").starts_with("ghcr.io/paradigmxyz/reth:"));
    assert!(image(&sts("ethereum-signer-3").await, "beacon").starts_with("chainsafe/lodestar:"));
    assert!(image(&sts("ethereum-signer-3").await, "nethermind").starts_with("nethermind/nethermind:"));
    assert!(image(&sts("ethereum-validator-2").await, "validator").starts_with("gcr.io/offchainlabs/prysm/validator:"));
    assert!(image(&sts("ethereum-signer-0").await, "geth").starts_with("ethereum/client-go:"));
    assert!(image(&sts("ethereum-rpc-geth-teku").await, "beacon").starts_with("consensys/teku:"));
    // RPC node 1 runs another pair: its own StatefulSet, ready, behind the same Service.
    assert!(out.contains(&format!("ready    StatefulSet {}/ethereum-rpc-reth-lodestar", t.ns)), "{out}");
    assert!(image(&sts("ethereum-rpc-reth-lodestar").await, "beacon").starts_with("chainsafe/lodestar:"));
    assert!(image(&sts("ethereum-rpc-reth-lodestar").await, "reth").starts_with("ghcr.io/paradigmxyz/reth:"));
    assert!(image(&sts("ethereum-validator-0").await, "validator").starts_with("sigp/lighthouse:"));
    let peers = t.c.get(&builtin::config_map(), &t.ns, "ethereum-geth-config").await.unwrap().unwrap();
    assert_eq!(peers["data"]["teku-peers"].as_str().unwrap().lines().count(), 6, "every beacon node");
    let genesis = t.c.get(&builtin::config_map(), &t.ns, "ethereum-genesis").await.unwrap().unwrap();
    let generation = |s: &Value| s["metadata"]["generation"].as_i64().unwrap();
    let pod = |s: &Value| s["spec"]["template"]["spec"].clone();
    let start_script = |s: &Value| -> String {
        let spec = &s["spec"]["template"]["spec"]["containers"];
        let c = spec.as_array().unwrap().iter().find(|c| c["name"] == "validator").unwrap();
        c["command"][2].as_str().unwrap().to_string()
    };
    // Lighthouse's validator client gets the testnet dir with genesis.ssz (v8.1.0 on), and
    // exports its slashing-protection history when it stops, within the grace period.
    let lighthouse = sts("ethereum-validator-0").await;
    let inits: Vec<String> = pod(&lighthouse)["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(inits[0], "testnet", "{inits:?}");
    assert_eq!(pod(&lighthouse)["terminationGracePeriodSeconds"], 120);
    assert!(start_script(&lighthouse).contains("account validator slashing-protection export"));
    let others = [generation(&sts("ethereum-validator-1").await), generation(&sts("ethereum-validator-2").await)];

    let out = t.ok(&[&base[..], &["--set-json", r#"global.clients.signers=[{"validator":"teku"}]"#]].concat());
    let after = t.c.get(&builtin::config_map(), &t.ns, "ethereum-genesis").await.unwrap().unwrap();
    assert_eq!(after["data"]["genesis.json"], genesis["data"]["genesis.json"], "the genesis stays");
    let moved = sts("ethereum-validator-0").await;
    assert!(image(&moved, "validator").starts_with("consensys/teku:"), "{moved}");
    assert_eq!(moved["metadata"]["annotations"]["ethwasm.io/holds-set"], "0-15", "the same slice");
    assert!(out.contains(&format!("stopped  StatefulSet {}/ethereum-validator-0", t.ns)), "stopped first:\n{out}");
    // The new client imports what the old one exported before it signs.
    assert!(start_script(&moved).contains("teku slashing-protection import --data-path=/data/teku-vc"));
    let now = [generation(&sts("ethereum-validator-1").await), generation(&sts("ethereum-validator-2").await)];
    assert_eq!(now, others, "no other client changed");
}
