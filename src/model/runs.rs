//! Runs that come from outside free play: the preset scenarios (the files of
//! `raftsim/scenarios/`, fetched when first opened, see `crate::assets`), scenario files a person
//! opens, and run links. All of them become free play's run the same way.

use super::action::Notice;
use super::run_of;
use super::AppState;
use raftsim::scenario::Scenario;
use raftsim::{link, Time};

/// A scenario that ships with the page.
pub struct Preset {
    /// The file name without `.json`: `figure8`.
    pub name: &'static str,
    /// Its title in the menu.
    pub title: &'static str,
    /// Its group in the menu.
    pub group: &'static str,
}

macro_rules! preset {
    ($group:expr, $name:literal, $title:literal) => {
        Preset {
            name: $name,
            title: $title,
            group: $group,
        }
    };
}

const PAPER: &str = "The paper's figures and stories";
const BROKEN: &str = "Break a rule and watch Raft fail";
const OPTIONS: &str = "What real systems add";

/// Every preset, in the order of the menu.
pub static PRESETS: [Preset; 19] = [
    preset!(PAPER, "figure7-a", "Figure 7 (a): missing entries"),
    preset!(PAPER, "figure7-b", "Figure 7 (b): many missing"),
    preset!(PAPER, "figure7-c", "Figure 7 (c): one extra entry"),
    preset!(PAPER, "figure7-d", "Figure 7 (d): extra entries"),
    preset!(PAPER, "figure7-e", "Figure 7 (e): conflicting entries"),
    preset!(PAPER, "figure7-f", "Figure 7 (f): many conflicting"),
    preset!(PAPER, "figure7", "Figure 7: all six at once"),
    preset!(PAPER, "figure8", "Figure 8: an old-term entry"),
    preset!(PAPER, "split-vote", "A split vote"),
    preset!(PAPER, "partitioned-leader", "A partitioned leader"),
    preset!(
        PAPER,
        "retry-applied-once",
        "A write sent twice, applied once (§8)"
    ),
    preset!(
        BROKEN,
        "broken-commit-old-term",
        "Commit an old term's entry (§5.4.2)"
    ),
    preset!(
        BROKEN,
        "broken-vote-without-log-check",
        "Vote without the log check (§5.4.1)"
    ),
    preset!(BROKEN, "broken-vote-twice", "Vote twice in a term (§5.2)"),
    preset!(
        BROKEN,
        "broken-forget-vote",
        "Forget the vote on restart (Fig. 2)"
    ),
    preset!(
        BROKEN,
        "broken-keep-conflicting",
        "Keep conflicting entries (§5.3)"
    ),
    preset!(OPTIONS, "leader-noop", "A no-op entry on election (§8)"),
    preset!(OPTIONS, "pre-vote", "Pre-vote (thesis §9.6)"),
    preset!(OPTIONS, "check-quorum", "Check-quorum"),
];

/// The presets' files, built in natively (for the model's tests); the page fetches them.
#[cfg(not(target_arch = "wasm32"))]
pub static PRESET_FILES: [(&str, &str); 19] = {
    macro_rules! file {
        ($($name:literal),*) => {
            [$(($name, include_str!(concat!("../../raftsim/scenarios/", $name, ".json")))),*]
        };
    }
    file!(
        "figure7-a",
        "figure7-b",
        "figure7-c",
        "figure7-d",
        "figure7-e",
        "figure7-f",
        "figure7",
        "figure8",
        "split-vote",
        "partitioned-leader",
        "retry-applied-once",
        "broken-commit-old-term",
        "broken-vote-without-log-check",
        "broken-vote-twice",
        "broken-forget-vote",
        "broken-keep-conflicting",
        "leader-noop",
        "pre-vote",
        "check-quorum"
    )
};

/// The largest scenario file the page opens, in bytes.
pub const MAX_FILE_BYTES: f64 = 5_000_000.0;

/// The first sentence of a description (a notice has room for one; the file keeps them all).
fn first_sentence(text: &str) -> String {
    match text.find(". ") {
        Some(i) => text[..=i].to_string(),
        None => text.to_string(),
    }
}

impl AppState {
    /// Makes `scenario` free play's run: it is played once to its end (so the timeline shows
    /// the whole story), then shown at instant `at`, paused. Returns false (and says why) if it
    /// cannot be played; the run on screen is then left as it was.
    pub(super) fn open_scenario(&mut self, name: &str, scenario: Scenario, at: Time) -> bool {
        let description = scenario.description.as_deref().map(first_sentence);
        let end = scenario.run_until;
        let opened = run_of(scenario).and_then(|mut history| {
            history.world_at(end)?;
            let place = history.world_at(at.min(end))?;
            Ok((history, place))
        });
        match opened {
            Ok((history, place)) => {
                self.install(history, place);
                self.playing = false;
                self.notice = Some(Notice::info(match description {
                    Some(d) => {
                        format!("Opened “{name}”: {d} Space plays it; the timeline shows it all.")
                    }
                    None => format!("Opened “{name}”. Space plays it; the timeline shows it all."),
                }));
                true
            }
            Err(e) => {
                self.notice = Some(Notice::error(format!("Could not play “{name}”: {e}")));
                false
            }
        }
    }

    /// Changes the run's configuration (a rule broken, an option on) and replays it from its
    /// start with the change: the same actions at the same instants, shown at the same instant.
    /// If the run cannot be replayed so (an action the new rules refuse), it stays as it was.
    pub(super) fn reconfigure(&mut self, change: impl FnOnce(&mut raftsim::Config), what: String) {
        let at = self.sim.now();
        let mut scenario = self.history.to_scenario();
        change(&mut scenario.config);
        let end = scenario.run_until;
        let replayed = run_of(scenario).and_then(|mut history| {
            history.world_at(end)?;
            let place = history.world_at(at)?;
            Ok((history, place))
        });
        match replayed {
            Ok((history, place)) => {
                self.install(history, place);
                self.notice = Some(Notice::info(format!(
                    "{what} The run was replayed from its start with the change; only Raft's own decisions differ."
                )));
            }
            Err(e) => {
                self.notice = Some(Notice::error(format!(
                    "The run could not be replayed with that change ({e}), so it is unchanged."
                )))
            }
        }
    }

    /// Opens the text of a scenario file named `name`.
    pub(super) fn open_file(&mut self, name: &str, text: &str) {
        match Scenario::from_json(text) {
            Ok(scenario) => {
                self.open_scenario(name, scenario, 0);
            }
            Err(e) => {
                self.notice = Some(Notice::error(format!(
                    "Could not open “{name}”, so the run on screen is unchanged: {e}"
                )))
            }
        }
    }

    /// Opens a preset by its name.
    pub(super) fn open_preset(&mut self, name: &str) {
        let text = crate::assets::text(&crate::assets::preset(name));
        match (PRESETS.iter().find(|p| p.name == name), text) {
            (Some(p), Some(text)) => self.open_file(p.title, &text),
            (Some(p), None) => {
                self.notice = Some(Notice::error(format!(
                    "The preset “{}” has not been loaded.",
                    p.title
                )))
            }
            (None, _) => {
                self.notice = Some(Notice::error(format!(
                    "There is no preset “{}”.",
                    crate::params::shorten(name)
                )))
            }
        }
    }

    /// Opens a run link (the `run=` part of a page address), shown at the instant it names.
    pub(super) fn open_link(&mut self, text: &str) {
        match link::decode(text) {
            Ok((scenario, at)) => {
                if self.open_scenario("the linked run", scenario, at) {
                    self.notice = Some(Notice::info(
                        "This is the run the link holds, paused at the moment it shows. Space plays on; the timeline goes anywhere in it.",
                    ));
                }
            }
            Err(e) => {
                self.notice = Some(Notice::error(format!(
                    "The link's run could not be opened ({e}); a fresh cluster is shown instead."
                )))
            }
        }
    }

    /// The link that reopens this run at the instant shown (the `run=` value), or why there is
    /// none.
    pub fn run_link(&self) -> Result<String, String> {
        let encoded = link::encode(&self.history.to_scenario(), self.sim.now());
        if encoded.len() > link::MAX_LINK_CHARS {
            return Err(format!(
                "This run is too long for a link ({} characters; a link holds at most {}). Save it as a file instead.",
                encoded.len(),
                link::MAX_LINK_CHARS
            ));
        }
        Ok(encoded)
    }

    /// The run as a scenario file, to save.
    pub fn run_file(&self, description: String) -> String {
        let mut scenario = self.history.to_scenario();
        scenario.description = Some(description);
        scenario.to_json()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_takes_the_first_sentence() {
        assert_eq!(first_sentence("One (§5.2). Two. Three"), "One (§5.2).");
        assert_eq!(first_sentence("Only one"), "Only one");
    }

    /// Natively, where the presets' files are built in.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn every_preset_reads_and_has_a_description() {
        let json = |p: &Preset| crate::assets::text(&crate::assets::preset(p.name)).unwrap();
        assert_eq!(PRESET_FILES.len(), PRESETS.len());
        for p in &PRESETS {
            let s = Scenario::from_json(&json(p)).unwrap_or_else(|e| panic!("{}: {e}", p.name));
            assert!(s.description.is_some(), "{}", p.name);
        }
        let broken: Vec<_> = PRESETS.iter().filter(|p| p.group == BROKEN).collect();
        assert_eq!(
            broken.len(),
            raftsim::BrokenRule::ALL.len(),
            "a preset per broken rule"
        );
        for p in broken {
            let s = Scenario::from_json(&json(p)).unwrap();
            assert!(
                !s.config.broken_rules.is_empty(),
                "{} breaks a rule",
                p.name
            );
        }
    }
}
