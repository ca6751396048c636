//! The proof-of-stake render: checks the inputs, resolves them into pairs, and puts the objects
//! together in order: the pairs' headless Service and peer lists, the signer pairs, the RPC pairs
//! and their Services, the validator clients, and the budgets; then the notes.

use super::besu;
use super::context::{is_address, missing, pair, Ctx, PairNode, Role};
use super::finality;
use super::node::pair_set;
use super::paths::{LIGHTHOUSE, LIGHTHOUSE_TAG, POS_TAG};
use super::peering::geth_config;
use super::repair;
use super::teku;
use super::validator::validator_set;
use crate::geth::{labels, pdb, P2P_PORT, REPOSITORY};
use crate::inputs::Inputs;
use crate::rpc::{rpc_network_policy, rpc_notes, rpc_pdb};
use crate::values::Values;
use ethwasm_ethereum_types::{
    Clients, ConsensusClient, ExecutionClient, NodeChoice, NodeClients, PosGenesis, RpcChoice,
};
use ethwasm_plugin::k8s;
use ethwasm_plugin::{Output, PluginError};

/// Renders the proof-of-stake network.
pub(crate) fn render(
    namespace: &str,
    release: &str,
    v: &Values,
    i: &Inputs,
    warnings: &mut Vec<String>,
) -> Result<Output, PluginError> {
    let pos = checked_pos_genesis(v, i)?;
    let ctx = Ctx {
        namespace,
        release,
        v,
        i,
        pos,
        service: format!("{release}-geth"),
        geth_image: v.image.reference(REPOSITORY, POS_TAG),
        beacon_image: v.beacon.image.reference(LIGHTHOUSE, LIGHTHOUSE_TAG),
    };
    let signers: Vec<PairNode<'_>> =
        i.signers.signers.iter().map(|s| pair(i, &s.pod, &s.node_id, &s.node_key)).collect::<Result<_, _>>()?;
    let rpcs: Vec<PairNode<'_>> =
        i.rpc.nodes.iter().map(|n| pair(i, &n.pod, &n.node_id, &n.node_key)).collect::<Result<_, _>>()?;
    // Both plugins plan the RPC pods from `global.clients`; a secrets plugin of another tree
    // could name others, and a pod left out of every StatefulSet would go unnoticed.
    rpc_choice_warnings(&i.clients, rpcs.len(), warnings);
    let planned: Vec<String> =
        i.clients.rpc_sets(release, rpcs.len() as u32).into_iter().flat_map(|s| s.pods).collect();
    let keyed: Vec<&str> = rpcs.iter().map(|n| n.pod).collect();
    if planned != keyed {
        return Err(missing(format!(
            "node-keys: the secrets plugin keyed the RPC pods {keyed:?}, but global.clients.rpc plans {planned:?}; \
             build both plugins from the same tree"
        )));
    }
    let all: Vec<&PairNode<'_>> = signers.iter().chain(&rpcs).collect();

    let out = pairs_service_and_peers(&ctx, &all, Output::new());
    let mut out = signer_pairs(&ctx, &signers, &all, out);
    if !rpcs.is_empty() {
        out = rpc_pairs(&ctx, &rpcs, &all, out);
    }
    let (out, clients) = validator_clients(&ctx, &all, warnings, out)?;
    finality_warnings(&ctx, rpcs.len(), warnings);
    let mut out = validators_budget(&ctx, out)?;
    if let Some(exits) = &i.validators.exits {
        out = out.manifest(super::exits::job(&ctx, exits));
    }
    if let Some(deposits) = &i.validators.deposits {
        out = out.manifest(super::deposits::job(&ctx, deposits)?);
    }

    Ok(out.notes(notes(&ctx, &clients)))
}

/// The genesis output's proof-of-stake part, once the inputs are known to come from proof-of-stake
/// renders and the fee recipient is an address.
fn checked_pos_genesis<'a>(v: &Values, i: &'a Inputs) -> Result<&'a PosGenesis, PluginError> {
    let pos = i.genesis.pos.as_ref().ok_or_else(|| {
        missing(
            "genesis: consensus is pos but the output has no `pos` part; build the genesis plugin from this tree"
                .into(),
        )
    })?;
    if i.validators.clients.is_empty() {
        return Err(missing(
            "validators: the secrets plugin made no validator clients. It makes them when global.consensus is pos (a \
             chart copies genesis.consensus there; with --plugins alone, also --set global.consensus=pos)"
                .into(),
        ));
    }
    if !v.validator.fee_recipient.is_empty() && !is_address(&v.validator.fee_recipient) {
        return Err(PluginError::InvalidValues(format!(
            "validator.feeRecipient: `{}` is not 0x and 40 hex digits",
            v.validator.fee_recipient
        )));
    }
    Ok(pos)
}

/// What `global.clients.rpc` says that no RPC node uses: entries past the RPC node count, and a
/// validator client (RPC nodes run none).
fn rpc_choice_warnings(c: &Clients, rpc_nodes: usize, warnings: &mut Vec<String>) {
    let list: &[NodeChoice] = match &c.rpc {
        RpcChoice::All(one) => std::slice::from_ref(one),
        RpcChoice::Each(list) => {
            if list.len() > rpc_nodes {
                warnings.push(format!(
                    "global.clients.rpc lists {} RPC nodes but global.topology.rpcNodes is {rpc_nodes}: \
                     the entries past {rpc_nodes} are unused",
                    list.len()
                ));
            }
            list
        }
    };
    if list.iter().any(|e| e.validator.is_some()) {
        warnings.push("global.clients.rpc: RPC nodes run no validator client, so `validator` there is unused".into());
    }
}

/// The pairs' headless Service, naming every pair pod, and the ConfigMap of the peer lists
/// (geth's static nodes, the beacon nodes' peers).
fn pairs_service_and_peers(ctx: &Ctx<'_>, all: &[&PairNode<'_>], mut out: Output) -> Output {
    let (release, b) = (ctx.release, &ctx.v.beacon);
    // One headless Service names every pair pod, for geth's static nodes and Lighthouse's
    // multiaddrs; it publishes pods before they are ready, so peers resolve at start.
    let group = k8s::selector(release, "geth");
    out = out.manifest(k8s::service(
        &ctx.service,
        &group,
        &group,
        "Headless",
        vec![
            k8s::port("p2p", P2P_PORT, "TCP"),
            k8s::port("beacon-p2p", b.p2p_port, "TCP"),
            k8s::port("beacon-disc", b.p2p_port, "UDP"),
            k8s::port("beacon-quic", b.p2p_port + 1, "UDP"),
        ],
    ));
    // Peer lists are files the pods read, not arguments: geth reads geth.toml at start (new
    // nodes dial the old ones, so scaling restarts nobody), and the peering sidecars re-read
    // beacon-peers every round, so a changed list reaches them without a restart.
    let config = geth_config(ctx, all);
    let peers = repair::peers_file(ctx, all);
    let mut files = vec![("geth.toml", config), ("beacon-peers", peers)];
    // Teku reads its static peers from a file (`teku.rs`); only rendered when a node runs it.
    if ctx.runs(ConsensusClient::Teku) {
        files.push(("teku-peers", teku::peers_file(ctx, all.iter().map(|n| (n.pod, n.beacon.peer_id.as_str())))));
    }
    // Besu's static nodes and Reth's trusted peers: the pods write them from this list
    // (`besu.rs`, `reth.rs`).
    if [ExecutionClient::Besu, ExecutionClient::Reth, ExecutionClient::Nethermind]
        .into_iter()
        .any(|c| ctx.runs_execution(c))
    {
        files.push(("enodes", besu::enodes_file(ctx, all)));
    }
    let mut cm = k8s::config_map(&format!("{release}-geth-config"), files.iter().map(|(k, v)| (*k, v.as_str())));
    cm["metadata"]["labels"] = group.clone();
    out.manifest(cm)
}

/// One pair StatefulSet per signer, and the signers' PodDisruptionBudget.
fn signer_pairs(ctx: &Ctx<'_>, signers: &[PairNode<'_>], all: &[&PairNode<'_>], mut out: Output) -> Output {
    let (release, v, i) = (ctx.release, ctx.v, ctx.i);
    for (s, node) in i.signers.signers.iter().zip(signers) {
        let labels = labels(release, "signer", &s.stateful_set);
        let fee = if v.validator.fee_recipient.is_empty() { s.address.as_str() } else { &v.validator.fee_recipient };
        let role = Role::Signer { fee_recipient: fee };
        let clients = i.clients.signer(s.index);
        out = out.manifest(pair_set(ctx, &s.stateful_set, &labels, &[node], all.len() - 1, role, clients));
    }
    if v.pod_disruption_budget.enabled && !signers.is_empty() {
        let sel = k8s::component_labels(release, "geth", "signer");
        let max = v.pod_disruption_budget.max_unavailable;
        out = out.manifest(pdb(&format!("{release}-signers"), &sel, sel.clone(), max));
    }
    out
}

/// The RPC pairs' StatefulSet, their JSON-RPC and beacon API Services, their budget and the
/// optional NetworkPolicy.
fn rpc_pairs(ctx: &Ctx<'_>, rpcs: &[PairNode<'_>], all: &[&PairNode<'_>], mut out: Output) -> Output {
    let (release, v, i) = (ctx.release, ctx.v, ctx.i);
    let b = &v.beacon;
    let name = &i.rpc.stateful_set;
    // RPC nodes running one pair are replicas of one StatefulSet (`Clients::rpc_sets`); the
    // Services, the budget and the policy select every RPC pod by its component.
    for set in i.clients.rpc_sets(release, rpcs.len() as u32) {
        let labels = labels(release, "rpc", &set.stateful_set);
        let nodes: Vec<&PairNode<'_>> = rpcs.iter().filter(|n| set.pods.iter().any(|p| p == n.pod)).collect();
        out = out.manifest(pair_set(ctx, &set.stateful_set, &labels, &nodes, all.len() - 1, Role::Rpc, set.clients));
    }
    let r = &v.rpc;
    let sel = k8s::component_labels(release, "geth", "rpc");
    out = out.manifest(k8s::service(
        name,
        &sel,
        &sel,
        &r.service.type_,
        vec![k8s::port("http", r.service.http_port, "TCP"), k8s::port("ws", r.service.ws_port, "TCP")],
    ));
    let beacon_labels = k8s::component_labels(release, "beacon", "rpc");
    out = out.manifest(k8s::service(
        &format!("{release}-beacon"),
        &beacon_labels,
        &sel,
        &b.service.type_,
        vec![k8s::port("beacon-api", b.http_port, "TCP")],
    ));
    if let Some(budget) = rpc_pdb(release, &sel, v) {
        out = out.manifest(budget);
    }
    if r.network_policy.enabled {
        // The release's own pods also reach the beacon API (the peering sidecars read each
        // node's identity there, and validator clients fall back to these nodes) and JSON-RPC
        // (the deposit Job sends through it).
        let quic = b.p2p_port + 1;
        let p2p = [
            (b.p2p_port, "TCP"),
            (b.p2p_port, "UDP"),
            (quic, "UDP"),
            (b.http_port, "TCP"),
            (r.service.http_port, "TCP"),
        ];
        out = out.manifest(rpc_network_policy(release, &sel, r, &[(b.http_port, "TCP")], &p2p));
    }
    out
}

/// The validator clients' headless Service and one StatefulSet per client with keys, beside its
/// signer's beacon node; warns of signers left without keys. Returns the notes' line of each client.
fn validator_clients(
    ctx: &Ctx<'_>,
    all: &[&PairNode<'_>],
    warnings: &mut Vec<String>,
    mut out: Output,
) -> Result<(Output, Vec<String>), PluginError> {
    let (release, v, i) = (ctx.release, ctx.v, ctx.i);
    // Validator clients, one per slice, each beside its signer's beacon node.
    let vc_labels = k8s::component_labels(release, "validator", "validator");
    let vc_ports =
        if v.metrics.enabled { vec![k8s::port("vc-metrics", v.validator.metrics_port, "TCP")] } else { Vec::new() };
    out = out.manifest(k8s::service(&format!("{release}-validator"), &vc_labels, &vc_labels, "Headless", vc_ports));
    // Every beacon node a validator client may use: its own first, then the other signers',
    // then the RPC nodes', so a client outlives its own beacon node.
    let apis: Vec<String> = all.iter().map(|n| ctx.beacon_api(n.pod)).collect();
    let mut clients = Vec::new();
    let mut keyless = Vec::new();
    for client in &i.validators.clients {
        if client.count == 0 {
            // Fewer validators than signers: this signer has no keys, and no client to run.
            keyless.push(client.signer.to_string());
            continue;
        }
        let signer = i.signers.signers.iter().find(|s| s.index == client.signer).ok_or_else(|| {
            missing(format!(
                "validators: client {} runs beside signer {0}, which `signers` does not list",
                client.signer
            ))
        })?;
        let fee =
            if v.validator.fee_recipient.is_empty() { signer.address.as_str() } else { &v.validator.fee_recipient };
        let own = ctx.beacon_api(&signer.pod);
        let beacon_apis: Vec<String> =
            std::iter::once(own.clone()).chain(apis.iter().filter(|a| **a != own).cloned()).collect();
        out = out.manifest(validator_set(ctx, client, fee, &beacon_apis));
        clients.push(format!(
            "  {release}-validator-{c}: validators {first}..{end}, beside {pod}",
            c = client.signer,
            first = client.first,
            end = client.first + client.count,
            pod = signer.pod,
        ));
    }
    if !keyless.is_empty() {
        let total: u32 = i.validators.clients.iter().map(|c| c.count).sum();
        warnings.push(format!(
            "{total} validators over {signers} signers: signer(s) {list} get no validator keys, so no validator client \
             runs beside them; give at least {signers} validators (global.topology.validators) or fewer signers \
             (global.topology.signers)",
            signers = i.validators.clients.len(),
            list = keyless.join(", "),
        ));
    }
    Ok((out, clients))
}

/// The warnings on what the validator clients' topology cannot lose: a client down that costs
/// finality, and (without supernodes) the data columns the beacon nodes keep.
fn finality_warnings(ctx: &Ctx<'_>, rpc_count: usize, warnings: &mut Vec<String>) {
    let (release, i, b) = (ctx.release, ctx.i, &ctx.v.beacon);
    if let Some(w) = finality::one_down_warning(release, &i.validators.clients) {
        warnings.push(w);
    }
    if !b.supernode {
        warnings.push(finality::custody_warning(&i.validators.clients, rpc_count));
    }
}

/// The validator clients' PodDisruptionBudget: at most as many clients down as finality
/// tolerates (`validator.podDisruptionBudget.maxUnavailable` may ask for fewer, never more).
fn validators_budget(ctx: &Ctx<'_>, mut out: Output) -> Result<Output, PluginError> {
    let (release, v, i) = (ctx.release, ctx.v, ctx.i);
    // Voluntary disruptions (drains) may take down only clients whose stake the rest can
    // spare. A pod matched by two budgets cannot be evicted at all, so the three budgets select
    // disjoint pods: signer pairs, RPC pairs, validator clients.
    let vc_labels = k8s::component_labels(release, "validator", "validator");
    let tolerable = finality::tolerable_down(&i.validators.clients);
    let vc_pdb = &v.validator.pod_disruption_budget;
    if vc_pdb.enabled {
        let max = match vc_pdb.max_unavailable {
            Some(m) if m > tolerable => {
                return Err(PluginError::InvalidValues(format!(
                    "validator.podDisruptionBudget.maxUnavailable: {m} clients down could leave two thirds of the \
                     stake or less, and finality with it; with these slices at most {tolerable} may be down (leave \
                     it unset for that)"
                )))
            }
            Some(m) => m,
            None => tolerable,
        };
        out = out.manifest(pdb(&format!("{release}-validators"), &vc_labels, vc_labels.clone(), max));
    }
    Ok(out)
}

/// What the pairs run: `geth + Lighthouse` when every node runs the same; else
/// `execution/beacon`, and a line per node with its clients.
fn pair_kinds(ctx: &Ctx<'_>) -> (String, String) {
    let i = ctx.i;
    let title = |c: NodeClients| {
        let cap = |s: &str| s[..1].to_uppercase() + &s[1..];
        let e = if c.execution == ExecutionClient::Geth { "geth".to_string() } else { cap(c.execution.name()) };
        format!("{e} + {}", cap(c.consensus.name()))
    };
    let mut nodes: Vec<(String, NodeClients)> =
        i.signers.signers.iter().map(|s| (s.pod.clone(), i.clients.signer(s.index))).collect();
    nodes.extend(
        i.clients.rpc_sets(ctx.release, i.rpc.nodes.len() as u32).into_iter().map(|s| (s.stateful_set, s.clients)),
    );
    let first = nodes.first().map(|(_, c)| *c);
    if nodes.iter().all(|(_, c)| Some(*c) == first && c.validator == c.consensus) {
        return (first.map_or_else(|| "geth + Lighthouse".into(), title), String::new());
    }
    let lines = nodes.iter().map(|(node, c)| {
        let vc = if c.validator != c.consensus { format!(", validator client {}", c.validator) } else { String::new() };
        format!("  {node}: {}{vc}\n", title(*c))
    });
    ("execution/beacon".into(), lines.collect())
}

/// How to reach the network and check it.
fn notes(ctx: &Ctx<'_>, clients: &[String]) -> String {
    let (namespace, release, v, i, pos) = (ctx.namespace, ctx.release, ctx.v, ctx.i, ctx.pos);
    let port = v.beacon.http_port;
    let kinds = pair_kinds(ctx);
    let mut n = format!(
        "Proof of stake: {kinds} pairs: {pairs} ({signers} with a validator client each, {rpc} for RPC); \
         genesis at {time} (unix), {slot} s slots.\n{each}",
        kinds = kinds.0,
        each = kinds.1,
        pairs = i.signers.signers.len() + i.rpc.nodes.len(),
        signers = i.signers.signers.len(),
        rpc = i.rpc.nodes.len(),
        time = pos.genesis_time,
        slot = pos.seconds_per_slot,
    );

    if !i.rpc.nodes.is_empty() {
        n.push_str(&rpc_notes(namespace, &i.rpc.stateful_set, &v.rpc, i.genesis.network_id));
        n.push('\n');
        n.push_str(&format!(
            "Beacon API: kubectl -n {namespace} port-forward svc/{release}-beacon {port}:{port}, then\n"
        ));
    } else if let Some(s) = i.signers.signers.first() {
        n.push_str(&format!(
            "Beacon API (no RPC nodes; a signer's): kubectl -n {namespace} port-forward pod/{pod} {port}:{port}, then\n",
            pod = s.pod
        ));
    }
    // Epochs 2 and 3 justified, 2 finalized: at the start of epoch 4 (consensus-specs'
    // weigh_justification_and_finalization), 4 x 32 slots after genesis.
    let seconds = 4 * 32 * pos.seconds_per_slot;
    n.push_str(&format!(
        "  curl -s http://localhost:{port}/eth/v1/node/syncing\n  \
         curl -s http://localhost:{port}/eth/v1/beacon/states/head/finality_checkpoints\n\
         (finalized.epoch becomes 2 at the start of epoch 4, {seconds} s (~{minutes} min) after genesis, when \
         validators attest from the start)\n",
        minutes = seconds.div_ceil(60),
    ));
    n.push_str(&format!(
        "Validator clients (StatefulSet, one replica each; validators first..end, end excluded, as the pods' \
         ethwasm.io/validators annotation says):\n{}\n",
        clients.join("\n")
    ));
    if let Some(m) = &i.validators.mnemonic {
        n.push_str(&format!(
            "Validator mnemonic: kubectl -n {namespace} get secret {s} -o jsonpath='{{.data.{k}}}' | base64 -d",
            s = m.secret_name,
            k = m.key
        ));
    }
    n
}
