//! Balances: wei as a decimal or `0x` hex string or a number, or ether as `1.5ether` /
//! `1.5 ether`.

use serde_json::Value;

const WEI_PER_ETHER: u128 = 1_000_000_000_000_000_000;

/// Parses a balance into wei.
pub fn parse(v: &Value) -> Result<u128, String> {
    match v {
        Value::Number(n) => {
            n.as_u64().map(u128::from).ok_or_else(|| format!("{n} is not a whole, non-negative number of wei"))
        }
        Value::String(s) => parse_str(s),
        other => Err(format!("{other} is not a balance; write wei (\"1000\", \"0x3e8\") or ether (\"1.5ether\")")),
    }
}

fn parse_str(s: &str) -> Result<u128, String> {
    let t = s.trim();
    let overflow = || format!("`{s}` is too large");
    if let Some(num) = t.strip_suffix("ether") {
        let num = num.trim();
        let (whole, frac) = num.split_once('.').unwrap_or((num, ""));
        if whole.is_empty() && frac.is_empty() || frac.len() > 18 {
            return Err(format!("`{s}` is not an amount of ether (at most 18 decimals)"));
        }
        let digits = |x: &str| x.is_empty() || x.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !digits(frac) {
            return Err(format!("`{s}` is not an amount of ether"));
        }
        let w: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| overflow())? };
        let f: u128 = if frac.is_empty() { 0 } else { format!("{frac:0<18}").parse().map_err(|_| overflow())? };
        return w.checked_mul(WEI_PER_ETHER).and_then(|x| x.checked_add(f)).ok_or_else(overflow);
    }
    if let Some(h) = t.strip_prefix("0x") {
        return u128::from_str_radix(h, 16).map_err(|_| format!("`{s}` is not hex wei"));
    }
    t.parse::<u128>()
        .map_err(|_| format!("`{s}` is not a balance; write wei (\"1000\", \"0x3e8\") or ether (\"1.5ether\")"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn forms() {
        assert_eq!(parse(&json!("1ether")).unwrap(), WEI_PER_ETHER);
        assert_eq!(parse(&json!("1.5 ether")).unwrap(), 1_500_000_000_000_000_000);
        assert_eq!(parse(&json!(".000000000000000001ether")).unwrap(), 1);
        assert_eq!(parse(&json!("1000000ether")).unwrap(), 1_000_000 * WEI_PER_ETHER);
        assert_eq!(parse(&json!("0x3e8")).unwrap(), 1000);
        assert_eq!(parse(&json!("1000")).unwrap(), 1000);
        assert_eq!(parse(&json!(1000)).unwrap(), 1000);
    }

    #[test]
    fn errors() {
        assert!(parse(&json!("1.0000000000000000001ether")).unwrap_err().contains("at most 18 decimals"));
        assert!(parse(&json!("lots")).unwrap_err().contains("not a balance"));
        assert!(parse(&json!(-1)).unwrap_err().contains("non-negative"));
        assert!(parse(&json!("999999999999999999999999ether")).unwrap_err().contains("too large"));
        assert!(parse(&json!("0xzz")).unwrap_err().contains("not hex"));
        assert!(parse(&json!(true)).is_err());
    }
}
