//! How the page looks in the room, apart from what it shows: the theme, the size of the reading
//! text, and whether the screen is blanked. Pure: the page reads the stored choice and the
//! system's preferences and hands them here.

/// The colour theme.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Theme {
    Dark,
    /// Light and high-contrast, for projectors that wash dark backgrounds out.
    Light,
}

impl Theme {
    pub fn name(self) -> &'static str {
        match self {
            Theme::Dark => "dark",
            Theme::Light => "light",
        }
    }

    pub fn parse(text: &str) -> Option<Theme> {
        match text {
            "dark" => Some(Theme::Dark),
            "light" => Some(Theme::Light),
            _ => None,
        }
    }

    pub fn other(self) -> Theme {
        match self {
            Theme::Dark => Theme::Light,
            Theme::Light => Theme::Dark,
        }
    }

    /// The theme for a first visit: what was stored if anything valid was, else the system's
    /// wishes. More contrast asked for wins (the light theme is the more legible on a
    /// projector); then a light colour scheme; dark otherwise.
    pub fn initial(
        stored: Option<&str>,
        prefers_light: bool,
        prefers_more_contrast: bool,
    ) -> Theme {
        match stored.and_then(Theme::parse) {
            Some(t) => t,
            None if prefers_more_contrast || prefers_light => Theme::Light,
            None => Theme::Dark,
        }
    }
}

/// Sizes of the reading text (the tour's narration, the event log, the labels in the drawing),
/// as the select offers them: a name for the page and storage, a label, and a scale.
pub const TEXT_SIZES: &[(&str, &str, f64)] = &[
    ("normal", "Text: normal", 1.0),
    ("large", "Text: large", 1.3),
    ("largest", "Text: largest", 1.55),
];

/// An index into `TEXT_SIZES` from its name; unknown names give the normal size.
pub fn text_size_index(name: &str) -> usize {
    TEXT_SIZES
        .iter()
        .position(|(n, _, _)| *n == name)
        .unwrap_or(0)
}

/// The page's look.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct View {
    pub theme: Theme,
    /// An index into `TEXT_SIZES`.
    pub text_size: usize,
    /// The screen is blanked (black) until any key or click.
    pub blank: bool,
}

impl Default for View {
    fn default() -> View {
        View {
            theme: Theme::Dark,
            text_size: 0,
            blank: false,
        }
    }
}

impl View {
    pub fn text_size_name(&self) -> &'static str {
        TEXT_SIZES.get(self.text_size).map_or("normal", |t| t.0)
    }

    /// One step larger (`up`) or smaller, within the sizes offered.
    pub fn step_text_size(&mut self, up: bool) {
        self.text_size = if up {
            (self.text_size + 1).min(TEXT_SIZES.len() - 1)
        } else {
            self.text_size.saturating_sub(1)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_theme_follows_storage_then_the_system() {
        assert_eq!(Theme::initial(Some("light"), false, false), Theme::Light);
        assert_eq!(Theme::initial(Some("dark"), true, true), Theme::Dark);
        assert_eq!(Theme::initial(None, false, false), Theme::Dark);
        assert_eq!(Theme::initial(None, true, false), Theme::Light);
        assert_eq!(Theme::initial(None, false, true), Theme::Light);
        assert_eq!(
            Theme::initial(Some("sepia"), false, false),
            Theme::Dark,
            "an unknown stored value counts as none"
        );
        assert_eq!(Theme::Dark.other(), Theme::Light);
        assert_eq!(Theme::parse(Theme::Light.name()), Some(Theme::Light));
    }

    #[test]
    fn text_sizes_step_within_bounds() {
        let mut v = View::default();
        v.step_text_size(false);
        assert_eq!(v.text_size_name(), "normal");
        for _ in 0..5 {
            v.step_text_size(true);
        }
        assert_eq!(v.text_size, TEXT_SIZES.len() - 1);
        assert_eq!(text_size_index("large"), 1);
        assert_eq!(text_size_index("huge"), 0);
        v.text_size = 99;
        assert_eq!(
            v.text_size_name(),
            "normal",
            "an index out of range reads as normal"
        );
    }
}
