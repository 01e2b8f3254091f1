//! What a message may show of text that came from a file. Messages reach logs,
//! the browser and exported error lists, so they stay one line, short, and free
//! of personal data: a cell value is shown only when it cannot be a name, an ID
//! number or a phone number, and otherwise by its shape (`9999-99-99`, `字字字`).

use std::borrow::Cow;

/// Characters of file text a message shows at most.
pub const MAX_ECHO_CHARS: usize = 40;

/// Text that is not personal data (a header, a sheet or archive member name),
/// cut to [`MAX_ECHO_CHARS`] characters, with control characters shown as `�`
/// so that the message stays on one line.
pub fn echo(s: &str) -> Cow<'_, str> {
    cut(s, MAX_ECHO_CHARS)
}

/// [`echo`] with room for `max` characters (a parser's message).
pub fn cut(s: &str, max: usize) -> Cow<'_, str> {
    let long = s.chars().nth(max).is_some();
    if !long && !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out: String = s
        .chars()
        .take(max)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    if long {
        out.push('…');
    }
    Cow::Owned(out)
}

/// A cell value as a row error may show it. Shown as it is when it is short and
/// made only of digits, date and order characters (a date, a code, a number of
/// up to ten digits); otherwise by its shape: digits become `9`, letters `x`,
/// other characters (Chinese ones included) `字`, punctuation stays. So a name in
/// the birth-date column shows as `字字字`, an ID number as eighteen `9`s, and
/// the message still tells the user what kind of text is in the wrong place.
pub fn echo_value(s: &str) -> Cow<'_, str> {
    let short = s.chars().nth(MAX_ECHO_CHARS / 2).is_none();
    let safe_chars = s.chars().all(|c| {
        c.is_ascii_digit()
            || matches!(
                c,
                '-' | '/' | '.' | ':' | ' ' | '年' | '月' | '日' | '第' | '孩'
            )
    });
    if short && safe_chars && longest_digit_run(s) <= 10 {
        return Cow::Borrowed(s);
    }
    let mut out: String = s
        .chars()
        .take(MAX_ECHO_CHARS / 2)
        .map(|c| match c {
            '0'..='9' => '9',
            c if c.is_ascii_alphabetic() => 'x',
            c if c.is_ascii_punctuation() || c == ' ' => c,
            c if c.is_control() => '\u{FFFD}',
            _ => '字',
        })
        .collect();
    if !short {
        out.push('…');
    }
    Cow::Owned(out)
}

fn longest_digit_run(s: &str) -> usize {
    s.split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0)
}

/// `message` (a parser's error about `value`) with every quoted copy of `value`
/// replaced by [`echo_value`]'s rendering. The parsers of `renkou_domain` quote
/// the value they refuse (“…” in Chinese, "…" in English); a message that still
/// carries the value unquoted is replaced as a whole, so that nothing slips out.
pub fn redact_message(message: &str, value: &str) -> String {
    let shown = echo_value(value);
    if value.is_empty() || shown == value {
        return message.to_string();
    }
    let out = message
        .replace(&format!("“{value}”"), &format!("“{shown}”"))
        .replace(&format!("\"{value}\""), &format!("\"{shown}\""));
    if value.chars().count() >= 2 && out.contains(value) {
        return format!("取值“{shown}”无效 / value \"{shown}\" is not valid");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_values_are_shown_and_others_by_their_shape() {
        assert_eq!(echo_value("2024-13-45"), "2024-13-45");
        assert_eq!(echo_value("2024年2月30日"), "2024年2月30日");
        assert_eq!(echo_value("第0孩"), "第0孩");
        assert_eq!(echo_value("3"), "3");
        // A name, an ID number, a phone number, a pinyin name: never as they are.
        assert_eq!(echo_value("测试甲"), "字字字");
        assert_eq!(echo_value("349901199002280024"), "999999999999999999");
        assert_eq!(echo_value("13900000000"), "99999999999");
        assert_eq!(echo_value("Ceshi Jia"), "xxxxx xxx");
        let long = "测".repeat(1000);
        assert_eq!(echo_value(&long).chars().count(), MAX_ECHO_CHARS / 2 + 1);
    }

    #[test]
    fn echo_cuts_and_keeps_one_line() {
        assert_eq!(echo("persons.csv"), "persons.csv");
        assert_eq!(echo("a\nb"), "a\u{FFFD}b");
        assert_eq!(echo(&"x".repeat(100)).chars().count(), MAX_ECHO_CHARS + 1);
    }

    #[test]
    fn a_refused_value_is_replaced_in_the_message() {
        let m = redact_message(
            "日期无法识别“测试甲” / date not understood: \"测试甲\"",
            "测试甲",
        );
        assert_eq!(m, "日期无法识别“字字字” / date not understood: \"字字字\"");
        let m = redact_message("bad 349901199002280024 here", "349901199002280024");
        assert!(!m.contains("349901199002280024"), "{m}");
        let m = redact_message("日期无法识别“2024-13-45”", "2024-13-45");
        assert_eq!(m, "日期无法识别“2024-13-45”");
    }
}
