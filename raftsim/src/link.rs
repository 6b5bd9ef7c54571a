//! A whole run in a page address: the part of a link that carries a scenario (a run's start
//! and everything done in it) and the instant shown.
//!
//! A run link reads `v1.<instant>.<bytes>.<run>`:
//!
//! - `v1`: the version of the link format. A page refuses a link from a newer version with a
//!   message saying so, rather than misreading it.
//! - `<instant>`: the instant shown, in microseconds since the start of the run, no later than
//!   the run's end.
//! - `<bytes>`: how many bytes the run's JSON has, so that a link cut short says so.
//! - `<run>`: the scenario as compact JSON ([`Scenario::to_compact_json`]), in URL-safe base64
//!   (`A–Z a–z 0–9 - _`, no padding), so the address needs no escaping.
//!
//! A link longer than [`MAX_LINK_CHARS`] is never made: the page offers to save the run as a
//! file instead (a long run does not fit in an address that every browser and chat program
//! keeps whole), and [`decode`] refuses such a link. Decoding never panics, whatever the text;
//! every problem is a [`LinkError`], one line that says what is wrong and where.

use crate::scenario::{Scenario, ScenarioError};
use crate::types::{fmt_ms, Time};
use thiserror::Error;

/// The version of the link format this page writes and reads.
pub const LINK_VERSION: u64 = 1;

/// The longest link the page makes (and reads), in characters. A run whose link would be longer
/// is offered as a file to save instead.
pub const MAX_LINK_CHARS: usize = 8000;

/// Why a link could not be opened.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum LinkError {
    #[error("this is not a run link: it should start with \"v{LINK_VERSION}.\"")]
    NotALink,
    #[error(
        "this link comes from a newer version of the page (v{0}); this page reads \
         v{LINK_VERSION} links. Reload the page to get the newest version, or open the run from \
         a saved file"
    )]
    Newer(u64),
    #[error("this link is {0} characters long, more than the {MAX_LINK_CHARS} a run link has; open the run from a saved file instead")]
    TooLong(usize),
    #[error("this link is damaged at character {at}: {problem}")]
    Damaged { at: usize, problem: String },
    #[error("this link is cut short: it holds {have} of the {want} bytes of its run; copy the whole address")]
    Truncated { have: usize, want: usize },
    #[error("the run in this link cannot be read: {0}")]
    Run(ScenarioError),
    #[error("the instant this link shows, {0:?}, is not a number of microseconds")]
    BadInstant(String),
    #[error("the instant this link shows, {}, is after the end of its run, {}", fmt_ms(*.shown), fmt_ms(*.end))]
    PastTheEnd { shown: Time, end: Time },
}

/// The link of `scenario` showing the instant `shown` (µs). The caller checks its length
/// against [`MAX_LINK_CHARS`].
pub fn encode(scenario: &Scenario, shown: Time) -> String {
    let json = scenario.to_compact_json();
    format!(
        "v{LINK_VERSION}.{shown}.{}.{}",
        json.len(),
        base64url(json.as_bytes())
    )
}

/// The scenario and the instant shown that `text` carries.
pub fn decode(text: &str) -> Result<(Scenario, Time), LinkError> {
    let chars = text.chars().count();
    if chars > MAX_LINK_CHARS {
        return Err(LinkError::TooLong(chars));
    }
    let mut parts = text.split('.');
    // Where each part starts, as a 1-based character position.
    let mut start = 1;
    let mut next = || {
        let part = parts.next()?;
        let at = start;
        start += part.chars().count() + 1;
        Some((part, at))
    };

    let (version, _) = next().unwrap_or(("", 1));
    let number = version.strip_prefix('v').ok_or(LinkError::NotALink)?;
    let version: u64 = match number.parse() {
        Ok(v) if v >= 1 && number.bytes().all(|b| b.is_ascii_digit()) => v,
        _ => return Err(LinkError::NotALink),
    };
    if version > LINK_VERSION {
        return Err(LinkError::Newer(version));
    }

    let cut_short = |after: &str| LinkError::Damaged {
        at: chars + 1,
        problem: format!("it ends after {after}; copy the whole address"),
    };
    let (shown, _) = next().ok_or_else(|| cut_short("its version"))?;
    let shown: Time = match shown.parse() {
        Ok(t) if shown.bytes().all(|b| b.is_ascii_digit()) => t,
        _ => return Err(LinkError::BadInstant(shown.chars().take(40).collect())),
    };
    let (bytes, bytes_at) = next().ok_or_else(|| cut_short("the instant shown"))?;
    let want: usize = match bytes.parse() {
        Ok(n) if bytes.bytes().all(|b| b.is_ascii_digit()) => n,
        _ => {
            return Err(LinkError::Damaged {
                at: bytes_at,
                problem: "the length of its run is not a whole number".to_string(),
            })
        }
    };
    let (run, run_at) = next().ok_or_else(|| cut_short("the length of its run"))?;
    if let Some((_, extra_at)) = next() {
        return Err(LinkError::Damaged {
            at: extra_at - 1,
            problem: "a run link has four parts separated by \".\", this one more".to_string(),
        });
    }

    let json = unbase64url(run).map_err(|(i, c)| LinkError::Damaged {
        at: run_at + i,
        problem: format!("{c:?} is not a letter of its encoding"),
    })?;
    if json.len() < want {
        return Err(LinkError::Truncated {
            have: json.len(),
            want,
        });
    }
    if json.len() > want {
        return Err(LinkError::Damaged {
            at: bytes_at,
            problem: format!(
                "it says its run has {want} bytes, but it holds {}",
                json.len()
            ),
        });
    }
    let json = String::from_utf8(json).map_err(|e| LinkError::Damaged {
        at: run_at,
        problem: format!(
            "its run is not text (byte {} of {want} is not UTF-8)",
            e.utf8_error().valid_up_to() + 1
        ),
    })?;
    let scenario = Scenario::from_json(&json).map_err(LinkError::Run)?;
    if shown > scenario.run_until {
        return Err(LinkError::PastTheEnd {
            shown,
            end: scenario.run_until,
        });
    }
    Ok((scenario, shown))
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// URL-safe base64 without padding.
fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

/// The bytes of URL-safe base64 text without padding, or the (0-based) character position and
/// the character that is not part of it. A last group of one letter (half a byte, as left by
/// cutting the text short) is dropped, so a cut-short run reads as missing bytes.
fn unbase64url(text: &str) -> Result<Vec<u8>, (usize, char)> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    let (mut n, mut held) = (0u32, 0u32);
    for (i, c) in text.chars().enumerate() {
        let value = match c {
            'A'..='Z' => c as u32 - 'A' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 26,
            '0'..='9' => c as u32 - '0' as u32 + 52,
            '-' => 62,
            '_' => 63,
            _ => return Err((i, c)),
        };
        n = n << 6 | value;
        held += 6;
        if held >= 8 {
            held -= 8;
            out.push((n >> held) as u8);
            n &= (1 << held) - 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_the_standard_alphabet_without_padding() {
        // RFC 4648 test vectors, URL-safe and unpadded.
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64url(plain.as_bytes()), coded);
            assert_eq!(unbase64url(coded).unwrap(), plain.as_bytes());
        }
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        assert_eq!(unbase64url("-_8").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(unbase64url("Zm9+"), Err((3, '+')));
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(unbase64url(&base64url(&all)).unwrap(), all);
    }
}
