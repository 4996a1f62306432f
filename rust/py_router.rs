//! Python shim over the router (`claude_pm._core.Router`): one call scores the task,
//! decides the rollout, chooses model, template and cached prompt, records the
//! selection statistics and returns the selection's config dict.
//!
//! Every string the router hands out (agent, model, tier, template, reason and method
//! names) is a Python str made when the router was compiled, so a selection allocates
//! only its dicts and its signals.

use std::collections::HashMap;
use std::time::Instant;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{IntoPyDict, PyDict, PyList, PyString, PyTuple};

use crate::error::CoreError;
use crate::py_args::{self, type_name, Surrogates};
use crate::py_cache::PyPromptCache;
use crate::py_scoring::{caller_facts, PyScorer, DETACH_ABOVE_BYTES};
use crate::py_stats::{unix_now, PySelectionStats};
use crate::router::{AgentRoute, Choice, Forced, LevelRoute, Method, Model, Reason, Routes};
use crate::scoring::{CallerFacts, Level};
use crate::stats::OTHER_LABEL;

/// An agent's routing row with the strings and numbers its selections report.
struct Agent {
    name: Py<PyString>,
    name_text: String,
    route: AgentRoute,
    /// Per template (the router's template order): the prompt's cache key.
    prompt_keys: Vec<String>,
    /// Per template: tokens saved against the full prompt, in percent.
    reductions: Vec<f64>,
}

/// A model id as the router hands it out and records it.
struct ModelName {
    text: String,
    object: Py<PyString>,
    /// The tier whose configured id this is.
    tier: Option<usize>,
}

/// The model routing for one settings generation. Immutable and thread-safe.
#[pyclass(frozen, module = "claude_pm._core", name = "Router")]
pub struct PyRouter {
    scorer: Py<PyScorer>,
    routes: Routes,
    agents: Vec<Agent>,
    /// Exact agent names (canonical ones and aliases) to their row, as a dict: a str
    /// caches its hash, so the lookup neither copies nor re-hashes the name.
    by_name: Py<PyDict>,
    /// Empty-valued dicts with the keys of a config, its rollout and its shadow parts,
    /// in order: a copy has its final size at once.
    config_template: Py<PyDict>,
    rollout_template: Py<PyDict>,
    shadow_template: Py<PyDict>,
    models: Vec<ModelName>,
    /// The lowercase tier names, in tier order, for a caller's `model_override`.
    tier_names: Vec<String>,
    tier_objects: Vec<Py<PyString>>,
    tier_models: Vec<usize>,
    optimal_prompt_sizes: Vec<Py<PyAny>>,
    templates: Vec<Py<PyString>>,
    template_texts: Vec<String>,
    level_names: Vec<Py<PyString>>,
    reasons: Vec<Py<PyString>>,
    methods: Vec<Py<PyString>>,
    cache: Option<Py<PyPromptCache>>,
    stats: Option<Py<PySelectionStats>>,
    needs_minute: bool,
}

fn index_of(names: &[String], name: &str, argument: &str) -> PyResult<usize> {
    names.iter().position(|n| n == name).ok_or_else(|| {
        PyValueError::new_err(format!(
            "{argument}: unknown name {name:?}: expected one of {}",
            names.join(", ")
        ))
    })
}

impl PyRouter {
    fn model_index(&self, model_id: &str) -> Option<usize> {
        self.models.iter().position(|model| model.text == model_id)
    }

    /// A model's Prometheus label: its id when it is a tier's configured id, else
    /// `OTHER_LABEL` (a bounded label set whatever ids callers force).
    fn label_of(&self, index: usize) -> &str {
        let model = &self.models[index];
        match model.tier {
            Some(_) => model.text.as_str(),
            None => OTHER_LABEL,
        }
    }

    /// The caller's `model_override`: a tier name in any case, or a model id.
    fn caller_forced(&self, text: &str) -> Forced {
        let lower = text.to_lowercase();
        if let Some(tier) = self.tier_names.iter().position(|name| *name == lower) {
            let model = self.tier_models[tier];
            return Forced {
                model: Model::Known(model),
                tier: self.models[model].tier,
            };
        }
        match self.model_index(text) {
            Some(model) => Forced {
                model: Model::Known(model),
                tier: self.models[model].tier,
            },
            None => Forced {
                model: Model::Caller,
                tier: None,
            },
        }
    }

    fn model_object<'py>(
        &self,
        py: Python<'py>,
        model: Model,
        caller: Option<&Bound<'py, PyString>>,
    ) -> Bound<'py, PyAny> {
        match (model, caller) {
            (Model::Known(index), _) => self.models[index].object.bind(py).clone().into_any(),
            (Model::Caller, Some(text)) => text.clone().into_any(),
            (Model::Caller, None) => py.None().into_bound(py),
        }
    }
}

const CONFIG_KEYS: [&str; 12] = [
    "selection_method",
    "reason",
    "model_tier",
    "complexity_score",
    "complexity_level",
    "signals",
    "confidence",
    "template_used",
    "token_reduction_percentage",
    "optimal_prompt_size",
    "rollout",
    "shadow",
];
const ROLLOUT_KEYS: [&str; 3] = ["enabled", "reason", "shadow"];
const SHADOW_KEYS: [&str; 3] = ["model", "template_used", "complexity_level"];

fn template(py: Python<'_>, keys: &[&str]) -> PyResult<Py<PyDict>> {
    let dict = PyDict::new(py);
    for key in keys {
        dict.set_item(PyString::intern(py, key), py.None())?;
    }
    Ok(dict.unbind())
}

fn optional_str<'a, 'py>(
    value: &'a Bound<'py, PyAny>,
    message: &str,
) -> PyResult<Option<&'a Bound<'py, PyString>>> {
    if value.is_none() {
        return Ok(None);
    }
    match value.cast_exact::<PyString>() {
        Ok(text) => Ok(Some(text)),
        Err(_) => Err(PyTypeError::new_err(format!(
            "{message}, not {}",
            type_name(value)
        ))),
    }
}

/// The caller's facts from a dict of them: unknown names are a TypeError listing the
/// fact names; values are checked by `caller_facts`.
fn facts_of<'py>(facts: Option<&Bound<'py, PyDict>>) -> PyResult<[Option<Bound<'py, PyAny>>; 7]> {
    let mut found: [Option<Bound<'py, PyAny>>; 7] = Default::default();
    let Some(facts) = facts else {
        return Ok(found);
    };
    let mut unknown: Vec<String> = Vec::new();
    for (name, value) in facts.iter() {
        let name: String = name.extract()?;
        match CallerFacts::NAMES.iter().position(|fact| *fact == name) {
            Some(index) => found[index] = Some(value),
            None => unknown.push(name),
        }
    }
    if !unknown.is_empty() {
        unknown.sort();
        let mut names = CallerFacts::NAMES.to_vec();
        names.sort_unstable();
        return Err(PyTypeError::new_err(format!(
            "unexpected keyword argument(s) {}; task facts are: {}",
            unknown.join(", "),
            names.join(", ")
        )));
    }
    Ok(found)
}

#[pymethods]
impl PyRouter {
    /// Compiles the routing tables; `claude_pm.selection` builds one per settings
    /// generation. `tiers`: (name, model id, optimal prompt size) in tier order;
    /// `levels`: (level name, tier index, template) for SIMPLE, MEDIUM, COMPLEX;
    /// `agents`: (name, default tier index, forced model id or None, plan) where a plan
    /// is ("fixed", reason) or ("gated", open minutes as 1,440 bytes or None,
    /// percentage below 100 or None); `aliases` map other names to agents;
    /// `prompt_keys` and `reductions` are keyed by (agent, template).
    #[new]
    #[pyo3(signature = (
        scorer, *, tiers, levels, templates, full_template, agents, aliases, prompt_keys,
        reductions, shadow, cache = None, stats = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        scorer: Py<PyScorer>,
        tiers: Vec<(String, String, Py<PyAny>)>,
        levels: Vec<(String, usize, String)>,
        templates: Vec<String>,
        full_template: String,
        agents: Vec<(String, usize, Option<String>, Bound<'_, PyTuple>)>,
        aliases: HashMap<String, String>,
        prompt_keys: HashMap<(String, String), String>,
        reductions: HashMap<(String, String), f64>,
        shadow: bool,
        cache: Option<Py<PyPromptCache>>,
        stats: Option<Py<PySelectionStats>>,
    ) -> PyResult<Self> {
        if tiers.is_empty() {
            return Err(PyValueError::new_err("tiers: expected at least one tier"));
        }
        let tier_names: Vec<String> = tiers
            .iter()
            .map(|(name, _, _)| name.to_lowercase())
            .collect();
        let mut models: Vec<ModelName> = Vec::new();
        let mut tier_models = Vec::new();
        for (tier, (_, model_id, _)) in tiers.iter().enumerate() {
            let index = match models.iter().position(|m| m.text == *model_id) {
                Some(index) => index,
                None => {
                    models.push(ModelName {
                        text: model_id.clone(),
                        object: PyString::new(py, model_id).unbind(),
                        tier: Some(tier),
                    });
                    models.len() - 1
                }
            };
            tier_models.push(index);
        }
        let full = index_of(&templates, &full_template, "full_template")?;
        let [simple, medium, complex]: [(String, usize, String); 3] = levels
            .try_into()
            .map_err(|_| PyValueError::new_err("levels: expected SIMPLE, MEDIUM and COMPLEX"))?;
        let mut level_names = Vec::new();
        let mut level_routes = Vec::new();
        for (name, tier, template) in [simple, medium, complex] {
            let model = *tier_models.get(tier).ok_or_else(|| {
                PyValueError::new_err(format!("levels: tier index {tier} out of range"))
            })?;
            level_routes.push(LevelRoute {
                tier,
                model,
                template: index_of(&templates, &template, "levels")?,
            });
            level_names.push(PyString::new(py, &name).unbind());
        }
        let levels: [LevelRoute; 3] = level_routes
            .try_into()
            .map_err(|_| PyValueError::new_err("levels: expected three"))?;

        let mut rows = Vec::new();
        let mut by_name = HashMap::new();
        let mut needs_minute = false;
        for (name, default_tier, forced_model, plan) in agents {
            let default_model = *tier_models.get(default_tier).ok_or_else(|| {
                PyValueError::new_err(format!(
                    "agents: {name}: tier index {default_tier} out of range"
                ))
            })?;
            let forced = match forced_model {
                None => None,
                Some(model_id) => {
                    let index = match models.iter().position(|m| m.text == model_id) {
                        Some(index) => index,
                        None => {
                            models.push(ModelName {
                                object: PyString::new(py, &model_id).unbind(),
                                text: model_id,
                                tier: None,
                            });
                            models.len() - 1
                        }
                    };
                    Some(Forced {
                        model: Model::Known(index),
                        tier: models[index].tier,
                    })
                }
            };
            let plan = crate::py_rollout::plan_of(&plan)?;
            needs_minute |= plan.needs_minute();
            let mut keys = Vec::new();
            let mut saved = Vec::new();
            for template in &templates {
                let key = (name.clone(), template.clone());
                keys.push(prompt_keys.get(&key).cloned().ok_or_else(|| {
                    PyValueError::new_err(format!("prompt_keys: no key for {name}/{template}"))
                })?);
                saved.push(*reductions.get(&key).ok_or_else(|| {
                    PyValueError::new_err(format!("reductions: none for {name}/{template}"))
                })?);
            }
            by_name.insert(name.clone(), rows.len());
            rows.push(Agent {
                name: PyString::new(py, &name).unbind(),
                name_text: name.clone(),
                route: AgentRoute {
                    default_model,
                    default_tier,
                    forced,
                    plan,
                },
                prompt_keys: keys,
                reductions: saved,
            });
        }
        for (alias, target) in aliases {
            let row = *by_name.get(&target).ok_or_else(|| {
                PyValueError::new_err(format!("aliases: {alias} names unknown agent {target}"))
            })?;
            by_name.entry(alias).or_insert(row);
        }
        Ok(Self {
            scorer,
            routes: Routes {
                levels,
                full_template: full,
                shadow,
            },
            agents: rows,
            by_name: by_name.into_py_dict(py)?.unbind(),
            config_template: template(py, &CONFIG_KEYS)?,
            rollout_template: template(py, &ROLLOUT_KEYS)?,
            shadow_template: template(py, &SHADOW_KEYS)?,
            models,
            tier_objects: tiers
                .iter()
                .map(|(name, _, _)| PyString::new(py, name).unbind())
                .collect(),
            optimal_prompt_sizes: tiers.into_iter().map(|(_, _, size)| size).collect(),
            tier_names,
            tier_models,
            templates: templates
                .iter()
                .map(|t| PyString::new(py, t).unbind())
                .collect(),
            template_texts: templates,
            level_names,
            reasons: Reason::ALL
                .iter()
                .map(|r| PyString::new(py, r.as_str()).unbind())
                .collect(),
            methods: Method::ALL
                .iter()
                .map(|m| PyString::new(py, m.as_str()).unbind())
                .collect(),
            cache,
            stats,
            needs_minute,
        })
    }

    /// The Prometheus model label of `model_id` (for a choice the caller adjusted).
    fn metric_model(&self, model_id: &str) -> String {
        self.model_index(model_id)
            .map_or(OTHER_LABEL, |index| self.label_of(index))
            .to_owned()
    }

    /// Whether `route` needs the minute of the day (some agent has rollout windows).
    #[getter]
    fn needs_minute(&self) -> bool {
        self.needs_minute
    }

    /// Routes one request: (agent, prompt or None, model id, config), or None when
    /// `agent` is not one of the router's exact names (the caller then resolves it).
    /// `prompt` is None when the cache does not hold it (or `skip_cache`): the caller
    /// builds and caches it. `record=False` leaves the statistics to the caller (who
    /// adjusts the choice first). `minute`: minute of the day in the rollout windows'
    /// time zone, required when `needs_minute`.
    #[pyo3(signature = (agent, task = None, user_id = None, facts = None, model_override = None, minute = None, skip_cache = false, record = true))]
    #[allow(clippy::too_many_arguments)]
    fn route<'py>(
        &self,
        py: Python<'py>,
        agent: &Bound<'py, PyAny>,
        task: Option<&Bound<'py, PyAny>>,
        user_id: Option<&Bound<'py, PyAny>>,
        facts: Option<&Bound<'py, PyDict>>,
        model_override: Option<&Bound<'py, PyAny>>,
        minute: Option<u16>,
        skip_cache: bool,
        record: bool,
    ) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let started = Instant::now();
        let name = agent.cast_exact::<PyString>().map_err(|_| {
            PyTypeError::new_err(format!(
                "agent name must be a str, not {}",
                type_name(agent)
            ))
        })?;
        let Some(row) = self.by_name.bind(py).get_item(name)? else {
            return Ok(None);
        };
        let row: usize = row.extract()?;
        let agent = &self.agents[row];
        let user_id = match user_id {
            Some(id) => optional_str(id, "user_id must be a str or None")?,
            None => None,
        };
        let rollout = crate::py_rollout::decide(&agent.route.plan, user_id, minute)?;

        let facts = facts_of(facts)?;
        let task = task.filter(|task| !task.is_none());
        let analysis = match task {
            None => None,
            Some(task) => {
                let text = py_args::text(task, "task_description", Surrogates::Replace)?;
                let [a, b, c, d, e, f, g] = &facts;
                let facts: CallerFacts = caller_facts([
                    a.as_ref(),
                    b.as_ref(),
                    c.as_ref(),
                    d.as_ref(),
                    e.as_ref(),
                    f.as_ref(),
                    g.as_ref(),
                ])?;
                let scorer = self.scorer.get();
                let mut names = Vec::new();
                let analysis = if text.len() > DETACH_ABOVE_BYTES {
                    py.detach(|| scorer.inner.analyze_borrowed(&text, &facts, &mut names))
                } else {
                    scorer.inner.analyze_borrowed(&text, &facts, &mut names)
                };
                Some((analysis, scorer.signals.list(py, &names)?))
            }
        };
        let level = analysis.as_ref().map(|(a, _)| a.level);

        let caller = match model_override {
            Some(value) => optional_str(value, "model_override must be str or None")?,
            None => None,
        };
        let caller = caller.filter(|text| text.len().map_or(true, |n| n > 0));
        let caller_forced = match caller {
            Some(text) => Some(self.caller_forced(&text.to_cow()?)),
            None => None,
        };
        let choice: Choice = self
            .routes
            .choose(&agent.route, rollout, level, caller_forced);

        let model = self.model_object(py, choice.model, caller);
        let prompt = match (&self.cache, skip_cache) {
            (Some(cache), false) => cache
                .get()
                .lookup(py, &agent.prompt_keys[choice.template])?,
            _ => None,
        };
        let reduction = agent.reductions[choice.template];
        let reason = choice.reason;
        let config = self.config_template.bind(py).copy()?;
        config.set_item(
            intern!(py, "selection_method"),
            self.methods[choice.method.index()].bind(py),
        )?;
        config.set_item(intern!(py, "reason"), self.reasons[reason.index()].bind(py))?;
        let tier = choice.tier.map(|tier| self.tier_objects[tier].bind(py));
        config.set_item(intern!(py, "model_tier"), tier)?;
        match &analysis {
            Some((a, signals)) => {
                config.set_item(intern!(py, "complexity_score"), a.score)?;
                config.set_item(
                    intern!(py, "complexity_level"),
                    self.level_names[a.level as usize].bind(py),
                )?;
                config.set_item(intern!(py, "signals"), signals)?;
                config.set_item(intern!(py, "confidence"), a.confidence)?;
            }
            None => {
                config.set_item(intern!(py, "complexity_score"), py.None())?;
                config.set_item(intern!(py, "complexity_level"), py.None())?;
                config.set_item(intern!(py, "signals"), PyList::empty(py))?;
                config.set_item(intern!(py, "confidence"), py.None())?;
            }
        }
        let template = self.templates[choice.template].bind(py);
        config.set_item(intern!(py, "template_used"), template)?;
        config.set_item(intern!(py, "token_reduction_percentage"), reduction)?;
        let size = choice
            .tier
            .map(|tier| self.optimal_prompt_sizes[tier].bind(py));
        config.set_item(intern!(py, "optimal_prompt_size"), size)?;
        let rollout_dict = self.rollout_template.bind(py).copy()?;
        rollout_dict.set_item(intern!(py, "enabled"), choice.rollout.enables())?;
        rollout_dict.set_item(
            intern!(py, "reason"),
            self.reasons[choice.rollout.index()].bind(py),
        )?;
        rollout_dict.set_item(intern!(py, "shadow"), self.routes.shadow)?;
        config.set_item(intern!(py, "rollout"), rollout_dict)?;
        match choice.shadow {
            None => config.set_item(intern!(py, "shadow"), py.None())?,
            Some(view) => {
                let shadow = self.shadow_template.bind(py).copy()?;
                shadow.set_item(
                    intern!(py, "model"),
                    self.model_object(py, view.model, caller),
                )?;
                shadow.set_item(
                    intern!(py, "template_used"),
                    self.templates[view.template].bind(py),
                )?;
                let level = view
                    .level
                    .map(|level: Level| self.level_names[level as usize].bind(py));
                shadow.set_item(intern!(py, "complexity_level"), level)?;
                config.set_item(intern!(py, "shadow"), shadow)?;
            }
        }

        if record {
            if let Some(stats) = &self.stats {
                let caller_text;
                let (model_text, metric_model) = match choice.model {
                    Model::Known(index) => (self.models[index].text.as_str(), self.label_of(index)),
                    Model::Caller => {
                        caller_text = caller
                            .map(|text| text.to_cow())
                            .transpose()?
                            .unwrap_or_default();
                        (&*caller_text, OTHER_LABEL)
                    }
                };
                let selection = crate::stats::Selection {
                    agent: &agent.name_text,
                    model: model_text,
                    metric_model,
                    method: choice.method.as_str(),
                    template: &self.template_texts[choice.template],
                    level: level.map(|level| level as u8),
                    token_reduction: reduction,
                    rollout_reason: choice.rollout.as_str(),
                    shadow: self.routes.shadow,
                    latency_seconds: started.elapsed().as_secs_f64(),
                };
                stats
                    .get()
                    .inner
                    .record(&selection, unix_now())
                    .map_err(CoreError::from)?;
            }
        }
        let prompt = prompt.map_or_else(|| py.None().into_bound(py), |p| p.into_bound(py));
        Ok(Some(PyTuple::new(
            py,
            [
                agent.name.bind(py).clone().into_any(),
                prompt,
                model,
                config.into_any(),
            ],
        )?))
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyRouter>()
}
