//! The one place the library starts an async runtime of its own, for callers that are not
//! async (a registry pull before a render).

/// Runs `f` on a current-thread runtime.
pub fn block_on<T>(f: impl std::future::Future<Output = crate::Result<T>>) -> crate::Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| crate::Error::internal(format!("cannot start the async runtime: {e}")))?
        .block_on(f)
}
