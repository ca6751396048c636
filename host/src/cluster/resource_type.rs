//! Where a kind's objects live in the cluster ([`ResourceType`]).

/// A kind the cluster serves: where its objects live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// `v1` or `group/version`.
    pub api_version: String,
    pub group: String,
    pub version: String,
    pub kind: String,
    /// The plural resource name in URLs (`statefulsets`).
    pub plural: String,
    pub namespaced: bool,
}

impl ResourceType {
    /// A resource type from its parts (`group` "" for the core group).
    pub fn new(group: &str, version: &str, kind: &str, plural: &str, namespaced: bool) -> Self {
        let api_version = if group.is_empty() { version.to_string() } else { format!("{group}/{version}") };
        ResourceType {
            api_version,
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
            plural: plural.into(),
            namespaced,
        }
    }

    /// The namespace to use for an object of this type: `ns` for namespaced kinds, "" otherwise.
    pub(crate) fn scope<'a>(&self, ns: &'a str) -> &'a str {
        if self.namespaced {
            ns
        } else {
            ""
        }
    }
}
