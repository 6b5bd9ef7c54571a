//! The safety lab's two scenario fields, `"broken_rules"` and `"protocol"`: how they are
//! written in a file, read into a [`Config`] and written back. Both are left out of a file
//! when they hold their defaults (every rule intact, every option off).

use crate::json::{boolean, object, one_of, Json, Res};
use crate::lab::{BrokenRule, BrokenRules, Protocol, ProtocolOption};
use crate::sim::Config;
use serde_json::Value;

/// `"protocol": {"leader_noop": true, "pre_vote": true, "check_quorum": true}`; an option
/// left out is off.
#[derive(Default)]
pub(crate) struct FileProtocol {
    pub leader_noop: Option<bool>,
    pub pre_vote: Option<bool>,
    pub check_quorum: Option<bool>,
}

/// Reads a rule's name.
pub(crate) fn rule(v: &Value, path: &str) -> Res<BrokenRule> {
    let names = BrokenRule::ALL.map(BrokenRule::name);
    let i = one_of(v, path, &names, "the name of a rule that can be broken")?;
    Ok(BrokenRule::ALL[i])
}

pub(crate) fn protocol(v: &Value, path: &str) -> Res<FileProtocol> {
    let mut p = FileProtocol::default();
    object(
        v,
        path,
        "the protocol options (a JSON object like {\"pre_vote\": true})",
        &["leader_noop", "pre_vote", "check_quorum"],
        &[],
        &mut |key, x, at| {
            let on = Some(boolean(x, at)?);
            match key {
                "leader_noop" => p.leader_noop = on,
                "pre_vote" => p.pre_vote = on,
                "check_quorum" => p.check_quorum = on,
                _ => {}
            }
            Ok(())
        },
    )?;
    Ok(p)
}

/// Puts what a file says about broken rules and protocol options into `config`.
pub(crate) fn read(
    broken: Option<&Vec<BrokenRule>>,
    protocol: Option<&FileProtocol>,
    config: &mut Config,
) {
    if let Some(list) = broken {
        config.broken_rules = BrokenRules::of(list);
    }
    if let Some(p) = protocol {
        config.protocol = Protocol {
            leader_noop: p.leader_noop.unwrap_or(false),
            pre_vote: p.pre_vote.unwrap_or(false),
            check_quorum: p.check_quorum.unwrap_or(false),
        };
    }
}

/// The broken rules as a file lists them; None when every rule is intact.
pub(crate) fn write_broken(config: &Config) -> Option<Json> {
    let names = config
        .broken_rules
        .iter()
        .map(|r| Json::Text(r.name().to_string()));
    (!config.broken_rules.is_empty()).then(|| Json::List(names.collect()))
}

/// The options that are on; None when all are off.
pub(crate) fn write_protocol(config: &Config) -> Option<Json> {
    let p = config.protocol;
    let on = [
        ("leader_noop", ProtocolOption::LeaderNoop),
        ("pre_vote", ProtocolOption::PreVote),
        ("check_quorum", ProtocolOption::CheckQuorum),
    ];
    let fields = on
        .into_iter()
        .filter(|(_, o)| p.get(*o))
        .map(|(key, _)| (key.to_string(), Json::Bool(true)));
    (!p.is_paper()).then(|| Json::Object(fields.collect()))
}
