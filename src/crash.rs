//! When the page hits a bug: a panic puts an overlay over the page that says what happened and
//! offers a Reload button and a link to the run as it was last shown (it opens paused at that
//! instant), instead of leaving a frozen or blank page.
//!
//! The overlay is built with plain DOM calls, outside Yew: after a panic the app's own state
//! cannot be trusted, and the panic hook must not depend on it. The run shown is remembered at
//! each render as a weak handle, so remembering costs nothing and keeps nothing alive.

use crate::model::sim_ref::HistoryRef;
use raftsim::history::History;
use raftsim::{link, Time};
use std::cell::RefCell;
use std::rc::Weak;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element};

/// What the page showed last: free play's run at an instant, or a tour step (whose address the
/// page already holds).
enum Shown {
    Run(Weak<History>, Time),
    Tour,
}

thread_local! {
    static SHOWN: RefCell<Option<Shown>> = const { RefCell::new(None) };
}

/// Notes what the page shows now, for the overlay's link. Called at each render of the app.
pub fn remember(history: &HistoryRef, now: Time, touring: bool) {
    let shown = if touring {
        Shown::Tour
    } else {
        Shown::Run(history.downgrade(), now)
    };
    SHOWN.with(|s| {
        if let Ok(mut s) = s.try_borrow_mut() {
            *s = Some(shown);
        }
    });
}

/// Makes every panic show the overlay (and still report itself on the console).
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        let what = info.to_string();
        web_sys::console::error_1(&what.as_str().into());
        show(&what);
    }));
}

/// Puts the overlay over the page, once, saying `what` happened.
pub fn show(what: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = document.body() else {
        return;
    };
    if document
        .query_selector("[data-crash]")
        .ok()
        .flatten()
        .is_some()
    {
        return;
    }
    let Some(overlay) = overlay(&document, what) else {
        return;
    };
    let _ = body.append_child(&overlay);
    // The link last: working it out reads the run, which a bug may have left unreadable; the
    // overlay is already up if it fails.
    if let (Some(slot), Some(text)) = (
        document.query_selector("[data-crash-link]").ok().flatten(),
        link_to_shown(),
    ) {
        let _ = slot.append_child(&text.into_node(&document));
    }
}

/// What the link slot says: a link to the run, or why there is none.
enum LinkText {
    Link(String),
    Note(&'static str),
}

impl LinkText {
    fn into_node(self, document: &Document) -> web_sys::Node {
        match self {
            LinkText::Link(href) => match make(
                document,
                "a",
                &[
                    ("href", &href),
                    ("data-action", "crash-run"),
                    ("class", "button"),
                ],
                "Open the run at that moment",
            ) {
                Some(a) => a.into(),
                None => document.create_text_node("").into(),
            },
            LinkText::Note(note) => document.create_text_node(note).into(),
        }
    }
}

fn link_to_shown() -> Option<LinkText> {
    let shown = SHOWN.with(|s| {
        s.try_borrow().ok().and_then(|s| match &*s {
            Some(Shown::Run(h, t)) => Some(Shown::Run(h.clone(), *t)),
            Some(Shown::Tour) => Some(Shown::Tour),
            None => None,
        })
    })?;
    let location = web_sys::window()?.location();
    let page = format!("{}{}", location.origin().ok()?, location.pathname().ok()?);
    Some(match shown {
        Shown::Tour => LinkText::Note("Reload opens this tour step again."),
        Shown::Run(history, now) => match history.upgrade() {
            None => LinkText::Note("The run could not be read back for a link."),
            Some(history) => {
                let code = link::encode(&history.to_scenario(), now);
                if code.len() > link::MAX_LINK_CHARS {
                    LinkText::Note("The run is too long for a link.")
                } else {
                    LinkText::Link(format!("{page}?run={code}"))
                }
            }
        },
    })
}

/// An element with attributes and text.
fn make(document: &Document, tag: &str, attrs: &[(&str, &str)], text: &str) -> Option<Element> {
    let e = document.create_element(tag).ok()?;
    for (name, value) in attrs {
        e.set_attribute(name, value).ok()?;
    }
    if !text.is_empty() {
        e.set_text_content(Some(text));
    }
    Some(e)
}

fn overlay(document: &Document, what: &str) -> Option<Element> {
    let overlay = make(
        document,
        "div",
        &[
            ("class", "crash-overlay"),
            ("data-crash", ""),
            ("role", "alertdialog"),
            ("aria-labelledby", "crash-title"),
        ],
        "",
    )?;
    let panel = make(document, "div", &[("class", "crash-panel")], "")?;
    let title = make(
        document,
        "h2",
        &[("id", "crash-title")],
        "The page hit a bug and stopped",
    )?;
    let said = make(document, "p", &[], "What went wrong: ")?;
    let code = make(document, "code", &[("data-crash-what", "")], what)?;
    let _ = said.append_child(&code);
    let next = make(
        document,
        "p",
        &[],
        "The simulation cannot go on in this page. Reload to start again, or open the run as \
         it was just before, paused at that instant, to look at it or to report what led here.",
    )?;
    let actions = make(document, "p", &[("class", "crash-actions")], "")?;
    let reload = make(
        document,
        "button",
        &[("data-action", "reload"), ("class", "primary")],
        "Reload",
    )?;
    let on_reload = Closure::<dyn Fn()>::new(|| {
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    });
    reload
        .dyn_ref::<web_sys::HtmlElement>()?
        .set_onclick(Some(on_reload.as_ref().unchecked_ref()));
    on_reload.forget();
    let slot = make(document, "span", &[("data-crash-link", "")], "")?;
    for child in [&reload, &slot] {
        let _ = actions.append_child(child);
    }
    for child in [&title, &said, &next, &actions] {
        let _ = panel.append_child(child);
    }
    let _ = overlay.append_child(&panel);
    Some(overlay)
}
