//! The release lifecycle over HTTP: kube-rs's client talking to the in-process fake API server.

use super::lock::{self, Lock};
use super::record::{self, Store};
use super::*;
use crate::cluster::kube::KubeCluster;
use crate::error::{Class, Result};
use crate::release::Status;
use fake_apiserver::FakeApi;
use serde_json::{json, Value};
use std::time::Duration;

const NS: &str = "eth";
const REL: &str = "net";

fn labelled(api_version: &str, kind: &str, name: &str, extra: Value) -> Value {
    let mut o = json!({
        "apiVersion": api_version, "kind": kind,
        "metadata": {"name": name, "namespace": NS, "labels": {
            "app.kubernetes.io/managed-by": "ethwasm", "app.kubernetes.io/instance": REL}},
    });
    merge_into(&mut o, extra);
    o
}

fn merge_into(into: &mut Value, extra: Value) {
    if let (Some(a), Value::Object(b)) = (into.as_object_mut(), extra) {
        a.extend(b);
    }
}

fn config_map(name: &str, v: &str) -> Value {
    labelled("v1", "ConfigMap", name, json!({"data": {"k": v}}))
}

fn secret(name: &str, v: &str) -> Value {
    labelled("v1", "Secret", name, json!({"stringData": {"password": v}}))
}

fn sts(name: &str, replicas: i64) -> Value {
    labelled("apps/v1", "StatefulSet", name, json!({"spec": {"replicas": replicas, "serviceName": name}}))
}

fn revision(objects: Vec<Value>) -> Revision {
    Revision {
        objects,
        notes: vec![],
        values: json!({"x": 1}),
        chart_values: None,
        chart: None,
        plugins: vec![],
        grants: Default::default(),
    }
}

fn setup() -> (FakeApi, KubeCluster) {
    let fake = FakeApi::new();
    fake.add_namespace(NS);
    fake.set_ready(true);
    let c = KubeCluster::new(fake.client());
    (fake, c)
}

fn opts() -> Options {
    Options { holder: "test-holder".into(), poll_interval: Duration::from_millis(20), ..Options::default() }
}

async fn run(c: &KubeCluster, objects: Vec<Value>, o: &Options) -> Result<Report> {
    deploy(c, NS, REL, SeedChoice::default(), |_| Ok(revision(objects)), o).await
}

async fn records(c: &KubeCluster) -> Vec<(u32, Status)> {
    Store::new(c, NS, REL).load().await.unwrap().iter().map(|r| (r.revision, r.status)).collect()
}

#[tokio::test]
async fn install_applies_in_order_records_and_unlocks() {
    let (fake, c) = setup();
    let report = run(&c, vec![secret("s", "pw"), config_map("c", "1"), sts("miner", 1)], &opts()).await.unwrap();
    assert_eq!(report.revision, 1);
    assert_eq!(report.applied.len(), 3);
    let patches: Vec<String> =
        fake.requests().into_iter().filter(|r| r.starts_with("PATCH") && !r.contains("ethwasm.release")).collect();
    assert_eq!(
        patches,
        [
            "PATCH /api/v1/namespaces/eth/secrets/s",
            "PATCH /api/v1/namespaces/eth/configmaps/c",
            "PATCH /apis/apps/v1/namespaces/eth/statefulsets/miner"
        ]
    );
    assert_eq!(records(&c).await, [(1, Status::Deployed)]);
    assert!(fake.object("coordination.k8s.io/v1", "Lease", NS, "ethwasm.lock.net").is_none(), "the lock is released");
    let record = fake.object("v1", "Secret", NS, "ethwasm.release.v1.net.v1").unwrap();
    assert_eq!(record["type"], "ethwasm.io/release.v1");
    assert_eq!(record["metadata"]["labels"]["ethwasm.io/status"], "deployed");
    // The field manager is ethwasm.
    let live = fake.object("apps/v1", "StatefulSet", NS, "miner").unwrap();
    assert_eq!(live["metadata"]["managedFields"][0]["manager"], "ethwasm");
}

#[tokio::test]
async fn upgrade_prunes_what_the_new_revision_drops_and_only_what_ethwasm_made() {
    let (fake, c) = setup();
    run(&c, vec![config_map("keep", "1"), config_map("drop", "1"), sts("miner", 1)], &opts()).await.unwrap();
    let report = run(&c, vec![config_map("keep", "2"), sts("miner", 2)], &opts()).await.unwrap();
    assert_eq!(report.revision, 2);
    assert_eq!(report.pruned.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(), ["drop"]);
    assert!(fake.object("v1", "ConfigMap", NS, "drop").is_none());
    assert_eq!(fake.object("v1", "ConfigMap", NS, "keep").unwrap()["data"]["k"], "2");
    assert_eq!(records(&c).await, [(1, Status::Superseded), (2, Status::Deployed)]);

    // An object someone else took over (labels changed) is left in place by prune.
    run(&c, vec![config_map("keep", "2"), config_map("adopted", "1"), sts("miner", 2)], &opts()).await.unwrap();
    let mut foreign = fake.object("v1", "ConfigMap", NS, "adopted").unwrap();
    foreign["metadata"]["labels"] = json!({"app.kubernetes.io/managed-by": "someone-else"});
    fake.apply_as(
        "kubectl",
        "v1",
        "ConfigMap",
        NS,
        &json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "adopted", "labels": {"app.kubernetes.io/managed-by": "someone-else"}}}),
    )
    .unwrap();
    let report = run(&c, vec![config_map("keep", "2"), sts("miner", 2)], &opts()).await.unwrap();
    assert!(report.pruned.is_empty(), "{:?}", report.pruned);
    assert_eq!(report.skipped.len(), 1);
    assert!(fake.object("v1", "ConfigMap", NS, "adopted").is_some());
}

/// A render that records the facts it was given.
fn recording_render(
    seen: &std::sync::Arc<std::sync::Mutex<Vec<ReleaseFacts>>>,
) -> impl FnOnce(&ReleaseFacts) -> Result<Revision> + Send + 'static {
    let seen = seen.clone();
    move |f: &ReleaseFacts| {
        seen.lock().unwrap().push(f.clone());
        Ok(revision(vec![config_map("c", "1")]))
    }
}

#[tokio::test]
async fn seeds_and_creation_times_are_recorded_reused_and_never_silently_rotated() {
    let (_fake, c) = setup();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let given = SeedChoice { given: Some("ab".repeat(32)), created: Some(1_767_225_600), ..SeedChoice::default() };
    deploy(&c, NS, REL, given, recording_render(&seen), &opts()).await.unwrap();
    // An upgrade keeps both, whatever --created says.
    let later = SeedChoice { created: Some(1_800_000_000), ..SeedChoice::default() };
    deploy(&c, NS, REL, later, recording_render(&seen), &opts()).await.unwrap();
    let facts = |seed: &str, revision: u32| (seed.repeat(32), revision, 1_767_225_600);
    let seen_facts = || -> Vec<(String, u32, u64)> {
        seen.lock().unwrap().iter().map(|f: &ReleaseFacts| (f.seed_hex.clone(), f.revision, f.created)).collect()
    };
    assert_eq!(seen_facts(), [facts("ab", 1), facts("ab", 2)]);
    // The upgrade is handed the values revision 1 was given, to reuse.
    let previous = seen.lock().unwrap()[1].previous.clone().unwrap();
    assert_eq!((previous.revision, previous.values), (1, json!({"x": 1})));
    assert!(Store::new(&c, NS, REL).load().await.unwrap().iter().all(|r| r.first_deployed == 1_767_225_600));

    let other = SeedChoice { given: Some("cd".repeat(32)), ..SeedChoice::default() };
    let e = deploy(&c, NS, REL, other, |_| Ok(revision(vec![])), &opts()).await.unwrap_err();
    assert!(format!("{e:#}").contains("--seed differs"), "{e:#}");
    assert_eq!(e.class(), Class::Usage);

    let rotate = SeedChoice { given: Some("cd".repeat(32)), rotate: true, ..SeedChoice::default() };
    deploy(&c, NS, REL, rotate, recording_render(&seen), &opts()).await.unwrap();
    assert_eq!(seen_facts().last().unwrap(), &facts("cd", 3));
}

#[tokio::test]
async fn rollback_reapplies_an_earlier_revision_as_a_new_one() {
    let (fake, c) = setup();
    run(&c, vec![config_map("a", "1"), config_map("old", "1")], &opts()).await.unwrap();
    run(&c, vec![config_map("a", "2"), config_map("new", "2")], &opts()).await.unwrap();
    let report = rollback(&c, NS, REL, None, &opts()).await.unwrap();
    assert_eq!(report.revision, 3);
    assert_eq!(fake.object("v1", "ConfigMap", NS, "a").unwrap()["data"]["k"], "1");
    assert!(fake.object("v1", "ConfigMap", NS, "old").is_some());
    assert!(fake.object("v1", "ConfigMap", NS, "new").is_none(), "pruned");
    assert_eq!(records(&c).await, [(1, Status::Superseded), (2, Status::Superseded), (3, Status::Deployed)]);
    // An explicit revision, and one that does not exist.
    rollback(&c, NS, REL, Some(2), &opts()).await.unwrap();
    assert_eq!(fake.object("v1", "ConfigMap", NS, "a").unwrap()["data"]["k"], "2");
    let e = rollback(&c, NS, REL, Some(9), &opts()).await.unwrap_err();
    assert!(e.to_string().contains("has no revision 9"), "{e}");
}

#[tokio::test]
async fn uninstall_deletes_objects_then_records_or_keeps_history() {
    let (fake, c) = setup();
    run(&c, vec![secret("s", "x"), sts("miner", 1)], &opts()).await.unwrap();
    let report = uninstall(&c, NS, REL, true, &opts()).await.unwrap();
    assert_eq!(report.pruned.len(), 2);
    assert!(fake.inventory().iter().all(|o| o.contains("ethwasm.release")), "{:?}", fake.inventory());
    assert_eq!(records(&c).await, [(1, Status::Uninstalled)]);
    // Deploying again installs a new revision over the kept history, then uninstall clears it.
    run(&c, vec![secret("s", "x")], &opts()).await.unwrap();
    uninstall(&c, NS, REL, false, &opts()).await.unwrap();
    assert!(fake.inventory().is_empty(), "{:?}", fake.inventory());
    let e = uninstall(&c, NS, REL, false, &opts()).await.unwrap_err();
    assert!(e.to_string().contains("release `net` not found"), "{e}");
    let e = rollback(&c, "no-such-namespace", REL, None, &opts()).await.unwrap_err();
    assert!(e.to_string().contains("not found in namespace no-such-namespace"), "{e}");
    assert_eq!(e.class(), Class::Usage);
}

#[tokio::test]
async fn a_held_lock_stops_a_second_operation_and_an_expired_one_is_taken_over() {
    let (fake, c) = setup();
    // A live holder renews its lease: the second operation fails once it sees a renewal.
    let holder = Lock::acquire(&c, NS, REL, "alice@laptop pid 7 (deploy)", Duration::from_secs(3)).await.unwrap();
    let holding = holder.hold(&c, async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        Ok(fake.object("v1", "ConfigMap", NS, "c"))
    });
    let o = opts();
    let (held, second) = futures::join!(holding, run(&c, vec![config_map("c", "1")], &o));
    let e = second.unwrap_err();
    let text = e.to_string();
    assert!(text.contains("locked by alice@laptop pid 7 (deploy)") && text.contains("until 20"), "{text}");
    assert_eq!(e.class(), Class::Cluster);
    assert!(held.unwrap().is_none(), "nothing applied");
    run(&c, vec![config_map("c", "1")], &opts()).await.unwrap();

    // A crashed operation's lease (renewed long ago) expires by itself.
    let stale = json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": "ethwasm.lock.net", "namespace": NS},
        "spec": {"holderIdentity": "crashed", "leaseDurationSeconds": 60,
                 "renewTime": "2020-01-01T00:00:00.000000Z"}});
    fake.apply_as("other", "coordination.k8s.io/v1", "Lease", NS, &stale).unwrap();
    run(&c, vec![config_map("c", "2")], &opts()).await.unwrap();
}

#[tokio::test]
async fn apply_conflicts_name_the_field_and_manager_unless_forced() {
    let (fake, c) = setup();
    run(&c, vec![sts("miner", 1)], &opts()).await.unwrap();
    fake.apply_as(
        "kubectl-scale",
        "apps/v1",
        "StatefulSet",
        NS,
        &json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "miner"}, "spec": {"replicas": 3}}),
    )
    .unwrap();
    let e = run(&c, vec![sts("miner", 2)], &opts()).await.unwrap_err();
    let text = format!("{e:#}");
    assert!(text.contains("StatefulSet eth/miner"), "{text}");
    assert!(text.contains(".spec.replicas") && text.contains("kubectl-scale"), "{text}");
    assert!(text.contains("--force-conflicts"), "{text}");
    assert_eq!(e.class(), Class::Cluster);
    assert_eq!(records(&c).await, [(1, Status::Deployed), (2, Status::Failed)]);
    let forced = Options { force_conflicts: true, ..opts() };
    run(&c, vec![sts("miner", 2)], &forced).await.unwrap();
    assert_eq!(fake.object("apps/v1", "StatefulSet", NS, "miner").unwrap()["spec"]["replicas"], 2);
}

#[tokio::test]
async fn a_server_error_mid_deploy_rolls_back_to_the_previous_revision() {
    let (fake, c) = setup();
    run(&c, vec![config_map("a", "1"), sts("miner", 1)], &opts()).await.unwrap();
    fake.fail("PATCH", "/statefulsets/miner", 500, 0, 1);
    let o = Options { rollback_on_failure: true, ..opts() };
    let e = run(&c, vec![config_map("a", "2"), config_map("extra", "2"), sts("miner", 2)], &o).await.unwrap_err();
    let text = format!("{e:#}");
    assert!(text.contains("rolled back to revision 1") && text.contains("injected fault"), "{text}");
    assert_eq!(e.class(), Class::Cluster);
    // The cluster is back at revision 1's objects.
    assert_eq!(fake.object("v1", "ConfigMap", NS, "a").unwrap()["data"]["k"], "1");
    assert!(fake.object("v1", "ConfigMap", NS, "extra").is_none());
    assert_eq!(fake.object("apps/v1", "StatefulSet", NS, "miner").unwrap()["spec"]["replicas"], 1);
    assert_eq!(records(&c).await, [(1, Status::Superseded), (2, Status::Failed), (3, Status::Deployed)]);
    let hist = Store::new(&c, NS, REL).load().await.unwrap();
    assert!(hist[1].description.contains("injected fault"), "{}", hist[1].description);

    // A first install that fails is removed again.
    let (fake, c) = setup();
    fake.fail("PATCH", "/statefulsets/miner", 500, 0, 1);
    run(&c, vec![config_map("a", "1"), sts("miner", 1)], &o).await.unwrap_err();
    assert!(fake.object("v1", "ConfigMap", NS, "a").is_none());
    assert_eq!(records(&c).await, [(1, Status::Failed)]);
}

#[tokio::test]
async fn records_over_one_mebibyte_are_split_and_read_back() {
    let (fake, c) = setup();
    // 3 MiB of hex from a hash chain: gzip cannot shrink it under the limit.
    let mut blob = String::new();
    let mut block = [0u8; 32];
    while blob.len() < 3 << 20 {
        use sha2::Digest;
        block = sha2::Sha256::digest(block).into();
        blob.push_str(&hex::encode(block));
    }
    let mut rev = revision(vec![config_map("c", "1")]);
    rev.values = json!({"blob": blob});
    deploy(&c, NS, REL, SeedChoice::default(), |_| Ok(rev), &opts()).await.unwrap();
    let parts: Vec<String> = fake.inventory().into_iter().filter(|o| o.contains("ethwasm.release")).collect();
    assert!(parts.len() >= 2, "{parts:?}");
    let hist = Store::new(&c, NS, REL).load().await.unwrap();
    assert_eq!(hist[0].values["blob"].as_str().unwrap().len(), blob.len());
    assert_eq!(hist[0].status, Status::Deployed);
}

#[tokio::test]
async fn unserved_kinds_are_named_before_anything_is_applied() {
    let (fake, c) = setup();
    let sm = labelled("monitoring.coreos.com/v1", "ServiceMonitor", "m", json!({}));
    let e = run(&c, vec![config_map("c", "1"), sm], &opts()).await.unwrap_err();
    assert!(e.to_string().contains("ServiceMonitor (monitoring.coreos.com/v1)"), "{e}");
    assert!(!fake.requests().iter().any(|r| r.starts_with("PATCH")), "nothing applied, no record written");
    fake.serve("monitoring.coreos.com/v1", "ServiceMonitor", "servicemonitors", true);
    let c = KubeCluster::new(fake.client());
    run(
        &c,
        vec![config_map("c", "1"), labelled("monitoring.coreos.com/v1", "ServiceMonitor", "m", json!({}))],
        &opts(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn wait_succeeds_on_ready_workloads_and_times_out_naming_the_rest() {
    let (fake, c) = setup();
    let w = Options { wait: true, timeout: Duration::from_secs(5), ..opts() };
    run(&c, vec![sts("miner", 2)], &w).await.unwrap();
    fake.set_ready(false);
    let w = Options { wait: true, timeout: Duration::from_millis(150), ..opts() };
    let e = run(&c, vec![sts("miner", 3)], &w).await.unwrap_err();
    let text = format!("{e:#}");
    assert!(text.contains("timed out after 150ms waiting for StatefulSet eth/miner"), "{text}");
    assert_eq!(records(&c).await, [(1, Status::Deployed), (2, Status::Failed)]);
}

#[tokio::test]
async fn dry_runs_store_nothing() {
    let (fake, c) = setup();
    for mode in [DryRun::Client, DryRun::Server] {
        let o = Options { dry_run: Some(mode), ..opts() };
        let r = run(&c, vec![config_map("c", "1")], &o).await.unwrap();
        assert_eq!(r.applied.len(), 1);
        assert!(fake.inventory().is_empty(), "{mode:?}: {:?}", fake.inventory());
    }
    assert!(!fake.requests().iter().any(|r| r.starts_with("POST") || r.starts_with("DELETE")));
}

#[tokio::test]
async fn history_is_trimmed_to_history_max() {
    let (_fake, c) = setup();
    let o = Options { history_max: 2, ..opts() };
    for v in ["1", "2", "3", "4"] {
        run(&c, vec![config_map("c", v)], &o).await.unwrap();
    }
    assert_eq!(records(&c).await, [(3, Status::Superseded), (4, Status::Deployed)]);
}

#[tokio::test]
async fn missing_namespaces_are_created_only_when_asked() {
    let fake = FakeApi::new();
    let c = KubeCluster::new(fake.client());
    let e = run(&c, vec![config_map("c", "1")], &opts()).await.unwrap_err();
    assert!(e.to_string().contains("--create-namespace"), "{e}");
    let o = Options { create_namespace: true, ..opts() };
    run(&c, vec![config_map("c", "1")], &o).await.unwrap();
    assert!(fake.object("v1", "ConfigMap", NS, "c").is_some());
}

#[tokio::test]
async fn diff_shows_changes_masks_secrets_and_reports_none_after_deploy() {
    let (_fake, c) = setup();
    let objects = vec![secret("s", "hunter2"), config_map("c", "1")];
    run(&c, objects.clone(), &opts()).await.unwrap();
    let again = objects.clone();
    let p = plan::plan(&c, NS, REL, SeedChoice::default(), move |_| Ok(revision(again))).await.unwrap();
    let (text, changed) = diff::diff(&c, &p.targets, &p.prune, true, false, false).await.unwrap();
    assert!(!changed, "{text}");
    let next = vec![secret("s", "hunter3"), config_map("c", "2")];
    let p = plan::plan(&c, NS, REL, SeedChoice::default(), move |_| Ok(revision(next))).await.unwrap();
    let (text, changed) = diff::diff(&c, &p.targets, &p.prune, true, false, false).await.unwrap();
    assert!(changed);
    assert!(text.contains("+  k: '2'") || text.contains("+  k: \"2\""), "{text}");
    assert!(!text.contains("hunter"), "{text}");
    assert!(text.contains("*** (after)"), "{text}");
}

#[tokio::test]
async fn status_history_and_list_read_the_records() {
    let (_fake, c) = setup();
    run(&c, vec![sts("miner", 1)], &opts()).await.unwrap();
    run(&c, vec![sts("miner", 1), config_map("c", "1")], &opts()).await.unwrap();
    let (latest, workloads) = status(&c, NS, REL).await.unwrap();
    assert_eq!(latest.revision, 2);
    assert_eq!(workloads.len(), 1);
    assert!(workloads[0].1.is_ready());
    assert_eq!(history(&c, NS, REL).await.unwrap().len(), 2);
    let (all, damaged) = record::list_releases(&c, None).await.unwrap();
    assert!(damaged.is_empty());
    assert_eq!(all.iter().map(|r| (r.name.as_str(), r.revision)).collect::<Vec<_>>(), [("net", 2)]);
    assert_eq!(default_release(&c, NS).await.unwrap(), "net");
}

#[tokio::test]
async fn a_held_lock_is_renewed_while_the_operation_runs() {
    let (fake, c) = setup();
    let lock = Lock::acquire(&c, NS, REL, "me", Duration::from_secs(3)).await.unwrap();
    let first = fake.object("coordination.k8s.io/v1", "Lease", NS, "ethwasm.lock.net").unwrap();
    let during = lock
        .hold(&c, async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Ok(fake.object("coordination.k8s.io/v1", "Lease", NS, "ethwasm.lock.net").unwrap())
        })
        .await
        .unwrap();
    assert_eq!(during["spec"]["holderIdentity"], "me");
    assert_ne!(during["spec"]["renewTime"], first["spec"]["renewTime"], "renewed every 2/15 of the duration");
    assert!(fake.object("coordination.k8s.io/v1", "Lease", NS, "ethwasm.lock.net").is_none(), "released after");
}

#[tokio::test]
async fn an_operation_that_cannot_renew_its_lock_stops_before_the_lease_runs_out() {
    let (fake, c) = setup();
    let lock = Lock::acquire(&c, NS, REL, "me", Duration::from_secs(3)).await.unwrap();
    // Every renewal fails from now on (the API server is unreachable for the lease).
    fake.fail("PUT", "leases", 503, 0, 1000);
    let e = lock.hold(&c, futures::future::pending::<Result<()>>()).await.unwrap_err();
    assert!(e.find::<lock::LockLost>().is_some(), "{e:#}");
    assert_eq!(e.class(), Class::Cluster);
    // It gave up once the renew deadline (2 s of a 3 s lease) had passed by its own clock, which
    // counts from the last successful write; a busy machine can only make that number larger.
    // That the deadline falls before the lease runs out is `renew_deadline`'s unit test.
    let secs: u64 = e
        .to_string()
        .split("could not renew it for ")
        .nth(1)
        .and_then(|rest| rest.split('s').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no renewal time in: {e}"));
    assert!(secs >= 2, "gave up after {secs}s, before the deadline: {e}");
}

#[tokio::test]
async fn a_revision_left_pending_by_a_crash_is_marked_failed_by_the_next_deploy() {
    let (fake, c) = setup();
    run(&c, vec![config_map("a", "1")], &opts()).await.unwrap();
    // Revision 2 crashes after recording itself pending and applying `b` (the lease expired).
    let mut store = Store::new(&c, NS, REL);
    let mut pending = store.load().await.unwrap()[0].clone();
    pending.revision = 2;
    pending.status = Status::PendingUpgrade;
    pending.inventory.push(apply::key_of(&config_map("b", "1")));
    pending.manifests.push(config_map("b", "1"));
    store.save(&pending).await.unwrap();
    fake.apply_as("ethwasm", "v1", "ConfigMap", NS, &config_map("b", "1")).unwrap();

    let report = run(&c, vec![config_map("a", "3")], &opts()).await.unwrap();
    assert_eq!(report.revision, 3);
    assert_eq!(report.pruned.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(), ["b"], "its objects are pruned");
    assert_eq!(records(&c).await, [(1, Status::Superseded), (2, Status::Failed), (3, Status::Deployed)]);
}

/// Options whose events land in a list, as `kind name` lines.
fn recording_opts() -> (Options, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = seen.clone();
    let events = Events::new(move |e| {
        let line = match e {
            Event::Applied(k) => format!("applied {}", k.name),
            Event::Pruned(k) => format!("pruned {}", k.name),
            Event::Stopped(k) => format!("stopped {}", k.name),
            _ => return,
        };
        sink.lock().unwrap().push(line);
    });
    (Options { events, ..opts() }, seen)
}

#[tokio::test]
async fn workloads_that_ask_are_stopped_before_a_change_is_applied() {
    let (fake, c) = setup();
    let vc = |name: &str, slice: &str| {
        let mut s = sts(name, 1);
        s["metadata"]["annotations"] = json!({stop::STOP_BEFORE_CHANGE_ANNOTATION: "keys"});
        s["spec"]["template"] = json!({"metadata": {"annotations": {"slice": slice}}});
        s
    };
    run(&c, vec![config_map("c", "1"), vc("vc-0", "0..2"), vc("vc-1", "2..4")], &opts()).await.unwrap();
    // Unchanged clients keep running.
    let (o, seen) = recording_opts();
    run(&c, vec![config_map("c", "2"), vc("vc-0", "0..2"), vc("vc-1", "2..4")], &o).await.unwrap();
    assert!(!seen.lock().unwrap().iter().any(|l| l.starts_with("stopped")), "{:?}", seen.lock().unwrap());
    // One client fewer: both old ones stop before anything is applied; the dropped one is gone.
    let (o, seen) = recording_opts();
    run(&c, vec![config_map("c", "2"), vc("vc-0", "0..4")], &o).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(&seen[..2], ["stopped vc-0", "stopped vc-1"], "{seen:?}");
    assert!(seen[2..].iter().all(|l| !l.starts_with("stopped")), "{seen:?}");
    assert!(seen.contains(&"applied vc-0".to_string()), "{seen:?}");
    assert!(fake.object("apps/v1", "StatefulSet", NS, "vc-1").is_none());
    let live = fake.object("apps/v1", "StatefulSet", NS, "vc-0").unwrap();
    assert_eq!(
        (live["spec"]["replicas"].as_i64(), &live["spec"]["template"]["metadata"]["annotations"]["slice"]),
        (Some(1), &json!("0..4"))
    );
}
