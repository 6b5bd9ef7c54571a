//! The presenter's controls: theme, reading text size and full screen.

use crate::model::action::{AppAction, PageAction};
use crate::model::view::{Theme, View, TEXT_SIZES};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ViewControlsProps {
    pub view: View,
    pub dispatch: Callback<AppAction>,
    pub on_fullscreen: Callback<()>,
}

#[component]
pub fn ViewControls(props: &ViewControlsProps) -> Html {
    let theme = props
        .dispatch
        .reform(|_: MouseEvent| PageAction::ToggleTheme.into());
    let size = props.dispatch.reform(|e: Event| {
        let select: HtmlSelectElement = e.target_unchecked_into();
        let i = select.value().parse::<usize>().unwrap_or(0);
        PageAction::TextSize(i).into()
    });
    let full = props.on_fullscreen.reform(|_: MouseEvent| ());
    let (theme_label, theme_title) = match props.view.theme {
        Theme::Dark => ("◐ Light", "Switch to the light theme, for projectors (L)"),
        Theme::Light => ("◑ Dark", "Switch to the dark theme (L)"),
    };
    html! {
        <div class="view-controls" role="group" aria-label="Presentation">
            <button data-action="theme" onclick={theme} title={theme_title}
                    aria-pressed={(props.view.theme == Theme::Light).to_string()}>{ theme_label }</button>
            <button data-action="fullscreen" onclick={full} title="Full screen on / off (F)">{ "Full screen" }</button>
            <select data-control="text-size" onchange={size} aria-label="Reading text size (A, Shift+A)"
                    title="Reading text size (A, Shift+A)">
                { for TEXT_SIZES.iter().enumerate().map(|(i, (_, label, _))| html! {
                    <option value={i.to_string()} selected={i == props.view.text_size}>{ *label }</option>
                }) }
            </select>
        </div>
    }
}
