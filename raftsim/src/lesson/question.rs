//! Predict, then watch: a step may ask a question about what is about to happen before it plays.
//!
//! In a step that asks, `narration` sets the scene without giving the outcome away, `question`
//! holds the question, its answers, which one is right and why, and `reveal` (optional) is the
//! narration shown once the step has played. Played headless (tests, the terminal example), a
//! question changes nothing: the step plays as it would without one.

use super::MAX_NARRATION_CHARS;
use crate::json::{at_most, invalid, join, list_of, object, quoted, string, whole, Res};
use serde_json::Value;

/// The fewest answers a question may offer.
pub const MIN_ANSWERS: usize = 2;
/// The most answers a question may offer (keys 1 to 4 choose them).
pub const MAX_ANSWERS: usize = 4;
/// Longest question, in characters.
pub const MAX_ASK_CHARS: usize = 160;
/// Longest answer, in characters: a few words on a button.
pub const MAX_ANSWER_CHARS: usize = 60;
/// Longest explanation, in characters.
pub const MAX_EXPLAIN_CHARS: usize = 400;

/// A question a step asks before it plays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// The question: "Who wins term 2?".
    pub ask: String,
    /// Two to four short answers, in the order shown.
    pub answers: Vec<String>,
    /// Which answer is right, counting from 0.
    pub correct: usize,
    /// Why that answer is right, shown with the verdict once the student has chosen.
    pub explain: String,
}

impl Question {
    /// Whether answer `chosen` (from 0) is the right one.
    pub fn is_correct(&self, chosen: usize) -> bool {
        chosen == self.correct
    }
}

/// A question as written.
#[derive(Default)]
pub(super) struct FileQuestion {
    ask: String,
    answers: Vec<String>,
    correct: u64,
    explain: String,
}

/// Reads a step's `question` at `path`.
pub(super) fn question_file(v: &Value, path: &str) -> Res<FileQuestion> {
    let mut q = FileQuestion::default();
    let keys = ["ask", "answers", "correct", "explain"];
    object(
        v,
        path,
        "a question (a JSON object {…})",
        &keys,
        &keys,
        &mut |key, x, p| {
            match key {
                "ask" => q.ask = string(x, p)?,
                "answers" => q.answers = list_of(x, p, string)?,
                "correct" => q.correct = whole(x, p)?,
                "explain" => q.explain = string(x, p)?,
                _ => {}
            }
            Ok(())
        },
    )?;
    Ok(q)
}

/// Checks a text's length and bold marks; `what` names it in messages ("the answer").
fn words(text: &str, path: &str, max: usize, what: &str) -> Res<String> {
    if text.trim().is_empty() {
        return invalid(path, format!("{what} is empty"));
    }
    let count = text.chars().count();
    if count > max {
        return invalid(
            path,
            format!("{count} characters is more than the {max} allowed; keep it short"),
        );
    }
    if text.matches("**").count() % 2 != 0 {
        return invalid(path, "a ** that starts bold text has no ** to end it");
    }
    Ok(text.to_string())
}

/// Checks a step's `question` at `path` (`chapters[1].steps[2].question`).
pub(super) fn read_question(file: &FileQuestion, path: &str) -> Res<Question> {
    let ask = words(&file.ask, &join(path, "ask"), MAX_ASK_CHARS, "the question")?;
    let apath = join(path, "answers");
    if file.answers.len() < MIN_ANSWERS {
        return invalid(
            &apath,
            format!(
                "{} answer(s) is too few: a question offers {MIN_ANSWERS} to {MAX_ANSWERS}",
                file.answers.len()
            ),
        );
    }
    at_most(
        &file.answers,
        MAX_ANSWERS,
        &apath,
        "answers",
        "a question may offer (keys 1 to 4 choose them)",
    )?;
    let mut answers: Vec<String> = Vec::with_capacity(file.answers.len());
    for (i, text) in file.answers.iter().enumerate() {
        let ipath = format!("{apath}[{i}]");
        let answer = words(text, &ipath, MAX_ANSWER_CHARS, "the answer")?;
        if let Some(first) = answers.iter().position(|a| a.trim() == answer.trim()) {
            return invalid(
                &ipath,
                format!(
                    "{} is already {apath}[{first}]; each answer is different",
                    quoted(&answer)
                ),
            );
        }
        answers.push(answer);
    }
    let last = answers.len() - 1;
    let correct = match usize::try_from(file.correct) {
        Ok(c) if c <= last => c,
        _ => {
            return invalid(
                &join(path, "correct"),
                format!(
                    "{} names no answer: answers count from 0, so this question's are 0 to {last}",
                    file.correct
                ),
            )
        }
    };
    let explain = words(
        &file.explain,
        &join(path, "explain"),
        MAX_EXPLAIN_CHARS,
        "the explanation",
    )?;
    Ok(Question {
        ask,
        answers,
        correct,
        explain,
    })
}

/// Checks a step's `reveal` at `path`: narration for after the question, so only with one.
pub(super) fn read_reveal(text: &str, path: &str, has_question: bool) -> Res<String> {
    if !has_question {
        return invalid(
            path,
            "a reveal is the narration shown after a question is answered; this step has no \
             \"question\" (put everything in \"narration\")",
        );
    }
    words(text, path, MAX_NARRATION_CHARS, "the reveal")
}
