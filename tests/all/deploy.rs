//! The Ethereum chart deployed through the real components to the in-process fake API server,
//! over kube-rs's HTTP client: install, a no-op upgrade, diff, a scale-down that prunes, and
//! uninstall.

use ethwasm::cluster::kube::KubeCluster;
use ethwasm::deploy::{self, renderer, Options, SeedChoice};
use ethwasm::job::Spec;
use ethwasm_tests::chart_spec;
use fake_apiserver::FakeApi;
use std::time::Duration;

const NS: &str = "eth";

/// The Clique profile: its objects are named below (proof of stake on a cluster:
/// host/tests/real_cluster.rs).
fn source(set: &[&str]) -> Spec {
    let set: Vec<&str> = ["genesis.consensus=clique"].into_iter().chain(set.iter().copied()).collect();
    chart_spec(NS, None, &set)
}

fn opts() -> Options {
    Options { wait: true, poll_interval: Duration::from_millis(10), holder: "test".into(), ..Options::default() }
}

async fn deploy_with(c: &KubeCluster, set: &[&str]) -> ethwasm::Result<deploy::Report> {
    let render = renderer(&source(set), NS, "ethereum");
    deploy::deploy(c, NS, "ethereum", SeedChoice::default(), render, &opts()).await
}

/// A fake API server with namespace `eth`, reporting workloads ready, and a client of it.
fn cluster() -> (FakeApi, KubeCluster) {
    let fake = FakeApi::new();
    fake.add_namespace(NS);
    fake.set_ready(true);
    let c = KubeCluster::new(fake.client());
    (fake, c)
}

#[tokio::test]
async fn the_ethereum_chart_installs_upgrades_prunes_and_uninstalls() {
    let (fake, c) = cluster();

    let first = deploy_with(&c, &[]).await.unwrap();
    assert_eq!(first.revision, 1);
    let live = fake.inventory();
    for want in
        ["StatefulSet eth/ethereum-signer-1", "ConfigMap eth/ethereum-genesis", "Deployment eth/ethereum-ethstats"]
    {
        assert!(live.iter().any(|o| o == want), "{want} missing from {live:?}");
    }
    let objects = first.applied.len();

    // The same values again: the recorded seed gives the same keys, nothing is pruned and
    // diff finds nothing to change.
    let second = deploy_with(&c, &[]).await.unwrap();
    assert_eq!((second.revision, second.applied.len(), second.pruned.len()), (2, objects, 0));
    let render = renderer(&source(&[]), NS, "ethereum");
    let plan = deploy::plan::plan(&c, NS, "ethereum", SeedChoice::default(), render).await.unwrap();
    let (text, changed) = deploy::diff::diff(&c, &plan.targets, &plan.prune, true, false, false).await.unwrap();
    assert!(!changed, "a no-op upgrade differs:\n{text}");

    // One Clique signer fewer would change the genesis: refused, nothing recorded.
    let e = deploy_with(&c, &["global.topology.signers=1"]).await.unwrap_err();
    assert_eq!(e.class(), ethwasm::Class::Usage);
    assert!(e.to_string().contains("--new-chain"), "{e}");
    // No RPC node: its StatefulSet and Service are pruned.
    let third = deploy_with(&c, &["global.topology.rpcNodes=0"]).await.unwrap();
    assert_eq!(third.revision, 3);
    let pruned: Vec<String> = third.pruned.iter().map(|k| k.to_string()).collect();
    assert!(pruned.contains(&"StatefulSet eth/ethereum-rpc".to_string()), "{pruned:?}");
    assert!(pruned.contains(&"Service eth/ethereum-rpc".to_string()), "{pruned:?}");

    deploy::uninstall(&c, NS, "ethereum", false, &opts()).await.unwrap();
    assert!(fake.inventory().is_empty(), "{:?}", fake.inventory());
}

/// A plugin's object that needs a grant it was not given stops the deploy before anything is
/// applied or recorded; with the grant, it deploys.
#[tokio::test]
async fn a_deploy_applies_nothing_a_plugin_was_not_granted() {
    let (fake, c) = cluster();
    let sources = ethwasm_tests::open(None, &[ethwasm_tests::test_plugin_path("misbehave")]);
    let spec = |allow: &[(&str, ethwasm::permit::Grant)]| Spec {
        sources: sources.clone(),
        allow: allow.iter().map(|(p, g)| (p.to_string(), [*g].into())).collect(),
        ..ethwasm_tests::spec(&["misbehave.mode=cluster-admin"])
    };
    let render = renderer(&spec(&[]), NS, "hostile");
    let e = deploy::deploy(&c, NS, "hostile", SeedChoice::default(), render, &opts()).await.unwrap_err();
    assert_eq!(e.class(), ethwasm::Class::Plugin);
    assert!(e.to_string().contains("may not create ClusterRoleBinding hostile-misbehave"), "{e}");
    assert!(fake.inventory().is_empty(), "nothing applied or recorded: {:?}", fake.inventory());

    let render = renderer(&spec(&[("misbehave", ethwasm::permit::Grant::Rbac)]), NS, "hostile");
    deploy::deploy(&c, NS, "hostile", SeedChoice::default(), render, &opts()).await.unwrap();
    assert!(fake.inventory().iter().any(|o| o == "ClusterRoleBinding /hostile-misbehave"), "{:?}", fake.inventory());
}
