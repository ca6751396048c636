//! Where a chart's files come from ([`Files`]): its directory, or a packaged chart
//! ([`archive`](super::archive)) read into memory. Reading never extracts: only regular files
//! under the one top directory count, and sizes are bounded, so no entry can land anywhere.

use super::ChartError;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// The largest archive read, and the most its entries may hold in all.
pub(crate) const MAX_ARCHIVE: u64 = 512 << 20;
/// The most an archive may unpack to, tar headers and all.
const MAX_UNPACKED: u64 = MAX_ARCHIVE + (16 << 20);

/// Where a chart's files come from.
#[derive(Debug, Clone)]
pub enum Files {
    /// A chart directory.
    Dir(PathBuf),
    /// A chart archive, read into memory: entry name (relative to its top directory) -> bytes.
    Archive { path: PathBuf, entries: BTreeMap<String, Arc<[u8]>> },
}

impl Files {
    /// A directory as it is, a file as a chart archive.
    pub fn open(path: &Path) -> Result<Files, ChartError> {
        if path.is_file() {
            read_archive(path)
        } else {
            Ok(Files::Dir(path.to_path_buf()))
        }
    }

    /// How to name file `name` of the chart in messages: the directory's file, or
    /// `ARCHIVE:name`.
    pub fn path_of(&self, name: &str) -> PathBuf {
        match self {
            Files::Dir(dir) => dir.join(name),
            Files::Archive { path, .. } => PathBuf::from(format!("{}:{name}", path.display())),
        }
    }

    /// The bytes of archive entry `name`.
    pub(crate) fn entry(&self, name: &str) -> Option<Arc<[u8]>> {
        match self {
            Files::Dir(_) => None,
            Files::Archive { entries, .. } => entries.get(name.trim_start_matches("./")).cloned(),
        }
    }

    /// File `name` as text, or `None` when the chart has no such file.
    pub(crate) fn read_text(&self, name: &str) -> Result<Option<String>, ChartError> {
        let path = self.path_of(name);
        match self {
            Files::Dir(dir) => match std::fs::read_to_string(dir.join(name)) {
                Ok(t) => Ok(Some(t)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(source) => Err(ChartError::Read { path, source }),
            },
            Files::Archive { .. } => match self.entry(name) {
                None => Ok(None),
                Some(bytes) => String::from_utf8(bytes.to_vec())
                    .map(Some)
                    .map_err(|_| ChartError::Invalid { path, message: "not UTF-8 text".into() }),
            },
        }
    }
}

fn read_archive(path: &Path) -> Result<Files, ChartError> {
    let read = |source| ChartError::Read { path: path.into(), source };
    let file = std::fs::File::open(path).map_err(read)?;
    let size = file.metadata().map_err(read)?.len();
    read_archive_from(path, file, size)
}

/// Reads an archive of `size` bytes from `file`, naming it `path` in messages.
pub(crate) fn read_archive_from(path: &Path, file: impl Read, size: u64) -> Result<Files, ChartError> {
    let invalid = |message: String| ChartError::Invalid { path: path.into(), message };
    if size > MAX_ARCHIVE {
        return Err(invalid(format!("{size} bytes; a chart archive is at most {MAX_ARCHIVE} bytes")));
    }
    let not_archive = |e: std::io::Error| {
        invalid(format!(
            "not a chart archive, or over {} MiB unpacked ({e}); give a chart directory or an archive from `ethwasm package`",
            MAX_UNPACKED >> 20
        ))
    };
    // The cap is on the unpacked stream itself, headers and skipped entries included (a small
    // archive could otherwise unpack to anything): past it the tar reads a truncated stream.
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file).take(MAX_UNPACKED));
    let mut entries = BTreeMap::new();
    let mut top: Option<String> = None;
    let mut total: u64 = 0;
    for entry in tar.entries().map_err(not_archive)? {
        let mut entry = entry.map_err(not_archive)?;
        let name = entry.path().map_err(not_archive)?.into_owned();
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            return Err(invalid(format!("entry {} is not a regular file", name.display())));
        }
        let mut parts = Vec::new();
        for c in name.components() {
            match c {
                Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
                Component::CurDir => {}
                _ => return Err(invalid(format!("entry {} leaves the archive's directory", name.display()))),
            }
        }
        if parts.len() < 2 {
            return Err(invalid(format!("entry {} is not under the chart's directory", name.display())));
        }
        let first = parts.remove(0);
        if top.get_or_insert_with(|| first.clone()) != &first {
            return Err(invalid(format!("entries under both `{}/` and `{first}/`", top.unwrap_or_default())));
        }
        total = total.saturating_add(entry.size());
        if total > MAX_ARCHIVE {
            return Err(invalid(format!("its entries hold over {MAX_ARCHIVE} bytes")));
        }
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut bytes).map_err(not_archive)?;
        entries.insert(parts.join("/"), Arc::from(bytes));
    }
    Ok(Files::Archive { path: path.into(), entries })
}

#[cfg(test)]
mod tests {
    use crate::chart::Chart;

    /// An archive with the given (name, bytes) entries, written as a tar would be by anyone.
    fn archive_of(entries: &[(&str, &[u8])]) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        let gz = flate2::write::GzEncoder::new(f.reopen().unwrap(), flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        for (name, bytes) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o644);
            // set_path refuses `..`; write the raw name as a hostile packer would.
            h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
            h.set_cksum();
            tar.append(&h, *bytes).unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap();
        f
    }

    #[test]
    fn a_hostile_archive_is_refused() {
        let f = archive_of(&[("demo/../../etc/x", b"x")]);
        assert!(Chart::load(f.path()).unwrap_err().to_string().contains("leaves the archive's directory"));
        let f = archive_of(&[("demo/chart.yaml", b"x"), ("other/values.yaml", b"y")]);
        assert!(Chart::load(f.path()).unwrap_err().to_string().contains("entries under both"));
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), b"not gzip").unwrap();
        assert!(Chart::load(f.path()).unwrap_err().to_string().contains("not a chart archive"));
    }
}
