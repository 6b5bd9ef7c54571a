//! The browser's side of presenting: the remembered theme and text size, the system's colour
//! and contrast wishes, and full screen. Every call tolerates a browser that refuses.

use crate::model::action::{AppAction, Notice, PageAction};
use crate::model::view::{text_size_index, Theme, View};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::Callback;

const THEME_KEY: &str = "raft-live.theme";
const TEXT_KEY: &str = "raft-live.text-size";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn media(query: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.match_media(query).ok().flatten())
        .is_some_and(|m| m.matches())
}

/// The look remembered from the last visit; on a first one, the system's preferences.
pub fn load() -> View {
    let stored = |key| storage().and_then(|s| s.get_item(key).ok().flatten());
    let theme = Theme::initial(
        stored(THEME_KEY).as_deref(),
        media("(prefers-color-scheme: light)"),
        media("(prefers-contrast: more)"),
    );
    View {
        theme,
        text_size: stored(TEXT_KEY).map_or(0, |n| text_size_index(&n)),
        blank: false,
    }
}

/// Puts the theme on the document (so the page behind the app follows it), and, if the person
/// chose it, remembers theme and text size for the next visit.
pub fn apply(view: &View, remember: bool) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-theme", view.theme.name());
    }
    if remember {
        if let Some(s) = storage() {
            let _ = s.set_item(THEME_KEY, view.theme.name());
            let _ = s.set_item(TEXT_KEY, view.text_size_name());
        }
    }
}

/// Enters full screen, or leaves it; a refusal (no API, not allowed) becomes a notice.
pub fn toggle_fullscreen(dispatch: &Callback<AppAction>) {
    let refused = |d: &Callback<AppAction>| {
        d.emit(
            PageAction::Notify(Notice::error(
                "This browser did not allow full screen here; its own full-screen key (often F11) may.",
            ))
            .into(),
        )
    };
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if document.fullscreen_element().is_some() {
        document.exit_fullscreen();
        return;
    }
    let Some(root) = document.document_element() else {
        return refused(dispatch);
    };
    // Called through the object, so a missing API or a rejected promise is caught, not thrown.
    let request = js_sys::Reflect::get(&root, &JsValue::from_str("requestFullscreen"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(request) = request else {
        return refused(dispatch);
    };
    match request.call0(&root) {
        Ok(result) => {
            if let Ok(promise) = result.dyn_into::<js_sys::Promise>() {
                let d = dispatch.clone();
                let on_error = Closure::once(move |_: JsValue| refused(&d));
                let _ = promise.catch(&on_error);
                // Called at most once, by the browser, long after this returns.
                on_error.forget();
            }
        }
        Err(_) => refused(dispatch),
    }
}
