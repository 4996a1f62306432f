//! The routing decision for one request, over tables compiled once per settings
//! generation: which rollout outcome applies to the agent, user and minute, and then
//! which model, tier, template and selection method follow from it and the task's level.
//!
//! Pure Rust: strings (model ids, tier and template names) are indices into the
//! caller's tables, so the Python shim can hand out strings it made once.

use md5::{Digest, Md5};

use crate::scoring::Level;

/// Minutes in a day: the resolution of rollout windows.
pub const MINUTES_PER_DAY: usize = 24 * 60;

/// Every reason code a selection can carry. The first ten are rollout outcomes
/// (enabling ones first); the last three say why a default model was served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    GlobalSwitchOn,
    AgentSwitchOn,
    InsideWindow,
    PercentageIn,
    ForcedModel,
    AgentSwitchOff,
    GlobalSwitchOff,
    OutsideWindow,
    NoUserId,
    PercentageOut,
    NoComplexityAnalysis,
    DynamicSelectionDisabled,
    ShadowMode,
}

impl Reason {
    /// The rollout outcomes (the first ten of `ALL`), in the order
    /// `claude_pm.rollout.REASONS` lists them.
    pub const ROLLOUT: [Reason; 10] = {
        let mut rollout = [Reason::GlobalSwitchOn; 10];
        let mut i = 0;
        while i < rollout.len() {
            rollout[i] = Self::ALL[i];
            i += 1;
        }
        rollout
    };
    /// How many rollout outcomes enable optimisation (the first ones of `ROLLOUT`).
    pub const ENABLING: usize = 4;
    pub const ALL: [Reason; 13] = [
        Reason::GlobalSwitchOn,
        Reason::AgentSwitchOn,
        Reason::InsideWindow,
        Reason::PercentageIn,
        Reason::ForcedModel,
        Reason::AgentSwitchOff,
        Reason::GlobalSwitchOff,
        Reason::OutsideWindow,
        Reason::NoUserId,
        Reason::PercentageOut,
        Reason::NoComplexityAnalysis,
        Reason::DynamicSelectionDisabled,
        Reason::ShadowMode,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::GlobalSwitchOn => "global_switch_on",
            Self::AgentSwitchOn => "agent_switch_on",
            Self::InsideWindow => "inside_window",
            Self::PercentageIn => "percentage_in",
            Self::ForcedModel => "forced_model",
            Self::AgentSwitchOff => "agent_switch_off",
            Self::GlobalSwitchOff => "global_switch_off",
            Self::OutsideWindow => "outside_window",
            Self::NoUserId => "no_user_id",
            Self::PercentageOut => "percentage_out",
            Self::NoComplexityAnalysis => "no_complexity_analysis",
            Self::DynamicSelectionDisabled => "dynamic_selection_disabled",
            Self::ShadowMode => "shadow_mode",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|reason| reason.as_str() == name)
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether this rollout outcome turns optimisation on.
    pub fn enables(self) -> bool {
        self.index() < Self::ENABLING
    }
}

/// How the model was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    CallerOverride,
    EnvironmentOverride,
    DefaultMapping,
    ScoreRouted,
}

impl Method {
    pub const ALL: [Method; 4] = [
        Method::CallerOverride,
        Method::EnvironmentOverride,
        Method::DefaultMapping,
        Method::ScoreRouted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CallerOverride => "caller_override",
            Self::EnvironmentOverride => "environment_override",
            Self::DefaultMapping => "default_mapping",
            Self::ScoreRouted => "dynamic_complexity_based",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// The rollout gates of an agent a switch turned on.
#[derive(Debug, Clone)]
pub struct Gates {
    /// One flag per minute of the day, true inside a window; None: no window gate.
    pub open_minutes: Option<Vec<bool>>,
    /// The enrolled share of users when below 100; None: no percentage gate.
    pub percentage: Option<f64>,
}

/// How an agent's rollout outcome is found.
#[derive(Debug, Clone)]
pub enum Plan {
    /// Decided by the settings alone.
    Fixed(Reason),
    Gated(Gates),
}

/// Where a gated decision needs the minute of the day and it was not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinuteMissing;

impl Plan {
    /// Whether deciding needs the minute of the day.
    pub fn needs_minute(&self) -> bool {
        matches!(
            self,
            Plan::Gated(Gates {
                open_minutes: Some(_),
                ..
            })
        )
    }

    /// The rollout outcome for a user (None or empty: no user id) at `minute` of the
    /// day in the windows' time zone. `bucket` gives a user's bucket 0..99.
    pub fn decide(
        &self,
        user_id: Option<&str>,
        minute: Option<u16>,
        bucket: impl FnOnce(&str) -> u8,
    ) -> Result<Reason, MinuteMissing> {
        let gates = match self {
            Plan::Fixed(reason) => return Ok(*reason),
            Plan::Gated(gates) => gates,
        };
        if let Some(open) = &gates.open_minutes {
            let minute = usize::from(minute.ok_or(MinuteMissing)?);
            if !open.get(minute).copied().unwrap_or(false) {
                return Ok(Reason::OutsideWindow);
            }
        }
        let Some(percentage) = gates.percentage else {
            return Ok(Reason::InsideWindow);
        };
        if percentage <= 0.0 {
            return Ok(Reason::PercentageOut);
        }
        match user_id.filter(|id| !id.is_empty()) {
            None => Ok(Reason::NoUserId),
            Some(id) if f64::from(bucket(id)) < percentage => Ok(Reason::PercentageIn),
            Some(_) => Ok(Reason::PercentageOut),
        }
    }
}

/// A user's stable rollout bucket 0..99: the md5 digest of the UTF-8 id, read as one
/// big-endian number, modulo 100 (md5 as a stable spreader, not for security).
pub fn user_bucket(user_id: &[u8]) -> u8 {
    let digest: [u8; 16] = Md5::digest(user_id).into();
    (u128::from_be_bytes(digest) % 100) as u8
}

/// A model: one of the router's table (configured tier ids, forced ids), or the
/// caller's own string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    Known(usize),
    Caller,
}

/// A model forced on the request, by the caller or the agent's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forced {
    pub model: Model,
    /// The tier whose configured id the model is (None for other ids).
    pub tier: Option<usize>,
}

/// What one level routes to when optimisation applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelRoute {
    pub tier: usize,
    pub model: usize,
    pub template: usize,
}

/// An agent's defaults and rollout plan.
#[derive(Debug, Clone)]
pub struct AgentRoute {
    pub default_model: usize,
    pub default_tier: usize,
    pub forced: Option<Forced>,
    pub plan: Plan,
}

/// What shadow mode would have served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShadowView {
    pub model: Model,
    pub template: usize,
    pub level: Option<Level>,
}

/// The routing decision for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub model: Model,
    pub tier: Option<usize>,
    pub method: Method,
    pub reason: Reason,
    pub template: usize,
    pub rollout: Reason,
    pub shadow: Option<ShadowView>,
}

/// The settings-derived tables a choice reads.
#[derive(Debug, Clone)]
pub struct Routes {
    pub levels: [LevelRoute; 3],
    /// The template served when no level applies (the full prompt).
    pub full_template: usize,
    /// CLAUDE_PM_TEST_MODE: count the decision, serve the defaults.
    pub shadow: bool,
}

impl Routes {
    /// Level i served by tier i, model i and template i, the last template the full
    /// one: the shape of the default settings (tests and benches build it).
    pub fn one_per_level(shadow: bool) -> Routes {
        let level = |i: usize| LevelRoute {
            tier: i,
            model: i,
            template: i,
        };
        Routes {
            levels: [level(0), level(1), level(2)],
            full_template: 2,
            shadow,
        }
    }

    /// Order of decisions: a forced model (the caller's beats the agent's) beats the
    /// rollout outcome; without a level the agent's default applies; shadow mode
    /// serves the defaults (unless forced) and the full prompt.
    pub fn choose(
        &self,
        agent: &AgentRoute,
        rollout: Reason,
        level: Option<Level>,
        caller_forced: Option<Forced>,
    ) -> Choice {
        let route = level.map(|level| self.levels[level as usize]);
        let mut template = route.map_or(self.full_template, |route| route.template);
        let default = (
            Model::Known(agent.default_model),
            Some(agent.default_tier),
            Method::DefaultMapping,
        );
        let forced = caller_forced.or(agent.forced);
        let (model, tier, method, reason) = if let Some(forced) = forced {
            let method = if caller_forced.is_some() {
                Method::CallerOverride
            } else {
                Method::EnvironmentOverride
            };
            (forced.model, forced.tier, method, Reason::ForcedModel)
        } else {
            match route {
                None => (
                    default.0,
                    default.1,
                    default.2,
                    Reason::NoComplexityAnalysis,
                ),
                Some(route) if rollout.enables() => (
                    Model::Known(route.model),
                    Some(route.tier),
                    Method::ScoreRouted,
                    rollout,
                ),
                Some(_) => {
                    let reason = match rollout {
                        Reason::GlobalSwitchOff | Reason::AgentSwitchOff => {
                            Reason::DynamicSelectionDisabled
                        }
                        other => other,
                    };
                    (default.0, default.1, default.2, reason)
                }
            }
        };
        let mut choice = Choice {
            model,
            tier,
            method,
            reason,
            template,
            rollout,
            shadow: None,
        };
        if self.shadow {
            let would_serve = match route {
                Some(route) if rollout.enables() => Model::Known(route.model),
                _ => model,
            };
            choice.shadow = Some(ShadowView {
                model: would_serve,
                template,
                level,
            });
            if forced.is_none() {
                (choice.model, choice.tier, choice.method) = default;
                choice.reason = Reason::ShadowMode;
            }
            template = self.full_template;
            choice.template = template;
        }
        choice
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: usize = 2;

    fn routes(shadow: bool) -> Routes {
        Routes::one_per_level(shadow)
    }

    fn agent(forced: Option<Forced>) -> AgentRoute {
        AgentRoute {
            default_model: 2,
            default_tier: 2,
            forced,
            plan: Plan::Fixed(Reason::GlobalSwitchOn),
        }
    }

    #[test]
    fn reasons_round_trip_by_name_and_the_first_four_enable() {
        for reason in Reason::ALL {
            assert_eq!(Reason::from_name(reason.as_str()), Some(reason));
        }
        let enabling: Vec<_> = Reason::ALL.into_iter().filter(|r| r.enables()).collect();
        assert_eq!(enabling, Reason::ROLLOUT[..Reason::ENABLING].to_vec());
        assert_eq!(Reason::from_name("nope"), None);
    }

    #[test]
    fn user_bucket_is_md5_big_endian_modulo_100() {
        // int(hashlib.md5(b"user-1").hexdigest(), 16) % 100 == 20
        assert_eq!(user_bucket(b"user-1"), 20);
        assert_eq!(user_bucket(b""), 66);
    }

    #[test]
    fn gates_check_the_window_then_the_percentage() {
        let mut open = vec![false; MINUTES_PER_DAY];
        open[120] = true;
        let plan = Plan::Gated(Gates {
            open_minutes: Some(open),
            percentage: Some(50.0),
        });
        assert!(plan.needs_minute());
        assert_eq!(plan.decide(Some("u"), None, |_| 0), Err(MinuteMissing));
        assert_eq!(
            plan.decide(Some("u"), Some(121), |_| 0),
            Ok(Reason::OutsideWindow)
        );
        assert_eq!(plan.decide(None, Some(120), |_| 0), Ok(Reason::NoUserId));
        assert_eq!(
            plan.decide(Some(""), Some(120), |_| 0),
            Ok(Reason::NoUserId)
        );
        assert_eq!(
            plan.decide(Some("u"), Some(120), |_| 49),
            Ok(Reason::PercentageIn)
        );
        assert_eq!(
            plan.decide(Some("u"), Some(120), |_| 50),
            Ok(Reason::PercentageOut)
        );
        // Out of range minutes are outside every window rather than a panic.
        assert_eq!(
            plan.decide(Some("u"), Some(9999), |_| 0),
            Ok(Reason::OutsideWindow)
        );
        let nobody = Plan::Gated(Gates {
            open_minutes: None,
            percentage: Some(0.0),
        });
        assert!(!nobody.needs_minute());
        assert_eq!(
            nobody.decide(Some("u"), None, |_| 0),
            Ok(Reason::PercentageOut)
        );
        let window_only = Plan::Gated(Gates {
            open_minutes: Some(vec![true; MINUTES_PER_DAY]),
            percentage: None,
        });
        assert_eq!(
            window_only.decide(None, Some(0), |_| 0),
            Ok(Reason::InsideWindow)
        );
    }

    #[test]
    fn an_enabled_level_routes_to_its_tier_and_template() {
        let choice = routes(false).choose(
            &agent(None),
            Reason::GlobalSwitchOn,
            Some(Level::Simple),
            None,
        );
        assert_eq!(choice.model, Model::Known(0));
        assert_eq!((choice.tier, choice.template), (Some(0), 0));
        assert_eq!(
            (choice.method, choice.reason),
            (Method::ScoreRouted, Reason::GlobalSwitchOn)
        );
    }

    #[test]
    fn switched_off_or_without_a_level_serves_the_default() {
        let off = routes(false).choose(
            &agent(None),
            Reason::AgentSwitchOff,
            Some(Level::Simple),
            None,
        );
        assert_eq!(
            (off.model, off.method),
            (Model::Known(2), Method::DefaultMapping)
        );
        assert_eq!(off.reason, Reason::DynamicSelectionDisabled);
        assert_eq!(
            off.template, 0,
            "templates follow the level even when models do not"
        );
        let out = routes(false).choose(
            &agent(None),
            Reason::PercentageOut,
            Some(Level::Medium),
            None,
        );
        assert_eq!(out.reason, Reason::PercentageOut);
        let none = routes(false).choose(&agent(None), Reason::GlobalSwitchOn, None, None);
        assert_eq!(
            (none.reason, none.template),
            (Reason::NoComplexityAnalysis, FULL)
        );
    }

    #[test]
    fn forced_models_beat_the_rollout_and_the_caller_beats_the_agent() {
        let by_env = Forced {
            model: Model::Known(5),
            tier: None,
        };
        let by_caller = Forced {
            model: Model::Caller,
            tier: Some(1),
        };
        let env = routes(false).choose(
            &agent(Some(by_env)),
            Reason::ForcedModel,
            Some(Level::Simple),
            None,
        );
        assert_eq!(
            (env.model, env.method, env.reason),
            (
                Model::Known(5),
                Method::EnvironmentOverride,
                Reason::ForcedModel
            )
        );
        let caller = routes(false).choose(
            &agent(Some(by_env)),
            Reason::ForcedModel,
            Some(Level::Simple),
            Some(by_caller),
        );
        assert_eq!(
            (caller.model, caller.tier, caller.method),
            (Model::Caller, Some(1), Method::CallerOverride)
        );
    }

    #[test]
    fn shadow_mode_reports_the_routed_choice_and_serves_the_defaults() {
        let choice = routes(true).choose(
            &agent(None),
            Reason::GlobalSwitchOn,
            Some(Level::Simple),
            None,
        );
        assert_eq!(
            choice.shadow,
            Some(ShadowView {
                model: Model::Known(0),
                template: 0,
                level: Some(Level::Simple)
            })
        );
        assert_eq!(
            (choice.model, choice.reason, choice.template),
            (Model::Known(2), Reason::ShadowMode, FULL)
        );
        let forced = Forced {
            model: Model::Known(7),
            tier: None,
        };
        let kept = routes(true).choose(
            &agent(Some(forced)),
            Reason::ForcedModel,
            Some(Level::Simple),
            None,
        );
        assert_eq!(
            (kept.model, kept.reason),
            (Model::Known(7), Reason::ForcedModel)
        );
        assert_eq!(kept.template, FULL);
    }
}
