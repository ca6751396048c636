//! WIT 0.3.0's `crypto` interface: the `consensus-keys` crate's expensive primitives (EIP-2333,
//! BLS12-381 public keys and their aggregate) and the keystore KDFs, run as native code (SHA-256
//! with the CPU's SHA extensions, 64-bit limb arithmetic) and spread over the machine's cores.
//!
//! Every function is a pure function of its arguments, so renders stay deterministic; the
//! plugin-side fallback (`consensus_keys::backend::Native`) is the same crate, so a plugin gets the
//! same bytes inside and outside the host. Host code is not interrupted by the epoch, so each call
//! is bounded here: item counts and sizes are capped (an argument past a cap traps, as a plugin
//! bug), the call's deadline is checked between small groups of items (an overrun is at most one
//! group), and scrypt's working memory is charged against what the plugin's memory limit has
//! left, which also caps how many threads run it.

use consensus_keys::{backend, bls, PublicKey, SecretKey};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::Instant;
use wasmtime::Trap;

/// Paths per `eip2333-derive` call, indices over all of them, and indices per path.
pub(crate) const MAX_PATHS: usize = 4_096;
pub(crate) const MAX_INDICES: usize = 4_096;
pub(crate) const MAX_PATH_LEN: usize = 8;
/// Keys per `bls-public-keys` and `bls-aggregate-public-keys` call.
pub(crate) const MAX_KEYS: usize = 4_096;
/// Salts per KDF call, and bytes per salt.
pub(crate) const MAX_SALTS: usize = 1_024;
pub(crate) const MAX_SALT_LEN: usize = 1_024;
/// The password's bytes, for either KDF.
pub(crate) const MAX_PASSWORD_LEN: usize = 1_024;
/// Derived bytes per salt.
pub(crate) const MAX_DKLEN: u32 = 64;
/// scrypt: log2(N), and its working memory `128 * N * r * p`.
pub(crate) const MAX_LOG_N: u8 = 24;
pub(crate) const MAX_SCRYPT_BYTES: u64 = 1 << 30;
/// PBKDF2 rounds.
pub(crate) const MAX_ITERATIONS: u32 = 1 << 24;

/// Items a thread handles between two looks at the deadline: small enough that the overrun stays
/// a few milliseconds for EIP-2333 (≈ 0.1-0.2 ms an index) and BLS (≈ 30 µs a key). A KDF item
/// can take seconds at a high cost, so the KDFs look before each item.
const GRAIN: usize = 16;
const KDF_GRAIN: usize = 1;

/// Why a call could not be served: the plugin's fault (a trap), its deadline, or its memory.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// An argument past a bound: a plugin bug.
    Bound(String),
    /// The call's deadline passed.
    Deadline,
    /// Its working memory does not fit in what the memory limit has left.
    Memory,
}

impl Refusal {
    fn bound(func: &str, what: impl std::fmt::Display) -> Refusal {
        Refusal::Bound(format!("crypto.{func}: {what}"))
    }

    /// The trap the plugin sees: a deadline is wasmtime's interrupt, so the host reports it as
    /// the plugin's timeout.
    pub(crate) fn into_trap(self) -> wasmtime::Error {
        match self {
            Refusal::Bound(m) => wasmtime::Error::msg(m),
            Refusal::Deadline => Trap::Interrupt.into(),
            Refusal::Memory => wasmtime::Error::msg("memory limit reached (scrypt's working memory)"),
        }
    }
}

/// What one call may spend: its deadline, and the memory its plugin has left.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    pub deadline: Option<Instant>,
    pub memory_left: u64,
}

impl Budget {
    fn expired(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

/// Threads a call may use: the machine's cores.
fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// `f` over `items` in order, on up to `threads` threads, each taking a contiguous share in
/// groups of `grain` items and giving up once the deadline has passed.
fn parallel<T: Sync, R: Send>(
    items: &[T],
    (threads, grain): (usize, usize),
    budget: Budget,
    f: impl Fn(&[T]) -> Result<Vec<R>, String> + Sync,
) -> Result<Result<Vec<R>, String>, Refusal> {
    let threads = threads.clamp(1, items.len().div_ceil(grain).max(1));
    let share = items.len().div_ceil(threads).max(1);
    let stop = AtomicBool::new(false);
    let run = |part: &[T]| -> Result<Result<Vec<R>, String>, Refusal> {
        let mut out = Vec::with_capacity(part.len());
        for group in part.chunks(grain) {
            if stop.load(Ordering::Relaxed) || budget.expired() {
                stop.store(true, Ordering::Relaxed);
                return Err(Refusal::Deadline);
            }
            match f(group) {
                Ok(r) => out.extend(r),
                Err(e) => return Ok(Err(e)),
            }
        }
        Ok(Ok(out))
    };
    let parts: Vec<_> = if threads == 1 {
        vec![run(items)]
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = items.chunks(share).map(|part| s.spawn(move || run(part))).collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Ok(Err("a host crypto thread panicked".into()))))
                .collect()
        })
    };
    let mut all = Vec::with_capacity(items.len());
    for part in parts {
        match part? {
            Ok(r) => all.extend(r),
            Err(e) => return Ok(Err(e)),
        }
    }
    Ok(Ok(all))
}

/// Unwraps a result that cannot be an `Err(String)` (the closure never fails).
fn infallible<R>(r: Result<Result<Vec<R>, String>, Refusal>) -> Result<Vec<R>, Refusal> {
    match r? {
        Ok(v) => Ok(v),
        Err(e) => Err(Refusal::Bound(e)),
    }
}

/// `eip2333-derive`.
pub(crate) fn eip2333_derive(parent: &[u8], paths: &[Vec<u32>], budget: Budget) -> Result<Vec<u8>, Refusal> {
    const F: &str = "eip2333-derive";
    let parent: SecretKey =
        parent.try_into().map_err(|_| Refusal::bound(F, format!("parent is {} bytes; a key is 32", parent.len())))?;
    if paths.len() > MAX_PATHS {
        return Err(Refusal::bound(F, format!("{} paths; at most {MAX_PATHS} per call", paths.len())));
    }
    if let Some((i, p)) = paths.iter().enumerate().find(|(_, p)| p.is_empty() || p.len() > MAX_PATH_LEN) {
        return Err(Refusal::bound(F, format!("path {i} has {} indices; 1 to {MAX_PATH_LEN}", p.len())));
    }
    let indices: usize = paths.iter().map(Vec::len).sum();
    if indices > MAX_INDICES {
        return Err(Refusal::bound(F, format!("{indices} indices in all; at most {MAX_INDICES} per call")));
    }
    let keys = infallible(parallel(paths, (cores(), GRAIN), budget, |group| {
        Ok(group.iter().map(|p| backend::derive_path_from(&parent, p)).collect())
    }))?;
    Ok(keys.concat())
}

/// `bls-public-keys`: the inner `Err` is the interface's error string.
pub(crate) fn bls_public_keys(secret_keys: &[u8], budget: Budget) -> Result<Result<Vec<u8>, String>, Refusal> {
    const F: &str = "bls-public-keys";
    if !secret_keys.len().is_multiple_of(32) {
        return Err(Refusal::bound(F, format!("{} bytes is not a whole number of 32-byte keys", secret_keys.len())));
    }
    let keys: Vec<SecretKey> = secret_keys.chunks_exact(32).map(|c| c.try_into().unwrap_or([0; 32])).collect();
    if keys.len() > MAX_KEYS {
        return Err(Refusal::bound(F, format!("{} keys; at most {MAX_KEYS} per call", keys.len())));
    }
    // Say which key is bad, as the interface promises, before any work.
    for (i, sk) in keys.iter().enumerate() {
        if bls::public_key_checked(sk).is_err() {
            return Ok(Err(format!("secret key {i}: zero or not below the BLS12-381 group order")));
        }
    }
    let public = parallel(&keys, (cores(), GRAIN), budget, |group| bls::public_keys(group).map_err(|e| e.to_string()))?;
    Ok(public.map(|p: Vec<PublicKey>| p.concat()))
}

/// `bls-aggregate-public-keys`: each distinct key decompressed (the costly part) once, in
/// parallel, then summed with its repeats.
pub(crate) fn bls_aggregate_public_keys(
    public_keys: &[u8],
    budget: Budget,
) -> Result<Result<Vec<u8>, String>, Refusal> {
    const F: &str = "bls-aggregate-public-keys";
    if !public_keys.len().is_multiple_of(48) {
        return Err(Refusal::bound(F, format!("{} bytes is not a whole number of 48-byte keys", public_keys.len())));
    }
    let keys: Vec<PublicKey> = public_keys.chunks_exact(48).map(|c| c.try_into().unwrap_or([0; 48])).collect();
    if keys.len() > MAX_KEYS {
        return Err(Refusal::bound(F, format!("{} keys; at most {MAX_KEYS} per call", keys.len())));
    }
    if keys.is_empty() {
        return Ok(Err("no public keys: an aggregate needs at least one".into()));
    }
    let mut first: std::collections::BTreeMap<&PublicKey, usize> = std::collections::BTreeMap::new();
    for (i, k) in keys.iter().enumerate() {
        first.entry(k).or_insert(i);
    }
    let distinct: Vec<(usize, &PublicKey)> = first.iter().map(|(k, i)| (*i, *k)).collect();
    let points = parallel(&distinct, (cores(), GRAIN), budget, |group| {
        group
            .iter()
            .map(|(i, k)| {
                bls::decompress_public_key(k)
                    .map(|p| (**k, p))
                    .map_err(|_| format!("public key {i}: not a compressed G1 point in the subgroup, or the identity"))
            })
            .collect()
    })?;
    let points = match points {
        Ok(p) => p,
        // The first bad key by position, whichever thread found one.
        Err(_) => {
            let bad = distinct.iter().filter(|(_, k)| bls::decompress_public_key(k).is_err()).map(|(i, _)| *i).min();
            return Ok(Err(format!(
                "public key {}: not a compressed G1 point in the subgroup, or the identity",
                bad.unwrap_or(0)
            )));
        }
    };
    let by_key: std::collections::BTreeMap<PublicKey, _> = points.into_iter().collect();
    Ok(Ok(bls::sum_points(keys.iter().filter_map(|k| by_key.get(k))).to_vec()))
}

/// The checks both KDFs share: password, salt count and sizes, dklen.
fn kdf_args(func: &str, password: &[u8], salts: &[Vec<u8>], dklen: u32) -> Result<(), Refusal> {
    if password.len() > MAX_PASSWORD_LEN {
        return Err(Refusal::bound(func, format!("password of {} bytes; at most {MAX_PASSWORD_LEN}", password.len())));
    }
    if salts.len() > MAX_SALTS {
        return Err(Refusal::bound(func, format!("{} salts; at most {MAX_SALTS} per call", salts.len())));
    }
    if let Some((i, s)) = salts.iter().enumerate().find(|(_, s)| s.len() > MAX_SALT_LEN) {
        return Err(Refusal::bound(func, format!("salt {i} is {} bytes; at most {MAX_SALT_LEN}", s.len())));
    }
    if dklen == 0 || dklen > MAX_DKLEN {
        return Err(Refusal::bound(func, format!("dklen {dklen}; 1 to {MAX_DKLEN}")));
    }
    Ok(())
}

/// `scrypt`.
pub(crate) fn scrypt(
    password: &[u8],
    salts: &[Vec<u8>],
    log_n: u8,
    r: u32,
    p: u32,
    dklen: u32,
    budget: Budget,
) -> Result<Vec<Vec<u8>>, Refusal> {
    const F: &str = "scrypt";
    kdf_args(F, password, salts, dklen)?;
    if log_n == 0 || log_n > MAX_LOG_N {
        return Err(Refusal::bound(F, format!("log-n {log_n}; 1 to {MAX_LOG_N}")));
    }
    let params = scrypt::Params::new(log_n, r, p).map_err(|e| Refusal::bound(F, e))?;
    // What one scrypt holds: V (128 * r * N), B (128 * r * p) and XY (256 * r).
    let working = 128 * u64::from(r) * ((1u64 << log_n) + u64::from(p) + 2);
    if 128 * u64::from(r) * u64::from(p) * (1u64 << log_n) > MAX_SCRYPT_BYTES || working > MAX_SCRYPT_BYTES {
        return Err(Refusal::bound(F, format!("128 * N * r * p over {} MiB", MAX_SCRYPT_BYTES >> 20)));
    }
    let threads = (budget.memory_left / working) as usize;
    if threads == 0 {
        return Err(Refusal::Memory);
    }
    infallible(parallel(salts, (threads.min(cores()), KDF_GRAIN), budget, |group| {
        group
            .iter()
            .map(|salt| {
                let mut dk = vec![0u8; dklen as usize];
                scrypt::scrypt(password, salt, &params, &mut dk).map_err(|e| e.to_string())?;
                Ok(dk)
            })
            .collect()
    }))
}

/// `pbkdf2-sha256`.
pub(crate) fn pbkdf2_sha256(
    password: &[u8],
    salts: &[Vec<u8>],
    iterations: u32,
    dklen: u32,
    budget: Budget,
) -> Result<Vec<Vec<u8>>, Refusal> {
    const F: &str = "pbkdf2-sha256";
    kdf_args(F, password, salts, dklen)?;
    if iterations == 0 || iterations > MAX_ITERATIONS {
        return Err(Refusal::bound(F, format!("{iterations} iterations; 1 to {MAX_ITERATIONS}")));
    }
    infallible(parallel(salts, (cores(), KDF_GRAIN), budget, |group| {
        Ok(group
            .iter()
            .map(|salt| {
                let mut dk = vec![0u8; dklen as usize];
                pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations, &mut dk);
                dk
            })
            .collect())
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus_keys::backend::{Backend, Native};
    use std::time::Duration;

    fn budget() -> Budget {
        Budget { deadline: Some(Instant::now() + Duration::from_secs(600)), memory_left: 256 << 20 }
    }

    fn bytes(seed: u8, n: usize) -> Vec<u8> {
        (0..n).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
    }

    /// EIP-2333's test case 0: the master key from the seed, then child 0, through the host's
    /// batch call.
    #[test]
    fn eip2333_test_case_0() {
        let seed = hex::decode("c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04").unwrap();
        let master = consensus_keys::eip2333::derive_master_sk(&seed).unwrap();
        let child = eip2333_derive(&master, &[vec![0]], budget()).unwrap();
        let expected = "20397789859736650942317412262472558107875392172444076792671091975210932703118";
        let as_decimal = |b: &[u8]| {
            // Big-endian bytes to decimal, by repeated division.
            let mut digits = Vec::new();
            let mut n = b.to_vec();
            while n.iter().any(|&x| x != 0) {
                let mut rem = 0u32;
                for x in n.iter_mut() {
                    let cur = (rem << 8) | u32::from(*x);
                    *x = (cur / 10) as u8;
                    rem = cur % 10;
                }
                digits.push(char::from(b'0' + rem as u8));
            }
            digits.iter().rev().collect::<String>()
        };
        assert_eq!(as_decimal(&child), expected);
    }

    /// Many items over both threads come back in order and equal the crate's own answers.
    #[test]
    fn batches_equal_the_native_backend_in_order() {
        let parent: SecretKey = bytes(7, 32).try_into().unwrap();
        let paths: Vec<Vec<u32>> = (0..40).map(|i| vec![i, 0, i % 3]).collect();
        let ours = eip2333_derive(&parent, &paths, budget()).unwrap();
        let native = Native.derive_paths(&parent, &paths).unwrap();
        assert_eq!(ours, native.concat());

        let pks = bls_public_keys(&ours, budget()).unwrap().unwrap();
        assert_eq!(pks, Native.public_keys(&native).unwrap().concat());

        // Repeats count as often as they appear (a sync committee of few validators).
        let keys: Vec<PublicKey> = pks.chunks(48).map(|c| c.try_into().unwrap()).collect();
        let mut committee = keys.clone();
        committee.extend_from_slice(&keys[..5]);
        let agg = bls_aggregate_public_keys(&committee.concat(), budget()).unwrap().unwrap();
        assert_eq!(agg, Native.aggregate_public_keys(&committee).unwrap());

        let salts: Vec<Vec<u8>> = (0..5).map(|i| bytes(i, 32)).collect();
        let refs: Vec<&[u8]> = salts.iter().map(Vec::as_slice).collect();
        let kdf = consensus_keys::keystore::Kdf::Scrypt { n: 16, r: 8, p: 1 };
        assert_eq!(
            scrypt(b"pw", &salts, 4, 8, 1, 32, budget()).unwrap().concat(),
            Native.kdf(b"pw", &refs, kdf).unwrap().concat()
        );
        let kdf = consensus_keys::keystore::Kdf::Pbkdf2 { c: 3 };
        assert_eq!(
            pbkdf2_sha256(b"pw", &salts, 3, 32, budget()).unwrap().concat(),
            Native.kdf(b"pw", &refs, kdf).unwrap().concat()
        );
    }

    #[test]
    fn bad_keys_are_named_by_position() {
        let mut sks = bytes(1, 32 * 3);
        sks[0] &= 0x3f; // below r
        sks[32] &= 0x3f;
        sks[64..96].fill(0xff); // not below r
        let err = bls_public_keys(&sks, budget()).unwrap().unwrap_err();
        assert_eq!(err, "secret key 2: zero or not below the BLS12-381 group order");

        let good = bls_public_keys(&sks[..64], budget()).unwrap().unwrap();
        let mut pks = good.clone();
        pks.extend_from_slice(&[0xff; 48]);
        pks.extend_from_slice(&[0xc0; 48]);
        let err = bls_aggregate_public_keys(&pks, budget()).unwrap().unwrap_err();
        assert!(err.starts_with("public key 2: "), "{err}");
        assert!(bls_aggregate_public_keys(&[], budget()).unwrap().unwrap_err().contains("at least one"));
    }

    #[test]
    fn arguments_past_a_bound_are_refused_before_any_work() {
        let refused = |r: Result<Vec<u8>, Refusal>| match r {
            Err(Refusal::Bound(m)) => m,
            other => panic!("not refused: {:?}", other.map(|v| v.len())),
        };
        let many: Vec<Vec<u32>> = (0..=MAX_PATHS as u32).map(|i| vec![i]).collect();
        assert!(refused(eip2333_derive(&[1; 32], &many, budget())).contains("4097 paths"));
        assert!(refused(eip2333_derive(&[1; 32], &[vec![]], budget())).contains("path 0 has 0 indices"));
        assert!(refused(eip2333_derive(&[1; 32], &[vec![0; 9]], budget())).contains("path 0 has 9 indices"));
        let wide: Vec<Vec<u32>> = (0..600).map(|_| vec![0; 8]).collect();
        assert!(refused(eip2333_derive(&[1; 32], &wide, budget())).contains("4800 indices in all"));
        assert!(refused(eip2333_derive(&[1; 31], &[vec![0]], budget())).contains("parent is 31 bytes"));
        assert!(matches!(bls_public_keys(&[1; 33], budget()), Err(Refusal::Bound(_))));
        assert!(matches!(bls_public_keys(&vec![1; 32 * (MAX_KEYS + 1)], budget()), Err(Refusal::Bound(_))));
        assert!(matches!(bls_aggregate_public_keys(&[1; 47], budget()), Err(Refusal::Bound(_))));

        let salt = vec![vec![1u8; 32]];
        let kdf_refused = |r: Result<Vec<Vec<u8>>, Refusal>| match r {
            Err(Refusal::Bound(m)) => m,
            other => panic!("not refused: {:?}", other.map(|v| v.len())),
        };
        assert!(kdf_refused(scrypt(b"pw", &salt, 25, 8, 1, 32, budget())).contains("log-n 25"));
        assert!(kdf_refused(scrypt(b"pw", &salt, 20, 8, 16, 32, budget())).contains("over 1024 MiB"));
        assert!(kdf_refused(scrypt(b"pw", &salt, 4, 8, 1, 65, budget())).contains("dklen 65"));
        assert!(kdf_refused(scrypt(b"pw", &salt, 4, 0, 1, 32, budget())).starts_with("crypto.scrypt: "));
        assert!(kdf_refused(scrypt(&[0; 1025], &salt, 4, 8, 1, 32, budget())).contains("password of 1025 bytes"));
        assert!(kdf_refused(scrypt(b"pw", &[vec![0; 1025]], 4, 8, 1, 32, budget())).contains("salt 0 is 1025 bytes"));
        let salts = vec![vec![1u8; 4]; MAX_SALTS + 1];
        assert!(kdf_refused(pbkdf2_sha256(b"pw", &salts, 1, 32, budget())).contains("1025 salts"));
        assert!(kdf_refused(pbkdf2_sha256(b"pw", &salt, 0, 32, budget())).contains("0 iterations"));
        assert!(kdf_refused(pbkdf2_sha256(b"pw", &salt, MAX_ITERATIONS + 1, 32, budget())).contains("iterations"));
    }

    #[test]
    fn scrypt_needs_its_memory_and_runs_on_fewer_threads_when_short() {
        let salts: Vec<Vec<u8>> = (0..4).map(|i| vec![i; 32]).collect();
        // 2^10 * 8 * 128 = 1 MiB (and a little) each.
        let short = Budget { memory_left: 1 << 20, ..budget() };
        assert!(matches!(scrypt(b"pw", &salts, 10, 8, 1, 32, short), Err(Refusal::Memory)));
        let one = Budget { memory_left: (1 << 20) + (64 << 10), ..budget() };
        assert_eq!(
            scrypt(b"pw", &salts, 10, 8, 1, 32, one).unwrap(),
            scrypt(b"pw", &salts, 10, 8, 1, 32, budget()).unwrap(),
            "one thread at a time gives the same keys"
        );
    }

    #[test]
    fn a_passed_deadline_stops_the_work() {
        let past = Budget { deadline: Some(Instant::now()), ..budget() };
        assert!(matches!(eip2333_derive(&[1; 32], &[vec![0]], past), Err(Refusal::Deadline)));
        assert!(matches!(scrypt(b"pw", &[vec![1; 32]], 4, 8, 1, 32, past), Err(Refusal::Deadline)));
        let trap = Refusal::Deadline.into_trap();
        assert_eq!(trap.downcast_ref::<Trap>(), Some(&Trap::Interrupt), "reported as the plugin's timeout");
    }
}
