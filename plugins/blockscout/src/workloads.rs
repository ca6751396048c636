//! Blockscout's three workloads and their Services, with the settings of
//! docs/research/execution-explorer.md §3.

use super::Values;
use ethwasm_ethereum_types::Network;
use ethwasm_plugin::k8s;
use ethwasm_plugin::workload::{self, Container, Pod};
use serde_json::{json, Value};

const BACKEND: (&str, &str) = ("ghcr.io/blockscout/blockscout", "9.0.2");
const FRONTEND: (&str, &str) = ("ghcr.io/blockscout/frontend", "v2.3.5");
const POSTGRES: (&str, &str) = ("postgres", "17");
const API_PORT: u16 = 4000;
const UI_PORT: u16 = 3000;
const DB_PORT: u16 = 5432;
/// Blockscout's database and user.
const DB: &str = "blockscout";

/// What every workload shares.
pub(super) struct Ctx<'a> {
    pub release: &'a str,
    pub v: &'a Values,
    pub network: &'a Network,
    pub rpc: &'a str,
    /// The Secret with `database-password` and `secret-key-base`.
    pub secret: &'a str,
}

impl Ctx<'_> {
    fn name(&self, part: &str) -> String {
        format!("{}-blockscout{part}", self.release)
    }
    fn placed(&self, resources: &Value) -> k8s::Placement {
        k8s::Placement { resources: resources.clone(), ..self.v.placement.clone() }
    }
}

/// PostgreSQL: a StatefulSet of one with its claim, and its Service.
pub(super) fn database(c: &Ctx<'_>) -> Vec<Value> {
    let d = &c.v.database;
    let name = c.name("-db");
    let labels = k8s::component_labels(c.release, "blockscout", "database");
    let selector = k8s::merge_labels(
        &k8s::selector(c.release, "blockscout"),
        &json!({ "app.kubernetes.io/component": "database" }),
    );
    let ready = ["pg_isready", "-U", DB, "-d", DB].map(String::from);
    let container = Container::new("postgres", &d.image.reference(POSTGRES.0, POSTGRES.1), d.image.pull_policy())
        .args(["-c", "max_connections=200", "-c", "client_connection_check_interval=60000"])
        .env([
            k8s::env("POSTGRES_DB", DB),
            k8s::env("POSTGRES_USER", DB),
            k8s::secret_env("POSTGRES_PASSWORD", c.secret, "database-password"),
            // A claim's root holds lost+found: the data goes one level down.
            k8s::env("PGDATA", "/var/lib/postgresql/data/pgdata"),
        ])
        .ports([workload::container_port("postgres", DB_PORT, "TCP")])
        .mounts([
            workload::mount("data", "/var/lib/postgresql/data"),
            workload::mount("run", "/var/run/postgresql"),
            workload::mount("tmp", "/tmp"),
            workload::mount("shm", "/dev/shm"),
        ])
        .exec_readiness(&ready, 10);
    let pod = Pod::new(&labels)
        .volumes([
            workload::empty_dir_volume("run"),
            workload::empty_dir_volume("tmp"),
            json!({ "name": "shm", "emptyDir": { "medium": "Memory", "sizeLimit": "256Mi" } }),
        ])
        .volumes(d.persistence.scratch_volume("data"))
        .container(container)
        .placement(&c.placed(&d.resources));
    let sts = workload::stateful_set(&name, &name, 1, &selector, pod, d.persistence.claim_template("data"));
    let service = k8s::service(&name, &labels, &selector, "ClusterIP", vec![k8s::port("postgres", DB_PORT, "TCP")]);
    vec![sts, service]
}

/// The backend's environment (indexer and API).
fn backend_env(c: &Ctx<'_>) -> Vec<Value> {
    let flag = |b: bool| if b { "true" } else { "false" };
    let mut env = vec![k8s::secret_env("DB_PASSWORD", c.secret, "database-password")];
    let plain = [
        ("ETHEREUM_JSONRPC_VARIANT", "geth".to_string()),
        ("ETHEREUM_JSONRPC_HTTP_URL", format!("{}/", c.rpc)),
        ("ETHEREUM_JSONRPC_TRACE_URL", format!("{}/", c.rpc)),
        ("ETHEREUM_JSONRPC_TRANSPORT", "http".into()),
        // $(DB_PASSWORD) is expanded by the kubelet from the variable above.
        ("DATABASE_URL", format!("postgresql://{DB}:$(DB_PASSWORD)@{}:{DB_PORT}/{DB}", c.name("-db"))),
        // 9.0.2 defaults to SSL on; 11.1 and later read ECTO_SSL_MODE, default `require`.
        ("ECTO_USE_SSL", "false".into()),
        ("ECTO_SSL_MODE", "disable".into()),
        ("PORT", API_PORT.to_string()),
        ("CHAIN_ID", c.network.chain_id.to_string()),
        ("COIN", "ETH".into()),
        ("COIN_NAME", "ETH".into()),
        // No calls out of the cluster: market data, and the public contract verifier service.
        ("DISABLE_MARKET", "true".into()),
        ("MICROSERVICE_SC_VERIFIER_ENABLED", "false".into()),
        // geth serves no txpool_content to an RPC node's public API; proof of stake has no block rewards.
        ("INDEXER_DISABLE_PENDING_TRANSACTIONS_FETCHER", "true".into()),
        ("INDEXER_DISABLE_BLOCK_REWARD_FETCHER", "true".into()),
        ("INDEXER_DISABLE_INTERNAL_TRANSACTIONS_FETCHER", flag(!c.v.internal_transactions).into()),
        ("ACCOUNT_ENABLED", "false".into()),
        ("NFT_MEDIA_HANDLER_ENABLED", "false".into()),
        // Under PostgreSQL's connections (max_connections=200 above).
        ("POOL_SIZE", "20".into()),
        ("POOL_SIZE_API", "10".into()),
        ("ACCOUNT_POOL_SIZE", "5".into()),
        ("RELEASE_DISTRIBUTION", "none".into()),
        ("RELEASE_TMP", "/tmp".into()),
        ("DISABLE_FILE_LOGGING", "true".into()),
    ];
    env.extend(plain.iter().map(|(k, v)| k8s::env(k, v)));
    if let Some(ws) = &c.network.rpc_ws {
        env.push(k8s::env("ETHEREUM_JSONRPC_WS_URL", &format!("{ws}/")));
    }
    env.push(k8s::secret_env("SECRET_KEY_BASE", c.secret, "secret-key-base"));
    env
}

/// The backend: migrations in an init container, then the indexer and API; its Service.
pub(super) fn backend(c: &Ctx<'_>) -> Vec<Value> {
    let b = &c.v.backend;
    let name = c.name("");
    let labels = k8s::component_labels(c.release, "blockscout", "backend");
    let selector = k8s::merge_labels(
        &k8s::selector(c.release, "blockscout"),
        &json!({ "app.kubernetes.io/component": "backend" }),
    );
    let image = b.image.reference(BACKEND.0, BACKEND.1);
    let env = backend_env(c);
    // Writable places on a read-only root: 9.0.2 writes logs/prod (file logging cannot be
    // turned off before 9.1), dets and temp under /app.
    let mounts = ["logs", "dets", "temp", "tmp"]
        .map(|d| workload::mount(d, if d == "tmp" { "/tmp".to_string() } else { format!("/app/{d}") }.as_str()));
    let migrate = Container::new("migrate", &image, b.image.pull_policy())
        .command(["/bin/sh", "-c", "bin/blockscout eval \"Elixir.Explorer.ReleaseTasks.create_and_migrate()\""])
        .env(env.clone())
        .mounts(mounts.clone());
    let container = Container::new("backend", &image, b.image.pull_policy())
        .command(["/bin/sh", "-c", "exec bin/blockscout start"])
        .env(env)
        .ports([workload::container_port("http", API_PORT, "TCP")])
        .mounts(mounts)
        .http_readiness("/api/health/readiness", "http")
        .startup(workload::http_probe("/api/health/liveness", "http", 10, 60))
        .liveness(workload::http_probe("/api/health/liveness", "http", 30, 4));
    let pod = Pod::new(&labels)
        .volumes(["logs", "dets", "temp", "tmp"].map(workload::empty_dir_volume))
        .init_container(migrate)
        .container(container)
        .placement(&c.placed(&b.resources))
        .termination_grace_period(300);
    let deployment = workload::deployment(&name, 1, &selector, pod);
    let port = if c.v.frontend.enabled { API_PORT } else { c.v.service.port };
    let service = k8s::service(&name, &labels, &selector, &c.v.service.type_, vec![k8s::port("http", port, "TCP")]);
    vec![deployment, service]
}

/// The frontend, which proxies the browser's API calls to the backend; its Service.
pub(super) fn frontend(c: &Ctx<'_>) -> Vec<Value> {
    let f = &c.v.frontend;
    if !f.enabled {
        return Vec::new();
    }
    let name = c.name("-frontend");
    let labels = k8s::component_labels(c.release, "blockscout", "frontend");
    let selector = k8s::merge_labels(
        &k8s::selector(c.release, "blockscout"),
        &json!({ "app.kubernetes.io/component": "frontend" }),
    );
    let ingress = &c.v.ingress;
    // What the user types: the port-forward's localhost:3000, or the Ingress's host.
    let (protocol, host, port) = match ingress.url() {
        Some(_) => (if ingress.tls_secret.is_empty() { "http" } else { "https" }, ingress.host.clone(), None),
        None => ("http", "localhost".to_string(), Some(UI_PORT)),
    };
    let mut env = vec![
        ("HOSTNAME", "0.0.0.0".to_string()),
        ("PORT", UI_PORT.to_string()),
        ("NEXT_PUBLIC_APP_PROTOCOL", protocol.into()),
        ("NEXT_PUBLIC_APP_HOST", host),
        ("NEXT_PUBLIC_USE_NEXT_JS_PROXY", "true".into()),
        ("NEXT_PUBLIC_API_PROTOCOL", "http".into()),
        ("NEXT_PUBLIC_API_HOST", c.name("")),
        ("NEXT_PUBLIC_API_PORT", API_PORT.to_string()),
        ("NEXT_PUBLIC_API_WEBSOCKET_PROTOCOL", "ws".into()),
        ("NEXT_PUBLIC_NETWORK_NAME", c.release.to_string()),
        ("NEXT_PUBLIC_NETWORK_SHORT_NAME", c.release.to_string()),
        ("NEXT_PUBLIC_NETWORK_ID", c.network.chain_id.to_string()),
        ("NEXT_PUBLIC_NETWORK_CURRENCY_NAME", "Ether".into()),
        ("NEXT_PUBLIC_NETWORK_CURRENCY_SYMBOL", "ETH".into()),
        ("NEXT_PUBLIC_NETWORK_CURRENCY_DECIMALS", "18".into()),
        ("NEXT_PUBLIC_IS_TESTNET", "true".into()),
        ("NEXT_PUBLIC_NETWORK_VERIFICATION_TYPE", "validation".into()),
        (
            "NEXT_PUBLIC_HAS_BEACON_CHAIN",
            (c.network.consensus == Some(ethwasm_ethereum_types::Consensus::Pos)).to_string(),
        ),
        ("NEXT_PUBLIC_AD_BANNER_PROVIDER", "none".into()),
        ("NEXT_PUBLIC_AD_TEXT_PROVIDER", "none".into()),
    ];
    if let Some(p) = port {
        env.push(("NEXT_PUBLIC_APP_PORT", p.to_string()));
    }
    let container = Container::new("frontend", &f.image.reference(FRONTEND.0, FRONTEND.1), f.image.pull_policy())
        .env(env.iter().map(|(k, v)| k8s::env(k, v)))
        .ports([workload::container_port("http", UI_PORT, "TCP")])
        .mounts([workload::mount("tmp", "/tmp")])
        .http_readiness("/api/healthz", "http")
        .liveness(workload::http_probe("/api/healthz", "http", 30, 4));
    let pod = Pod::new(&labels)
        .volumes([workload::empty_dir_volume("tmp")])
        .container(container)
        .placement(&c.placed(&f.resources));
    let deployment = workload::deployment(&name, 1, &selector, pod);
    let service =
        k8s::service(&name, &labels, &selector, &c.v.service.type_, vec![k8s::port("http", c.v.service.port, "TCP")]);
    vec![deployment, service]
}
