//! Quantities users write: byte sizes (`256Mi`) and durations (`10s`).

use std::time::Duration;

/// Parses `512`, `64Ki`, `256Mi`, `1Gi` (also `K`, `M`, `G` as powers of 1000).
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("`{s}` is not a size; write e.g. 256Mi or 1Gi"))?;
    let mul: u64 = match unit {
        "" => 1,
        "Ki" => 1 << 10,
        "Mi" => 1 << 20,
        "Gi" => 1 << 30,
        "K" => 1_000,
        "M" => 1_000_000,
        "G" => 1_000_000_000,
        _ => return Err(format!("`{s}` has an unknown unit `{unit}`; use Ki, Mi or Gi")),
    };
    n.checked_mul(mul).filter(|&b| b > 0).ok_or_else(|| format!("`{s}` is out of range"))
}

/// Parses `500ms`, `10s`, `2m`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("`{s}` is not a duration; write e.g. 10s, 500ms or 2m"))?;
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "s" | "" => Duration::from_secs(n),
        "m" => Duration::from_secs(n * 60),
        _ => return Err(format!("`{s}` has an unknown unit `{unit}`; use ms, s or m")),
    };
    if d.is_zero() {
        return Err(format!("`{s}` must be more than zero"));
    }
    Ok(d)
}

/// A duration as the flags spell it: `5m`, `30s`, `1500ms`.
pub(crate) fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) {
        format!("{ms}ms")
    } else if d.as_secs() >= 60 && d.as_secs().is_multiple_of(60) {
        format!("{}m", d.as_secs() / 60)
    } else {
        format!("{}s", d.as_secs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes() {
        assert_eq!(parse_bytes("256Mi").unwrap(), 256 << 20);
        assert_eq!(parse_bytes("1Gi").unwrap(), 1 << 30);
        assert_eq!(parse_bytes("1000").unwrap(), 1000);
        assert_eq!(parse_bytes("2M").unwrap(), 2_000_000);
        assert!(parse_bytes("12Xi").unwrap_err().contains("unknown unit `Xi`"));
        assert!(parse_bytes("Mi").unwrap_err().contains("not a size"));
        assert!(parse_bytes("0").unwrap_err().contains("out of range"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("1h").unwrap_err().contains("unknown unit `h`"));
        assert!(parse_duration("0s").unwrap_err().contains("more than zero"));
    }
}
