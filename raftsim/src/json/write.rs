//! Writing JSON: a [`Json`] value built by the writer of a file, written compact or indented
//! the way serde_json writes (`to_string`, `to_string_pretty`), so that files and links keep
//! their exact text.

/// A value to write. An object keeps its fields in the order given.
pub(crate) enum Json {
    Null,
    Bool(bool),
    Whole(u64),
    Signed(i64),
    Number(f64),
    Text(String),
    List(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The value as text: without whitespace, or (`pretty`) one item or field a line, indented
    /// by two spaces.
    pub fn write(&self, pretty: bool) -> String {
        let mut out = String::new();
        self.write_to(&mut out, pretty.then_some(0));
        out
    }

    /// Writes the value at `indent` levels (None: compact).
    fn write_to(&self, out: &mut String, indent: Option<usize>) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Whole(n) => out.push_str(&n.to_string()),
            Json::Signed(n) => out.push_str(&n.to_string()),
            Json::Number(x) => number(*x, out),
            Json::Text(s) => text(s, out),
            Json::List(items) => {
                let items = items.iter().map(|item| (None, item));
                nested(items, ('[', ']'), out, indent);
            }
            Json::Object(fields) => {
                let fields = fields
                    .iter()
                    .map(|(key, value)| (Some(key.as_str()), value));
                nested(fields, ('{', '}'), out, indent);
            }
        }
    }
}

/// Writes a list or an object: its items, each with its key if it has one.
fn nested<'a>(
    items: impl Iterator<Item = (Option<&'a str>, &'a Json)>,
    (open, close): (char, char),
    out: &mut String,
    indent: Option<usize>,
) {
    out.push(open);
    let inner = indent.map(|n| n + 1);
    let mut any = false;
    for (key, value) in items {
        if any {
            out.push(',');
        }
        any = true;
        new_line(out, inner);
        if let Some(key) = key {
            text(key, out);
            out.push_str(if indent.is_some() { ": " } else { ":" });
        }
        value.write_to(out, inner);
    }
    if any {
        new_line(out, indent);
    }
    out.push(close);
}

fn new_line(out: &mut String, indent: Option<usize>) {
    if let Some(n) = indent {
        out.push('\n');
        out.push_str(&"  ".repeat(n));
    }
}

/// Text in quotes, with `"`, `\` and control characters escaped.
fn text(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c < ' ' => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A number in the fewest digits that read back the same: as a decimal (`1520.5`, `3.0`,
/// `0.001`) when its first digit is from 10⁻⁵ to 10¹⁵, else in scientific notation
/// (`1.5e+16`). A number that is not finite is `null`. Of two 17-digit forms that both read
/// back the same, serde_json may write the other.
fn number(x: f64, out: &mut String) {
    if !x.is_finite() {
        out.push_str("null");
        return;
    }
    // `{:e}` gives the shortest digits and the exponent of the first: `-1.5205e3`.
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if let Some(positive) = mantissa.strip_prefix('-') {
        out.push('-');
        return written(positive, exp, out);
    }
    written(mantissa, exp, out)
}

/// Writes the number whose digits are `mantissa` (`1.5205`) times 10^`exp`.
fn written(mantissa: &str, exp: i32, out: &mut String) {
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let count = digits.len() as i32;
    let zeros = |n: i32| "0".repeat(n.max(0) as usize);
    if (-5..=15).contains(&exp) {
        if count - 1 <= exp {
            out.push_str(&format!("{digits}{}.0", zeros(exp - (count - 1))));
        } else if exp >= 0 {
            let (whole, fraction) = digits.split_at(exp as usize + 1);
            out.push_str(&format!("{whole}.{fraction}"));
        } else {
            out.push_str(&format!("0.{}{digits}", zeros(-exp - 1)));
        }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        out.push_str(&format!("{mantissa}e{sign}{}", exp.abs()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serde_number(x: f64) -> String {
        serde_json::to_string(&x).unwrap()
    }

    #[test]
    fn numbers_are_written_as_serde_json_writes_them() {
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            3.0,
            0.5,
            1520.5,
            0.001,
            1e-5,
            1e-6,
            1.5e-7,
            1e15,
            1e16,
            1.5e16,
            123456789012345.6,
            9007199254740993.0,
            1e300,
            -2.5e-300,
            5e-324,
            f64::MAX,
            0.1,
            0.2,
            1.0 / 3.0,
        ];
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        // Instants written from microseconds, small and large (below 2^53 µs, 285 years: past
        // that, a number needs 17 digits, and the last one may differ from serde_json's).
        for _ in 0..100_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            values.push((seed % 100_000_000) as f64 / 1000.0);
            values.push((seed >> (11 + seed % 53)) as f64 / 1000.0);
        }
        for x in values.into_iter().filter(|x| x.is_finite()) {
            let mut out = String::new();
            number(x, &mut out);
            assert_eq!(out, serde_number(x), "{x:e}");
        }
    }

    #[test]
    fn text_and_nesting_are_written_as_serde_json_writes_them() {
        let tricky = "a\"b\\c\nd\re\tf\u{8}\u{c}\u{1}\u{1f}\u{7f}é😀";
        let value = Json::Object(vec![
            ("empty list".to_string(), Json::List(Vec::new())),
            ("empty object".to_string(), Json::Object(Vec::new())),
            (
                "list".to_string(),
                Json::List(vec![
                    Json::Null,
                    Json::Bool(true),
                    Json::Whole(u64::MAX),
                    Json::Signed(-3),
                    Json::Number(2.5),
                    Json::List(vec![Json::Whole(1)]),
                ]),
            ),
            ("text".to_string(), Json::Text(tricky.to_string())),
        ]);
        let same = serde_json::json!({
            "text": tricky,
            "empty list": [],
            "empty object": {},
            "list": [null, true, u64::MAX, -3, 2.5, [1]],
        });
        // serde_json's own objects sort their keys; these are written in sorted order too.
        assert_eq!(value.write(false), serde_json::to_string(&same).unwrap());
        assert_eq!(
            value.write(true),
            serde_json::to_string_pretty(&same).unwrap()
        );
    }
}
