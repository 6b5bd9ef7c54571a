//! The guided tour's two parts: the chapter bar along the top (the chapter menu, speed, the
//! questions switch, take over, leave) and the narration panel (the step's words, large, its
//! question and answers, Back, Continue and the step dots). Both only show the tour's state and
//! send `AppAction`s; every chapter and step is also a link (`#chapter/step`) a teacher can
//! copy. Whether questions are on is remembered in the browser's local storage.

use crate::model::action::{AppAction, ClockAction, PageAction, TourAction};
use crate::model::tour::{Asked, StepIndex, StepState, StepStatus};
use crate::params::SPEEDS;
use raftsim::lesson::{narration_spans, Lesson, Question};
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Where the questions switch is remembered: `"off"` or `"on"`.
const QUESTIONS_KEY: &str = "raft-live.tour.questions";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Whether questions were left on (the default) on this computer.
fn stored_questions() -> bool {
    storage()
        .and_then(|s| s.get_item(QUESTIONS_KEY).ok().flatten())
        .is_none_or(|v| v != "off")
}

fn store_questions(on: bool) {
    if let Some(s) = storage() {
        // Private windows may refuse; the switch then lasts for this visit only.
        let _ = s.set_item(QUESTIONS_KEY, if on { "on" } else { "off" });
    }
}

/// Narration with its `**bold**` names.
fn spans(text: &str) -> Html {
    narration_spans(text)
        .into_iter()
        .map(|s| {
            if s.bold {
                html! { <strong>{ s.text }</strong> }
            } else {
                html! { { s.text } }
            }
        })
        .collect()
}

/// A link to a step that, clicked, goes there without reloading (the `href` stays for copying).
fn step_link(d: &Callback<AppAction>, action: AppAction) -> Callback<MouseEvent> {
    let d = d.clone();
    Callback::from(move |e: MouseEvent| {
        e.prevent_default();
        d.emit(action.clone());
    })
}

fn click(d: &Callback<AppAction>, action: AppAction) -> Callback<MouseEvent> {
    let d = d.clone();
    Callback::from(move |_: MouseEvent| d.emit(action.clone()))
}

/// A chapter's tab label: its id, capitalised (`election` → `Election`); the full title is in
/// the tab's tooltip and atop the narration.
pub fn short_title(id: &str) -> String {
    crate::model::capitalise(&id.replace('-', " "))
}

#[derive(Properties, PartialEq)]
pub struct TourBarProps {
    pub lesson: Rc<Lesson>,
    pub chapter: usize,
    pub speed: usize,
    pub dispatch: Callback<AppAction>,
}

/// Along the top during the tour: one tab per chapter, the speed, take over, leave, help.
#[component]
pub fn TourBar(props: &TourBarProps) -> Html {
    let d = &props.dispatch;
    let tabs = props.lesson.chapters.iter().enumerate().map(|(i, c)| {
        let current = i == props.chapter;
        let class = classes!(
            "chapter",
            current.then_some("current"),
            (i < props.chapter).then_some("before")
        );
        html! {
            <a {class} href={format!("#{}", c.id)} data-chapter={c.id.clone()}
               aria-current={current.then_some("step")} title={format!("Chapter {}: {} (key {})", i + 1, c.title, i + 1)}
               onclick={step_link(d, AppAction::Tour(TourAction::Chapter(i)))}>
                <span class="num">{ i + 1 }</span>
                <span class="title">{ short_title(&c.id) }</span>
            </a>
        }
    });
    let questions = use_state(stored_questions);
    {
        // The tour starts with questions on; a teacher's "off" from an earlier visit is applied.
        let d = d.clone();
        let on = *questions;
        use_effect_with((), move |_| {
            if !on {
                d.emit(AppAction::Tour(TourAction::Questions(false)));
            }
        });
    }
    let on_questions = {
        let d = d.clone();
        let questions = questions.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let on = input.checked();
            store_questions(on);
            questions.set(on);
            d.emit(AppAction::Tour(TourAction::Questions(on)));
        })
    };
    let on_speed = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            if let Ok(i) = usize::try_from(select.selected_index()) {
                d.emit(AppAction::Clock(ClockAction::SetSpeed(i)));
            }
        })
    };
    html! {
        <div class="controls tour-bar" role="toolbar" aria-label="Guided tour">
            <nav class="chapters" aria-label="Chapters">{ for tabs }</nav>
            <label>{ "speed" }
                <select data-control="speed" onchange={on_speed}>
                    { for SPEEDS.iter().enumerate().map(|(i, s)| html! {
                        <option value={s.per_mille.to_string()} selected={i == props.speed}>{ s.label }</option>
                    }) }
                </select>
            </label>
            <label class="questions-switch" title="Ask each question before its step plays (remembered on this computer)">
                <input type="checkbox" data-control="questions" checked={*questions} onchange={on_questions} />
                { "Questions" }
            </label>
            <button data-action="take-over" onclick={click(d, AppAction::Tour(TourAction::TakeOver))}
                    title="Play with this cluster yourself, with every control (F)">{ "Take over" }</button>
            <button data-action="tour-close" onclick={click(d, AppAction::Tour(TourAction::Close))}
                    title="Back to free play as you left it (Esc)">{ "Leave tour" }</button>
            <button class="help-button" data-action="help" onclick={click(d, AppAction::Page(PageAction::ToggleHelp))}
                    title="Keyboard and help (?)" aria-label="Help">{ "?" }</button>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct TourPanelProps {
    pub lesson: Rc<Lesson>,
    /// The step shown.
    pub at: StepIndex,
    /// Where the step stands, and its question.
    pub status: StepState,
    /// Whether the step's animation is running (it may be paused part-way).
    pub playing: bool,
    pub error: Option<AttrValue>,
    pub dispatch: Callback<AppAction>,
}

/// The narration of the step shown, and the buttons to move through the lesson.
#[component]
pub fn TourPanel(props: &TourPanelProps) -> Html {
    let d = &props.dispatch;
    let lesson = &props.lesson;
    let shown = props.at.0;
    let (Some(at), Some(step)) = (lesson.position(shown), lesson.step(shown)) else {
        return html! { <section class="panel tour" data-status="failed"><p>{ "No such step." }</p></section> };
    };
    let chapter = &lesson.chapters[at.chapter];
    let first = lesson.chapter_start(at.chapter).unwrap_or(0);
    let last = shown + 1 >= lesson.len();
    let asked = props.status.asked;
    // The reveal shows once the question is answered, or at once when questions are off.
    let reveal = step
        .reveal
        .as_deref()
        .filter(|_| asked != Asked::Open)
        .map(|r| {
            html! {
                <div class="narration reveal" onclick={click(d, AppAction::Tour(TourAction::Next))}
                     title="Click to continue (→)">
                    <p>{ spans(r) }</p>
                </div>
            }
        });
    let question = step
        .question
        .as_ref()
        .filter(|_| asked != Asked::Nothing)
        .map(|q| question_box(q, asked, d));
    let dots = chapter.steps.iter().enumerate().map(|(i, s)| {
        let index = first + i;
        let class = classes!(
            "dot",
            (index == shown).then_some("current"),
            (index < shown).then_some("before")
        );
        html! {
            <li>
                <a {class} href={format!("#{}/{}", chapter.id, s.id)} data-step={s.id.clone()}
                   title={format!("{}. {}", i + 1, s.title)} aria-label={format!("Step {}: {}", i + 1, s.title)}
                   aria-current={(index == shown).then_some("step")}
                   onclick={step_link(d, AppAction::Tour(TourAction::Go(StepIndex(index))))}></a>
            </li>
        }
    });
    let status_word = match props.status.status {
        StepStatus::Asking => "asking",
        StepStatus::Playing if props.playing => "playing",
        StepStatus::Playing => "paused",
        StepStatus::Done => "done",
        StepStatus::Failed => "failed",
    };
    let status = match (&props.error, props.status.status, props.playing) {
        (Some(e), _, _) => html! { <span class="warn">{ e.clone() }</span> },
        (None, StepStatus::Asking, _) => {
            html! { <span>{ "? What do you think? Answer to see it play." }</span> }
        }
        (None, StepStatus::Playing, true) => html! { <span>{ "▶ Watch the cluster…" }</span> },
        (None, StepStatus::Playing, false) => {
            html! { <span>{ "❚❚ Paused part-way: P resumes, → moves on." }</span> }
        }
        (None, _, _) if last => {
            html! { <span class="ready">{ "✓ The end of the tour. Continue starts free play." }</span> }
        }
        (None, _, _) => {
            html! { <span class="ready">{ "✓ Done. Continue when you are ready." }</span> }
        }
    };
    let pause = (props.status == StepStatus::Playing).then(|| {
        let text = if props.playing {
            "❚❚ Pause"
        } else {
            "▶ Resume"
        };
        html! {
            <button data-action="tour-pause" onclick={click(d, AppAction::Clock(ClockAction::TogglePlay))}
                    title="Pause or resume this step's animation (P)">{ text }</button>
        }
    });
    let hint = if asked == Asked::Open {
        "1–4 answer · ← back · R replay · F take over · Esc leave"
    } else {
        "→ Space continue · ← back · R replay · 1–6 chapters · F take over · Esc leave"
    };
    let next_text = if last {
        "Start free play →"
    } else {
        "Continue →"
    };
    html! {
        <section class={classes!("panel", "tour", matches!(asked, Asked::Answered(_)).then_some("answered"))}
                 aria-label="Guided tour" data-step={format!("{}/{}", chapter.id, step.id)}
                 data-index={shown.to_string()} data-status={status_word}>
            <div class="where">
                <span class="chapter">
                    <span class="of">{ format!("Chapter {} of {} · ", at.chapter + 1, lesson.chapters.len()) }</span>
                    { chapter.title.clone() }
                </span>
                <span class="count">{ format!("step {} of {}", at.step + 1, chapter.steps.len()) }</span>
            </div>
            // The reading part scrolls if it must; the buttons below it stay in view.
            <div class="tour-body">
            <h2 class="step-title">{ step.title.clone() }</h2>
            <div class={classes!("narration", step.question.is_some().then_some("scene"))} aria-live="polite"
                 onclick={click(d, AppAction::Tour(TourAction::Next))}
                 title="Click to continue (→)">
                <p>{ spans(&step.narration) }</p>
            </div>
            { for question }
            { for reveal }
            <ol class="dots" aria-label="Steps of this chapter">{ for dots }</ol>
            <div class={classes!("tour-status", status_word)}>{ status }</div>
            </div>
            <div class="tour-buttons">
                <button data-action="tour-back" disabled={shown == 0}
                        onclick={click(d, AppAction::Tour(TourAction::Back))} title="The step before, from its beginning (←)">{ "← Back" }</button>
                <button data-action="tour-replay" onclick={click(d, AppAction::Tour(TourAction::Replay))}
                        title="Play this step again (R)">{ "↺ Replay" }</button>
                { for pause }
                <button class={classes!("primary", "next", (props.status == StepStatus::Done || props.status == StepStatus::Failed).then_some("ready"))}
                        data-action="tour-next" onclick={click(d, AppAction::Tour(TourAction::Next))}
                        title="The next step (→, Space or Enter)">{ next_text }</button>
            </div>
            <p class="hint">{ hint }</p>
        </section>
    }
}

/// The longest answer (in characters) laid out beside the others instead of on a line of its own.
const SHORT_ANSWER: usize = 10;

/// A step's question: open, its answers are buttons (keys 1 to 4); answered, the verdict naming
/// the answer chosen (and the right one, if that was not it) and the explanation.
fn question_box(q: &Question, asked: Asked, d: &Callback<AppAction>) -> Html {
    let chosen = match asked {
        Asked::Answered(i) => Some(i),
        _ => None,
    };
    let answers = q.answers.iter().enumerate().map(|(i, text)| {
        html! {
            <button class="answer" data-answer={i.to_string()}
                    title={format!("Answer {} (key {})", i + 1, i + 1)}
                    onclick={click(d, AppAction::Tour(TourAction::Answer(i)))}>
                <span class="key" aria-hidden="true">{ i + 1 }</span>
                <span class="text">{ text.clone() }</span>
            </button>
        }
    });
    // Answers of a word or two (a server's name) sit side by side rather than one per line.
    let short = q.answers.iter().all(|a| a.chars().count() <= SHORT_ANSWER);
    let body = match chosen {
        None => {
            let class = classes!("answers", short.then_some("short"));
            html! { <div {class} role="group" aria-label="Answers">{ for answers }</div> }
        }
        Some(i) => {
            let (class, word) = if q.is_correct(i) {
                ("verdict right", format!("✓ Right: {}.", q.answers[i]))
            } else {
                (
                    "verdict wrong",
                    format!(
                        "✗ You said “{}”. The answer: {}.",
                        q.answers[i], q.answers[q.correct]
                    ),
                )
            };
            html! {
                <div class={class} role="status">
                    <p class="word">{ word }</p>
                    <p class="explain">{ spans(&q.explain) }</p>
                </div>
            }
        }
    };
    let state = if chosen.is_some() { "answered" } else { "open" };
    html! {
        <div class="question" data-question={state}
             data-chosen={chosen.map(|i| i.to_string())}
             data-right={chosen.map(|i| q.is_correct(i).to_string())}>
            <p class="ask">{ spans(&q.ask) }</p>
            { body }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_are_labelled_by_chapter_id() {
        assert_eq!(short_title("election"), "Election");
        assert_eq!(short_title("log-replication"), "Log replication");
        assert_eq!(short_title(""), "");
    }
}
