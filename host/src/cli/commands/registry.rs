//! `ethwasm push`, `ethwasm pull` and `ethwasm registry login|logout`: charts and plugins in
//! OCI registries.

use crate::cli::args::RegistryArgs;
use crate::cli::Outcome;
use clap::{Args, Subcommand};
use ethwasm::oci::{self, auth, Kind, OciRef};
use std::path::{Path, PathBuf};

/// Where pulled content is kept.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Directory of the local store (its `oci/`) [default: $XDG_CACHE_HOME/ethwasm or
    /// ~/.cache/ethwasm].
    #[arg(long, value_name = "DIR", env = "ETHWASM_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Keep nothing on disk: always fetch.
    #[arg(long)]
    pub no_cache: bool,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

impl StoreArgs {
    pub fn registry(&self) -> ethwasm::Result<oci::Registry> {
        self.registry.registry(self.cache_dir.clone(), self.no_cache)
    }
}

/// `ethwasm push ARCHIVE oci://HOST/REPO[:TAG]`
#[derive(Debug, Args)]
pub struct PushCommand {
    /// A chart archive from `ethwasm package`.
    #[arg(value_name = "ARCHIVE")]
    pub archive: PathBuf,
    /// Where: oci://HOST/REPO[:TAG]; the tag defaults to the chart's version. Each plugin goes
    /// to oci://HOST/REPO/PLUGIN with the same tag.
    #[arg(value_name = "REFERENCE")]
    pub reference: String,
    #[command(flatten)]
    pub store: StoreArgs,
}

impl PushCommand {
    /// Pushes, then prints the chart's reference pinned by digest on stdout.
    pub fn execute(self) -> ethwasm::Result<Outcome> {
        let target = OciRef::parse(&self.reference)?;
        let registry = self.store.registry()?;
        let pushed = oci::block_on(registry.push_chart(&self.archive, &target))?;
        for (name, r) in &pushed.plugins {
            eprintln!("pushed plugin {name}: {r}");
        }
        eprintln!("pushed chart {}", self.archive.display());
        println!("{}", pushed.chart);
        Ok(Outcome::Success)
    }
}

/// `ethwasm pull oci://HOST/REPO[:TAG|@sha256:DIGEST] [-d DIR]`
#[derive(Debug, Args)]
pub struct PullCommand {
    /// A chart (written as NAME-VERSION.tgz) or a Wasm component (written as NAME.wasm).
    #[arg(value_name = "REFERENCE")]
    pub reference: String,
    /// The tag to take, the chart's version (as Helm's --version).
    #[arg(long = "version", value_name = "VERSION")]
    pub chart_version: Option<String>,
    /// Where to write it.
    #[arg(short = 'd', long = "destination", value_name = "DIR", default_value = ".")]
    pub destination: PathBuf,
    #[command(flatten)]
    pub store: StoreArgs,
}

impl PullCommand {
    /// Pulls (or reads from the local store), writes the file and prints its path.
    pub fn execute(self) -> ethwasm::Result<Outcome> {
        let r = OciRef::parse(&self.reference)?.with_version(self.chart_version.as_deref())?;
        let pulled = oci::block_on(async { Ok(self.store.registry()?.pull(&r, None).await?) })?;
        let name = file_name(&pulled);
        let path = self.destination.join(name);
        let fail = |e: std::io::Error| {
            ethwasm::Error::usage(format!("cannot write {}: {e}; give a writable directory with -d", path.display()))
        };
        std::fs::create_dir_all(&self.destination).map_err(fail)?;
        let tmp = self.destination.join(format!(".pull-{}.tmp", std::process::id()));
        std::fs::write(&tmp, &pulled.bytes).and_then(|_| std::fs::rename(&tmp, &path)).map_err(fail)?;
        let from = if pulled.from_store { " (from the local store)" } else { "" };
        eprintln!("pulled {}{from}", pulled.reference);
        println!("{}", path.display());
        Ok(Outcome::Success)
    }
}

/// The file a pull writes: the pusher's title when it is a plain file name with the right
/// extension, else the repository's last part and the tag.
fn file_name(pulled: &oci::Pulled) -> String {
    let ext = match pulled.kind {
        Kind::Chart => ".tgz",
        Kind::Plugin => ".wasm",
    };
    let plain = |t: &&String| {
        t.ends_with(ext)
            && !t.starts_with('.')
            && t.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            && Path::new(t.as_str()).file_name().is_some_and(|f| f == t.as_str())
    };
    match pulled.title.as_ref().filter(plain) {
        Some(t) => t.clone(),
        None => {
            let r = &pulled.reference;
            let last = r.repository.rsplit('/').next().unwrap_or("artifact");
            match (&r.tag, pulled.kind) {
                (Some(t), Kind::Chart) => format!("{last}-{t}{ext}"),
                _ => format!("{last}{ext}"),
            }
        }
    }
}

/// `ethwasm registry ...`
#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Check a user and password against a registry and keep them in Docker's config.json
    /// ($DOCKER_CONFIG/config.json or ~/.docker/config.json), where docker, podman, oras and
    /// helm also find them.
    Login(LoginCommand),
    /// Forget a registry's credentials in Docker's config.json.
    Logout(LogoutCommand),
}

impl RegistryCommand {
    /// Runs the subcommand.
    pub fn execute(self) -> ethwasm::Result<Outcome> {
        match self {
            RegistryCommand::Login(c) => c.execute(),
            RegistryCommand::Logout(c) => c.execute(),
        }
    }
}

/// `ethwasm registry login HOST -u USER --password-stdin`
#[derive(Args)]
pub struct LoginCommand {
    /// The registry: HOST or HOST:PORT.
    #[arg(value_name = "HOST")]
    pub host: String,
    #[arg(short = 'u', long, value_name = "USER")]
    pub username: String,
    /// The password (visible in the process list and shell history: prefer --password-stdin).
    #[arg(short = 'p', long, value_name = "PASSWORD", conflicts_with = "password_stdin")]
    pub password: Option<String>,
    /// Read the password from stdin.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

impl std::fmt::Debug for LoginCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginCommand")
            .field("host", &self.host)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// The registry host, as `oci://HOST/...` references name it.
fn registry_host(text: &str) -> ethwasm::Result<String> {
    let host = text.strip_prefix(oci::reference::SCHEME).unwrap_or(text).trim_end_matches('/');
    Ok(OciRef::parse(&format!("{}{host}/x", oci::reference::SCHEME))
        .map_err(|_| ethwasm::Error::usage(format!("`{text}` is not a registry host (HOST or HOST:PORT)")))?
        .registry)
}

impl LoginCommand {
    /// Checks the credentials, then stores them.
    pub fn execute(self) -> ethwasm::Result<Outcome> {
        let host = registry_host(&self.host)?;
        let password = match (&self.password, self.password_stdin) {
            (Some(p), _) => p.clone(),
            (None, true) => {
                let mut text = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                    .map_err(|e| ethwasm::Error::usage(format!("cannot read the password from stdin: {e}")))?;
                text.trim_end_matches(['\n', '\r']).to_string()
            }
            (None, false) => return Err(ethwasm::Error::usage("give the password with --password-stdin (or -p)")),
        };
        if password.is_empty() {
            return Err(ethwasm::Error::usage("the password is empty"));
        }
        let registry = self.registry.registry(None, true)?;
        oci::block_on(async { Ok(registry.check_login(&host, &self.username, &password).await?) })?;
        let path = auth::config_path().ok_or_else(|| {
            ethwasm::Error::usage("neither DOCKER_CONFIG nor HOME is set: nowhere to keep credentials")
        })?;
        auth::store(&path, &host, &self.username, &password)?;
        eprintln!("Login Succeeded: credentials for {host} kept in {}", path.display());
        Ok(Outcome::Success)
    }
}

/// `ethwasm registry logout HOST`
#[derive(Debug, Args)]
pub struct LogoutCommand {
    /// The registry: HOST or HOST:PORT.
    #[arg(value_name = "HOST")]
    pub host: String,
}

impl LogoutCommand {
    /// Removes the entry.
    pub fn execute(self) -> ethwasm::Result<Outcome> {
        let host = registry_host(&self.host)?;
        let path = auth::config_path().ok_or_else(|| ethwasm::Error::usage("neither DOCKER_CONFIG nor HOME is set"))?;
        if auth::remove(&path, &host)? {
            eprintln!("Removed the credentials for {host} from {}", path.display());
        } else {
            eprintln!("No credentials for {host} in {}", path.display());
        }
        Ok(Outcome::Success)
    }
}
