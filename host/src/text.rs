//! Text that comes from a plugin (log lines, notes, error messages, its description), made safe
//! to print: control characters are shown escaped, so a plugin cannot retitle the terminal,
//! clear the screen or forge lines of the host's own output, and the length is bounded.

/// `s` with every control character but newline and tab escaped (`\u{1b}`), cut at `max`
/// bytes (on a character boundary) with a note of how much was cut.
pub fn printable(s: &str, max: usize) -> String {
    bounded(s, max, false)
}

/// As [`printable`], on one line: newlines and tabs are escaped too.
pub fn one_line(s: &str, max: usize) -> String {
    bounded(s, max, true)
}

fn bounded(s: &str, max: usize, single: bool) -> String {
    let mut out = String::with_capacity(s.len().min(max) + 16);
    for (i, c) in s.char_indices() {
        if out.len() >= max {
            out.push_str(&format!("… ({} more bytes)", s.len() - i));
            return out;
        }
        let keep = !c.is_control() || (!single && (c == '\n' || c == '\t'));
        if keep {
            out.push(c);
        } else {
            out.push_str(&c.escape_unicode().to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_characters_and_keeps_the_rest() {
        assert_eq!(printable("a\x1b]0;pwned\x07b", 100), "a\\u{1b}]0;pwned\\u{7}b");
        assert_eq!(printable("line 1\n\tline 2 ✓", 100), "line 1\n\tline 2 ✓");
        assert_eq!(one_line("line 1\nline 2\r", 100), "line 1\\u{a}line 2\\u{d}");
        assert_eq!(printable("\u{9b}2J", 100), "\\u{9b}2J", "C1 controls (CSI) too");
    }

    #[test]
    fn cuts_long_text_on_a_character_boundary() {
        assert_eq!(printable(&"x".repeat(10), 4), "xxxx… (6 more bytes)");
        assert_eq!(printable("ééé", 3), "éé… (2 more bytes)");
        assert_eq!(printable("short", 5), "short");
    }
}
