//! Loading the config in layers: built-in defaults, then the TOML file, then `STINT_`
//! variables, each mistake reported with its line or the variable's name.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{Config, ConfigError, env, schema};
use crate::policy::source::{self, SourceMap};

impl Config {
    /// Loads the config: defaults, then the file (when given), then the `STINT_`
    /// variables among `vars` (pass `std::env::vars()`).
    pub fn load(
        path: Option<&Path>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let Some(path) = path else {
            return Config::from_toml("(defaults)", "", vars, PathBuf::from("."));
        };
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Config::from_toml(&path.display().to_string(), &text, vars, base)
    }

    /// As [`Config::load`], from text. `name` is what messages call the file.
    pub fn from_toml(
        name: &str,
        text: &str,
        vars: impl IntoIterator<Item = (String, String)>,
        base_dir: PathBuf,
    ) -> Result<Config, ConfigError> {
        let map = SourceMap::new(name, text);
        let at = |span: Option<std::ops::Range<usize>>| {
            let loc = span.map_or(source::Location { line: 1, column: 1 }, |s| {
                map.location(s.start)
            });
            format!("{name}:{loc}")
        };
        // The file alone first, so its mistakes are reported with their line.
        let mut file: toml::Table = toml::from_str(text).map_err(|e| {
            ConfigError::Invalid(vec![format!(
                "{}: error: {}",
                at(e.span()),
                one_line(e.message())
            )])
        })?;
        if let Err(e) = toml::from_str::<Config>(text) {
            return Err(ConfigError::Invalid(vec![format!(
                "{}: error: {}",
                at(e.span()),
                one_line(e.message())
            )]));
        }

        let schema = schema();
        let mut problems = Vec::new();
        for o in env::overrides(vars, &schema) {
            let mut next = file.clone();
            if let Err(e) = env::apply(&mut next, &schema, &o) {
                problems.push(format!("{}: error: {e}", o.var));
                continue;
            }
            match Config::deserialize(toml::Value::Table(next.clone())) {
                Ok(_) => file = next,
                Err(e) => problems.push(format!("{}: error: {}", o.var, one_line(e.message()))),
            }
        }
        if !problems.is_empty() {
            return Err(ConfigError::Invalid(problems));
        }
        let mut config = Config::deserialize(toml::Value::Table(file)).map_err(|e| {
            ConfigError::Invalid(vec![format!("{name}: error: {}", one_line(e.message()))])
        })?;
        config.base_dir = base_dir;

        let spanned = source::parse(&map).ok();
        let problems: Vec<String> = config
            .problems()
            .into_iter()
            .map(|(key, message)| {
                let origin = spanned
                    .as_ref()
                    .and_then(|root| source::find(root, &key))
                    .map(|entry| at(Some(entry.node.span.clone())))
                    .unwrap_or_else(|| format!("{name}: `{}`", key.join(".")));
                format!("{origin}: error: {message}")
            })
            .collect();
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError::Invalid(problems))
        }
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
