//! What the API server (or the way to it) said ([`ClusterError`]), and the same about one object
//! ([`ObjectError`]).

/// One cause of an API error (a conflicting field, an invalid value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    pub reason: String,
    pub message: String,
    pub field: String,
}

/// What the API server (or the way to it) said.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClusterError {
    /// The server answered with an error status.
    #[error("{message} ({code} {reason})")]
    Api { code: u16, reason: String, message: String, causes: Vec<Cause> },
    /// The server does not serve this kind.
    #[error(
        "the cluster does not serve {kind} in {api_version}; install its CustomResourceDefinition or API first, \
         or drop the plugin that renders it"
    )]
    Unserved { api_version: String, kind: String },
    /// No answer: connection, TLS, authentication setup.
    #[error("{0}")]
    Transport(String),
}

impl ClusterError {
    /// HTTP status code, when the server answered.
    pub fn code(&self) -> Option<u16> {
        match self {
            ClusterError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// A 404.
    pub(crate) fn is_not_found(&self) -> bool {
        self.code() == Some(404)
    }

    /// A 409 (already exists, stale resourceVersion, or an apply conflict).
    pub fn is_conflict(&self) -> bool {
        self.code() == Some(409)
    }
}

/// A cluster error about one object, naming it.
#[derive(Debug, thiserror::Error)]
#[error("{action} {object}: {detail}")]
pub struct ObjectError {
    pub action: &'static str,
    /// `Kind namespace/name`.
    pub object: String,
    pub detail: String,
    /// What the server (or the way to it) said; its text is in `detail`, so it is not the
    /// error's `source` (which would print it twice).
    pub cause: ClusterError,
}

impl ObjectError {
    /// Wraps `source`; server-side apply conflicts are spelled out field by field.
    pub fn new(action: &'static str, object: impl std::fmt::Display, source: ClusterError) -> Self {
        let detail = match &source {
            ClusterError::Api { code: 409, causes, .. }
                if causes.iter().any(|c| c.reason == "FieldManagerConflict") =>
            {
                let fields: Vec<String> = causes
                    .iter()
                    .filter(|c| c.reason == "FieldManagerConflict")
                    .map(|c| format!("field {} is owned by another manager ({})", c.field, c.message))
                    .collect();
                format!(
                    "server-side apply conflict: {}; rerun with --force-conflicts to take ownership of these fields",
                    fields.join("; ")
                )
            }
            ClusterError::Api { message, code, reason, .. } => {
                format!("the API server said: {message} ({code} {reason})")
            }
            ClusterError::Transport(text) => format!(
                "cannot reach the API server: {text}; check --kubeconfig / --kube-context and that the cluster is up"
            ),
            other => other.to_string(),
        };
        ObjectError { action, object: object.to_string(), detail, cause: source }
    }
}

crate::error::classify!(ClusterError => Cluster);

crate::error::classify!(ObjectError => Cluster);
