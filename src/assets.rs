//! Files the page fetches when they are first needed rather than with the page: the guided
//! tour's lesson and the preset scenarios. Free play needs neither, so they stay out of the
//! first load (trunk copies them into the built page from `raftsim/`, their one source).
//!
//! An action that needs a file ([`needed`]) waits for it: [`when_ready`] runs it at once if the
//! file is here, or after fetching it. The model reads a file's text with [`text`], which
//! natively (in the model's own tests) is the file built in.

use crate::model::action::{AppAction, TourAction, WorldAction};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// The lesson the guided tour tells, relative to the page.
pub const LESSON: &str = "lessons/raft.json";

/// A preset scenario's file, relative to the page, from its name (`figure8`).
pub fn preset(name: &str) -> String {
    format!("scenarios/{name}.json")
}

thread_local! {
    static LOADED: RefCell<BTreeMap<String, Rc<str>>> = const { RefCell::new(BTreeMap::new()) };
}

/// The text of the file at `path`, if it has been fetched (or is built in).
pub fn text(path: &str) -> Option<Rc<str>> {
    #[cfg(not(target_arch = "wasm32"))]
    if let Some(text) = built_in(path) {
        return Some(text.into());
    }
    LOADED.with(|l| l.borrow().get(path).cloned())
}

/// Keeps `text` as the file at `path`, as if fetched.
pub fn provide(path: &str, text: &str) {
    LOADED.with(|l| l.borrow_mut().insert(path.to_string(), text.into()));
}

/// The file `action` needs and which is not here yet, if any.
pub fn needed(action: &AppAction) -> Option<String> {
    let path = match action {
        AppAction::Tour(TourAction::Locate(fragment)) if fragment.is_empty() => return None,
        AppAction::Tour(_) => LESSON.to_string(),
        AppAction::World(WorldAction::OpenPreset(name)) => preset(name),
        _ => return None,
    };
    text(&path).is_none().then_some(path)
}

/// Hands `action` to `run` once the file it needs is here: at once if it is, or after fetching
/// it. If it cannot be fetched, `failed` gets a message saying what and why.
pub fn when_ready(
    action: AppAction,
    run: impl FnOnce(AppAction) + 'static,
    failed: impl FnOnce(String) + 'static,
) {
    match needed(&action) {
        None => run(action),
        Some(path) => fetch(path, move || run(action), failed),
    }
}

/// What the file at `path` is, for messages.
fn what(path: &str) -> &'static str {
    if path == LESSON {
        "the tour's lesson"
    } else {
        "the preset"
    }
}

#[cfg(target_arch = "wasm32")]
fn fetch(path: String, then: impl FnOnce() + 'static, failed: impl FnOnce(String) + 'static) {
    use wasm_bindgen::JsCast;
    type Outcome = (Box<dyn FnOnce()>, Box<dyn FnOnce(String)>);
    // Taken by whichever ends the request: its callback, or the failure to start it.
    let outcome: Rc<RefCell<Option<Outcome>>> =
        Rc::new(RefCell::new(Some((Box::new(then), Box::new(failed)))));
    let fail = {
        let outcome = outcome.clone();
        let path = path.clone();
        move |why: String| {
            if let Some((_, failed)) = outcome.borrow_mut().take() {
                failed(format!("Could not load {} ({path}): {why}.", what(&path)));
            }
        }
    };
    let Ok(request) = web_sys::XmlHttpRequest::new() else {
        return fail("this browser cannot fetch files".to_string());
    };
    let done = {
        let request = request.clone();
        let path = path.clone();
        let fail = fail.clone();
        wasm_bindgen::closure::Closure::once_into_js(move || {
            let status = request.status().unwrap_or(0);
            match request.response_text() {
                Ok(Some(body)) if status == 200 => {
                    provide(&path, &body);
                    if let Some((then, _)) = outcome.borrow_mut().take() {
                        then();
                    }
                }
                _ if status == 0 => fail("the network did not answer".to_string()),
                _ => fail(format!("the server answered {status}")),
            }
        })
    };
    request.set_onloadend(Some(done.unchecked_ref()));
    if let Err(e) = request
        .open_with_async("GET", &path, true)
        .and_then(|()| request.send())
    {
        fail(
            e.as_string()
                .unwrap_or_else(|| "the request could not start".to_string()),
        );
    }
}

/// Natively every file is built in ([`text`] has it), so nothing is ever fetched.
#[cfg(not(target_arch = "wasm32"))]
fn fetch(path: String, _then: impl FnOnce() + 'static, failed: impl FnOnce(String) + 'static) {
    failed(format!(
        "Could not load {} ({path}): there is no such file.",
        what(&path)
    ));
}

/// The files built in natively, for the model's tests and the command line.
#[cfg(not(target_arch = "wasm32"))]
fn built_in(path: &str) -> Option<&'static str> {
    if path == LESSON {
        return Some(raftsim::lesson::BUILTIN_JSON);
    }
    let name = path.strip_prefix("scenarios/")?.strip_suffix(".json")?;
    crate::model::runs::PRESET_FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}
