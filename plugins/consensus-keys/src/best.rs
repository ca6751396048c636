//! Which [`Backend`] a caller gets.

use crate::backend::Backend;

/// The fastest backend this build has: the host's (WIT 0.3.0's `crypto`, natively on all cores)
/// on a wasm32 plugin built with the `host` feature, else [`crate::backend::Native`], this crate
/// on the calling thread.
pub fn backend() -> &'static dyn Backend {
    #[cfg(all(feature = "host", target_arch = "wasm32"))]
    {
        &crate::host::Host
    }
    #[cfg(not(all(feature = "host", target_arch = "wasm32")))]
    {
        &crate::backend::Native
    }
}
