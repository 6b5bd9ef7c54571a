//! Runs in and out of the page: the preset menu, Open (a button, or a file dropped anywhere on
//! the page), Save (downloads the run as a scenario file that `raftsim run` replays) and Copy
//! link (the address of this run at this instant). What a run is, and reading it, is the
//! model's; this is the browser's side of it: files, downloads, the clipboard.

use crate::model::action::{AppAction, Notice, PageAction, WorldAction};
use crate::model::runs::{Preset, MAX_FILE_BYTES, PRESETS};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{File, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RunControlsProps {
    pub dispatch: Callback<AppAction>,
    /// Makes the run's file (given a description) and its link, when asked.
    pub save: Callback<()>,
    pub copy_link: Callback<()>,
}

/// Reads a file a person picked or dropped and hands its text to the model as `Open`. A file
/// too large for a scenario is refused before it is read.
pub fn open_file(file: File, dispatch: Callback<AppAction>) {
    let name = file.name();
    let size = file.size();
    if size > MAX_FILE_BYTES {
        dispatch.emit(
            PageAction::Notify(Notice::error(format!(
                "Could not open “{name}”: it is {} MB, and a scenario file is at most {} MB. The run on screen is unchanged.",
                crate::geometry::fixed(size / 1e6, 1),
                crate::geometry::fixed(MAX_FILE_BYTES / 1e6, 0)
            )))
            .into(),
        );
        return;
    }
    let failed = {
        let dispatch = dispatch.clone();
        let name = name.clone();
        Closure::once_into_js(move |_: JsValue| {
            dispatch.emit(
                PageAction::Notify(Notice::error(format!(
                    "Could not read “{name}” from the disk. The run on screen is unchanged."
                )))
                .into(),
            )
        })
    };
    let read = Closure::once_into_js(move |text: JsValue| {
        let text = text.as_string().unwrap_or_default();
        dispatch.emit(WorldAction::Open { name, text }.into());
    });
    when_settled(&file.text(), read, failed);
}

/// Calls `ok` with the value of `promise`, or `failed` with its error. Each is a one-shot
/// function (`Closure::once_into_js`) that frees itself when called; the one never called stays
/// as a few bytes until the page closes.
fn when_settled(promise: &JsValue, ok: JsValue, failed: JsValue) {
    let then = js_sys::Reflect::get(promise, &JsValue::from_str("then"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(then) = then {
        let _ = then.call2(promise, &ok, &failed);
    }
}

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, text: &str) -> Result<(), JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    web_sys::Url::revoke_object_url(&url)
}

/// Puts `text` on the clipboard; `done` is told whether it worked (a page may be refused the
/// clipboard, e.g. without a click or when embedded).
pub fn copy_to_clipboard(text: &str, done: Callback<bool>) {
    let clipboard = web_sys::window()
        .map(|w| w.navigator())
        .and_then(|n| js_sys::Reflect::get(&n, &JsValue::from_str("clipboard")).ok())
        .filter(|c| !c.is_undefined());
    let write = clipboard.as_ref().and_then(|c| {
        js_sys::Reflect::get(c, &JsValue::from_str("writeText"))
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    });
    let (Some(clipboard), Some(write)) = (clipboard, write) else {
        done.emit(false);
        return;
    };
    match write.call1(&clipboard, &JsValue::from_str(text)) {
        Ok(promise) => {
            let ok = {
                let done = done.clone();
                Closure::once_into_js(move |_: JsValue| done.emit(true))
            };
            let failed = Closure::once_into_js(move |_: JsValue| done.emit(false));
            when_settled(&promise, ok, failed);
        }
        Err(_) => done.emit(false),
    }
}

/// The presets by group, in the menu's order.
fn groups() -> Vec<(&'static str, Vec<&'static Preset>)> {
    let mut out: Vec<(&'static str, Vec<&'static Preset>)> = Vec::new();
    for p in &PRESETS {
        match out.last_mut() {
            Some((g, list)) if *g == p.group => list.push(p),
            _ => out.push((p.group, vec![p])),
        }
    }
    out
}

/// The preset menu and the Open, Save and Copy link buttons.
#[component]
pub fn RunControls(props: &RunControlsProps) -> Html {
    let picker = use_node_ref();
    let on_preset = {
        let d = props.dispatch.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            let name = select.value();
            select.set_selected_index(0);
            if !name.is_empty() {
                d.emit(WorldAction::OpenPreset(name).into());
            }
        })
    };
    let on_open = {
        let picker = picker.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(input) = picker.cast::<HtmlInputElement>() {
                input.set_value("");
                input.click();
            }
        })
    };
    let on_file = {
        let d = props.dispatch.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                open_file(file, d.clone());
            }
        })
    };
    let save = props.save.reform(|_: MouseEvent| ());
    let copy = props.copy_link.reform(|_: MouseEvent| ());
    html! {
        <div class="run-controls">
            <select data-control="preset" onchange={on_preset} aria-label="Open a preset scenario"
                    title="Classic scenarios of the Raft paper, ready to play">
                <option value="" selected=true>{ "Presets…" }</option>
                { for groups().into_iter().map(|(group, entries)| html! {
                    <optgroup label={group}>
                        { for entries.into_iter().map(|p| html! {
                            <option value={p.name}>{ p.title }</option>
                        }) }
                    </optgroup>
                }) }
            </select>
            <button data-action="open" onclick={on_open}
                    title="Open a scenario file (or drop one anywhere on the page)">{ "Open…" }</button>
            <input type="file" accept=".json,application/json" ref={picker} onchange={on_file}
                   hidden=true aria-hidden="true" tabindex="-1" />
            <button data-action="save" onclick={save}
                    title="Download this run as a scenario file (raftsim run replays it)">{ "Save" }</button>
            <button data-action="copy-link" onclick={copy}
                    title="Copy a link to this run, at this moment">{ "Copy link" }</button>
        </div>
    }
}
