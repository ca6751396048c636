//! The library's error: a cause chain and its class.
//!
//! Every stage has its own typed error (values, chart, plugin, render, cluster, release,
//! deploy) and says which [`Class`] it belongs to through [`Classify`]. Converting one into
//! [`Error`] fixes the class there and then; context added on the way up keeps it. The
//! binary maps the class to an exit code in one place, so nothing is classified by
//! downcasting and a new error type cannot fall through to a wrong code: it does not compile
//! until it says its class.

use std::fmt;

/// Why an operation failed, as far as the caller can act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// The input is wrong: flags, values, chart, release name. Fix the command.
    Usage,
    /// A plugin failed: load, limit, trap, plugin error, bad output.
    Plugin,
    /// The cluster refused or failed: API errors, locks, waits, release records.
    Cluster,
    /// Anything else: local I/O, a broken invariant.
    Internal,
    /// An OCI registry refused or failed: unreachable, credentials refused, content whose
    /// digest does not match its reference.
    Registry,
}

/// A stage error that knows its class.
pub trait Classify {
    /// The class this error belongs to.
    fn class(&self) -> Class;
}

/// Implements [`Classify`] for an error whose class never varies: `classify!(ChartError =>
/// Usage);`. Doc comments before the type document its `class`. An error whose class depends
/// on the case implements [`Classify`] itself.
macro_rules! classify {
    ($(#[$doc:meta])* $error:ty => $class:ident) => {
        impl $crate::error::Classify for $error {
            $(#[$doc])*
            fn class(&self) -> $crate::error::Class {
                $crate::error::Class::$class
            }
        }
    };
}
pub(crate) use classify;

/// An error with its class and cause chain.
pub struct Error {
    class: Class,
    inner: anyhow::Error,
}

/// `Result` with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `class` from any cause.
    pub fn new(class: Class, cause: impl Into<anyhow::Error>) -> Error {
        Error { class, inner: cause.into() }
    }

    /// A usage error with a message that says what to do.
    pub fn usage(message: impl fmt::Display) -> Error {
        Error::new(Class::Usage, anyhow::anyhow!("{message}"))
    }

    /// A plugin failure (a plugin rendered something the host cannot use) with its own message.
    pub fn plugin(message: impl fmt::Display) -> Error {
        Error::new(Class::Plugin, anyhow::anyhow!("{message}"))
    }

    /// A cluster failure with its own message.
    pub fn cluster(message: impl fmt::Display) -> Error {
        Error::new(Class::Cluster, anyhow::anyhow!("{message}"))
    }

    /// An internal failure (local I/O, a broken invariant).
    pub fn internal(message: impl fmt::Display) -> Error {
        Error::new(Class::Internal, anyhow::anyhow!("{message}"))
    }

    /// The class.
    pub fn class(&self) -> Class {
        self.class
    }

    /// Wraps the error with context; the class stays.
    pub fn context(self, context: impl fmt::Display + Send + Sync + 'static) -> Error {
        Error { class: self.class, inner: self.inner.context(context) }
    }

    /// The error and its causes, outermost first.
    pub fn chain(&self) -> anyhow::Chain<'_> {
        self.inner.chain()
    }

    /// The first cause of type `E` in the chain, for tests and callers that branch on a
    /// specific failure (not for classification: that is [`Error::class`]).
    pub fn find<E: std::error::Error + Send + Sync + 'static>(&self) -> Option<&E> {
        self.inner.chain().find_map(|c| c.downcast_ref::<E>())
    }
}

impl<E: Classify + std::error::Error + Send + Sync + 'static> From<E> for Error {
    fn from(e: E) -> Error {
        Error { class: e.class(), inner: e.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            write!(f, "{:#}", self.inner)
        } else {
            write!(f, "{}", self.inner)
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} error: {:?}", self.class, self.inner)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.chain().nth(1)
    }
}

/// Context and class for results of any error type.
pub trait ResultExt<T> {
    /// Gives the error `class` and `context`.
    fn or_class(self, class: Class, context: impl FnOnce() -> String) -> Result<T>;
    /// An internal error (local I/O) with `context`.
    fn internal(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T, E: Into<anyhow::Error>> ResultExt<T> for std::result::Result<T, E> {
    fn or_class(self, class: Class, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| Error::new(class, e.into().context(context())))
    }
    fn internal(self, context: impl FnOnce() -> String) -> Result<T> {
        self.or_class(Class::Internal, context)
    }
}

/// Context for results that already carry a class.
pub trait Context<T> {
    /// Wraps the error with `context`; the class stays.
    fn context(self, context: impl fmt::Display + Send + Sync + 'static) -> Result<T>;
    /// Wraps the error with lazily built context; the class stays.
    fn with_context<D: fmt::Display + Send + Sync + 'static>(self, context: impl FnOnce() -> D) -> Result<T>;
}

impl<T> Context<T> for Result<T> {
    fn context(self, context: impl fmt::Display + Send + Sync + 'static) -> Result<T> {
        self.map_err(|e| e.context(context))
    }
    fn with_context<D: fmt::Display + Send + Sync + 'static>(self, context: impl FnOnce() -> D) -> Result<T> {
        self.map_err(|e| e.context(context()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("bad flag")]
    struct Bad;
    classify!(Bad => Usage);

    #[test]
    fn class_survives_context() {
        let e: Error = Bad.into();
        let e = e.context("deploy of `eth` failed");
        assert_eq!(e.class(), Class::Usage);
        assert_eq!(e.to_string(), "deploy of `eth` failed");
        assert_eq!(format!("{e:#}"), "deploy of `eth` failed: bad flag");
        assert!(e.find::<Bad>().is_some());
    }

    #[test]
    fn foreign_errors_need_a_class() {
        let r: std::result::Result<(), std::io::Error> = Err(std::io::Error::other("disk full"));
        let e = r.internal(|| "cannot write out/".into()).unwrap_err();
        assert_eq!(e.class(), Class::Internal);
        assert_eq!(format!("{e:#}"), "cannot write out/: disk full");
    }
}
