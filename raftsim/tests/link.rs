//! Run links: a whole run and the instant shown travel in a page address and come back the
//! same; a damaged, cut-short, newer or meaningless link says what is wrong, and no text makes
//! decoding panic.

mod common;

use common::*;
use proptest::prelude::*;
use raftsim::link::{decode, encode, LinkError, MAX_LINK_CHARS};
use raftsim::scenario::Scenario;
use raftsim::US_PER_MS;
use std::path::PathBuf;

fn examples() -> Vec<(String, Scenario)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut out: Vec<(String, Scenario)> = std::fs::read_dir(dir)
        .expect("raftsim/scenarios exists")
        .map(|e| e.expect("readable directory").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable");
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, Scenario::from_json(&text).expect("a valid example"))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn message(text: &str) -> String {
    decode(text).expect_err("refused").to_string()
}

fn a_link() -> String {
    let (h, place) = acted_run(4, 5, &[(700_000, 3, 0), (300_500, 0, 1), (900_000, 5, 0)]);
    assert_eq!(h.script().len(), 3);
    encode(&h.to_scenario(), place.sim.now() - 1_000)
}

#[test]
fn every_example_travels_in_a_link() {
    for (name, s) in examples() {
        for shown in [0, s.run_until / 2, s.run_until] {
            let link = encode(&s, shown);
            assert!(link.len() <= MAX_LINK_CHARS, "{name}: {} chars", link.len());
            assert!(link.starts_with("v1."), "{link}");
            assert!(
                link.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
                "{name}: URL-safe: {link}"
            );
            assert_eq!(decode(&link), Ok((s.clone(), shown)), "{name}");
        }
    }
}

#[test]
fn a_run_with_actions_travels_in_a_link() {
    let (h, place) = acted_run(
        11,
        5,
        &[
            (650_250, 0, 0),
            (100_000, 3, 1),
            (200_001, 4, 2),
            (400_000, 5, 0),
            (0, 2, 3),
        ],
    );
    let s = h.to_scenario();
    let link = encode(&s, 123_457);
    let (back, shown) = decode(&link).unwrap();
    assert_eq!((&back, shown), (&s, 123_457));
    assert_eq!(back.run_sim().unwrap().trace_hash(), place.sim.trace_hash());
}

#[test]
fn damaged_and_cut_short_links_say_where() {
    let link = a_link();
    // Cut short inside the run.
    let cut = &link[..link.len() - 10];
    let m = message(cut);
    assert!(
        m.starts_with("this link is cut short: it holds ") && m.ends_with("copy the whole address"),
        "{m}"
    );
    // Cut short before the run.
    let head: Vec<&str> = link.split('.').collect();
    assert_eq!(
        message(&format!("{}.{}", head[0], head[1])),
        format!(
            "this link is damaged at character {}: it ends after the instant shown; copy the \
             whole address",
            head[0].len() + head[1].len() + 2
        )
    );
    // A character that is not part of the encoding, e.g. left by a mail program.
    let run_at = link.len() - head[3].len();
    let mut bad = link.clone();
    bad.replace_range(run_at + 5..run_at + 6, "%");
    assert_eq!(
        message(&bad),
        format!(
            "this link is damaged at character {}: '%' is not a letter of its encoding",
            run_at + 6
        )
    );
    // A length that is not a number, an extra part.
    assert!(message(&format!("{}.{}.x.{}", head[0], head[1], head[3]))
        .starts_with("this link is damaged at character"));
    assert!(message(&format!("{link}.more")).contains("four parts"));
    assert_eq!(
        message(&format!("{}.{}.{}.{}", head[0], head[1], 3, head[3])),
        format!(
            "this link is damaged at character {}: it says its run has 3 bytes, but it holds {}",
            head[0].len() + head[1].len() + 3,
            head[2]
        )
    );
}

#[test]
fn a_link_that_is_not_a_run_says_so_and_names_the_field() {
    let code = |json: &str| {
        let link = encode(&Scenario::from_json("{}").unwrap(), 0);
        let head = link.rsplitn(3, '.').nth(2).unwrap().to_string();
        // Re-encode other text under the same version and instant.
        let mut out = format!("{head}.{}.", json.len());
        out.push_str(&b64(json.as_bytes()));
        out
    };
    assert_eq!(
        message(&code("{\"nodes\": 3,")),
        "the run in this link cannot be read: line 1, column 12: this is not valid JSON: EOF \
         while parsing a value"
    );
    assert_eq!(
        message(&code(
            r#"{"script": [{"at_ms": 5, "do": "crash", "node": "S9"}]}"#
        )),
        "the run in this link cannot be read: script[0].node: unknown node S9 (this cluster has \
         S1 to S5)"
    );
}

#[test]
fn newer_versions_absurd_instants_and_other_text_are_refused() {
    let link = a_link();
    let newer = link.replacen("v1.", "v7.", 1);
    assert_eq!(
        message(&newer),
        "this link comes from a newer version of the page (v7); this page reads v1 links. Reload \
         the page to get the newest version, or open the run from a saved file"
    );
    assert_eq!(decode("v2"), Err(LinkError::Newer(2)));
    for text in [
        "",
        "x",
        "v",
        "v0.1.1.e30",
        "1.0.2.e30",
        "V1.0.2.e30",
        "v+1.0.2.e30",
    ] {
        assert_eq!(decode(text), Err(LinkError::NotALink), "{text:?}");
    }
    let parts: Vec<&str> = link.split('.').collect();
    let at = |shown: &str| message(&format!("{}.{shown}.{}.{}", parts[0], parts[2], parts[3]));
    assert_eq!(
        at("99999999999999999999999"),
        "the instant this link shows, \"99999999999999999999999\", is not a number of \
         microseconds"
    );
    assert_eq!(
        at("-5"),
        "the instant this link shows, \"-5\", is not a number of microseconds"
    );
    let run: Scenario = decode(&link).unwrap().0;
    assert_eq!(
        at(&(run.run_until + 1).to_string()),
        format!(
            "the instant this link shows, {}, is after the end of its run, {}",
            raftsim::fmt_ms(run.run_until + 1),
            raftsim::fmt_ms(run.run_until)
        )
    );
    let long = "v1.".to_string() + &"A".repeat(MAX_LINK_CHARS);
    assert_eq!(decode(&long), Err(LinkError::TooLong(MAX_LINK_CHARS + 3)));
    assert!(run.run_until > US_PER_MS);
}

/// The encoding the links use, written out here independently (RFC 4648, URL-safe, unpadded).
fn b64(bytes: &[u8]) -> String {
    let table = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bits = String::new();
    for b in bytes {
        bits.push_str(&format!("{b:08b}"));
    }
    while bits.len() % 6 != 0 {
        bits.push('0');
    }
    bits.as_bytes()
        .chunks(6)
        .map(|c| table[usize::from_str_radix(std::str::from_utf8(c).unwrap(), 2).unwrap()] as char)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn no_text_makes_decoding_panic(text in ".{0,200}") {
        let _ = decode(&text);
        let _ = decode(&format!("v1.{text}"));
        let _ = decode(&format!("v1.0.{}.{text}", text.len()));
    }

    #[test]
    fn no_damage_to_a_link_makes_decoding_panic(
        cut in 0usize..2_000,
        at in 0usize..2_000,
        c in prop::sample::select(vec!['A', '-', '_', '.', '%', 'é', '0', 'z']),
    ) {
        let link = a_link();
        let cut = cut.min(link.len());
        let _ = decode(&link[..cut]);
        let at = at % link.len();
        let mut changed: String = link.chars().take(at).collect();
        changed.push(c);
        changed.extend(link.chars().skip(at + 1));
        let _ = decode(&changed);
    }

    #[test]
    fn generated_runs_travel_in_links(
        seed in 0u64..500,
        ops in prop::collection::vec((0u64..300_000, any::<u8>(), any::<u8>()), 0..10),
        frac in 0u64..=1_000,
    ) {
        let (h, _) = acted_run(seed, 5, &ops);
        let s = h.to_scenario();
        let shown = s.run_until * frac / 1_000;
        prop_assert_eq!(decode(&encode(&s, shown)), Ok((s, shown)));
    }
}
