//! The help overlay (`?`): what the drawing shows and every key, from the keyboard map itself.

use crate::keys::{FREE_PLAY, TOUR};
use crate::model::action::{AppAction, PageAction};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct HelpProps {
    pub dispatch: Callback<AppAction>,
    /// During the guided tour: its keys first.
    #[prop_or_default]
    pub tour: bool,
}

#[component]
pub fn HelpOverlay(props: &HelpProps) -> Html {
    let close = {
        let d = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| d.emit(AppAction::Page(PageAction::ToggleHelp)))
    };
    let keep = Callback::from(|e: MouseEvent| e.stop_propagation());
    html! {
        <div class="overlay" onclick={close.clone()}>
            <div class="help" role="dialog" aria-modal="true" aria-labelledby="help-title" onclick={keep}>
                <div class="panel-head">
                    <h2 id="help-title">{ "Raft, live: how to use it" }</h2>
                    <button class="close" onclick={close} aria-label="Close help">{ "×" }</button>
                </div>
                <div class="help-columns">
                    <table class="keys">
                        <caption>{ if props.tour { "Keys in the guided tour" } else { "Keys in free play" } }</caption>
                        <tbody>
                            { for (if props.tour { TOUR } else { FREE_PLAY }).iter().map(|r| html! {
                                <tr><th scope="row"><kbd>{ r.label }</kbd></th><td>{ r.what }</td></tr>
                            }) }
                        </tbody>
                    </table>
                    <div class="help-text">
                        <p>{ "Each server is drawn by its role: a circle is a follower, a diamond a candidate, a hexagon the leader; a crossed grey circle is crashed. Under it: its current term and whom it voted for." }</p>
                        <p>{ "The ring round a server is its election timer draining; when it runs out the server starts an election. Heartbeats from the leader refill it, with a flash. Round the leader, a thinner green ring is its heartbeat timer: when it runs out, the leader sends the next round of AppendEntries." }</p>
                        <p>{ "Messages move along the links. Click one to read its fields and drop it. Click a link to cut it; Partition splits the servers in two with a wall between them; Heal mends everything." }</p>
                        <p>{ "In the logs, a solid cell is committed and a dashed one is not yet; the yellow bar marks each server's commit index. The same seed and the same actions always give the same run." }</p>
                        <p>{ "On a touch screen, tap servers, messages and links; the buttons do the rest." }</p>
                        <p>{ "Presenting: L switches to the light theme for projectors, A and Shift+A change the reading text size (both are remembered), B blanks the screen until any key, and a clicker's Page Down and Page Up step forward and back. Shapes and words, not only colours, tell the roles apart." }</p>
                        <p>{ "The guided tour (G) tells Raft step by step on this same drawing. Every step has its own address to link to; Back replays the step before; Take over turns any step into free play." }</p>
                    </div>
                </div>
            </div>
        </div>
    }
}
