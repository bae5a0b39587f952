//! The environment layer: `STINT_`-prefixed variables override the file.
//!
//! The name is the key path in upper case, with `__` between a table and its key:
//! `STINT_LISTEN` sets `listen`, `STINT_DATABASE_URL` sets `database_url`,
//! `STINT_IDENTITY_CENTER__REGION` sets `region` in `[identity_center]`. Values take the
//! type the key has: `true`/`false` for switches, and for lists either a comma-separated
//! string (`STINT_IDENTITY_CENTER__STS_HOSTS=a,b`) or a TOML array. Variables whose first
//! segment is not a config key (other Stint tools share the prefix) are ignored.

use toml::{Table, Value};

pub const PREFIX: &str = "STINT_";

/// One variable that applies to the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The variable's name, for messages.
    pub var: String,
    pub path: Vec<String>,
    pub raw: String,
}

/// The variables that name config keys. `schema` is the default config as a table, so
/// the variable's path can be checked and its value typed.
pub fn overrides(
    vars: impl IntoIterator<Item = (String, String)>,
    schema: &Table,
) -> Vec<Override> {
    let mut out: Vec<Override> = vars
        .into_iter()
        .filter_map(|(var, raw)| {
            let rest = var.strip_prefix(PREFIX)?;
            let path: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
            let first = path.first()?;
            schema
                .contains_key(first)
                .then_some(Override { var, path, raw })
        })
        .collect();
    // Deterministic order, so two variables for one key resolve the same way every time.
    out.sort_by(|a, b| a.var.cmp(&b.var));
    out
}

/// Sets one override in `table`, typed after the schema. Errors say what was wrong.
pub fn apply(table: &mut Table, schema: &Table, o: &Override) -> Result<(), String> {
    let (last, parents) = o
        .path
        .split_last()
        .ok_or_else(|| format!("{} names no key", o.var))?;
    let mut here = table;
    let mut shape = Some(schema);
    for key in parents {
        shape = shape.and_then(|s| s.get(key)).and_then(Value::as_table);
        if shape.is_none() {
            return Err(format!("{}: the config has no table `{key}`", o.var));
        }
        let entry = here
            .entry(key.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        here = match entry {
            Value::Table(t) => t,
            _ => {
                return Err(format!(
                    "{}: `{key}` is not a table in the config file",
                    o.var
                ));
            }
        };
    }
    let kind = shape.and_then(|s| s.get(last));
    let value = typed(&o.raw, kind).map_err(|e| format!("{}: {e}", o.var))?;
    here.insert(last.clone(), value);
    Ok(())
}

fn typed(raw: &str, like: Option<&Value>) -> Result<Value, String> {
    match like {
        Some(Value::Boolean(_)) => match raw.trim() {
            "true" | "1" | "yes" => Ok(Value::Boolean(true)),
            "false" | "0" | "no" => Ok(Value::Boolean(false)),
            other => Err(format!("expected true or false, not \"{other}\"")),
        },
        Some(Value::Integer(_)) => raw
            .trim()
            .parse::<i64>()
            .map(Value::Integer)
            .map_err(|_| format!("expected a whole number, not \"{raw}\"")),
        Some(Value::Array(_)) => {
            let trimmed = raw.trim();
            if trimmed.starts_with('[') {
                let doc: Table = toml::from_str(&format!("v = {trimmed}"))
                    .map_err(|e| format!("not a TOML list: {}", e.message()))?;
                doc.get("v")
                    .cloned()
                    .ok_or_else(|| "not a TOML list".to_owned())
            } else {
                Ok(Value::Array(
                    trimmed
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| Value::String(s.to_owned()))
                        .collect(),
                ))
            }
        }
        Some(Value::Table(_)) => {
            Err("names a table; set its keys with __, e.g. STINT_TABLE__KEY".to_owned())
        }
        // Strings, and optional keys the defaults leave out (all of them strings).
        _ => Ok(Value::String(raw.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Table {
        toml::from_str(
            "listen = \"x\"\nflag = true\nn = 3\n[ic]\nregion = \"r\"\nhosts = [\"a\"]\n",
        )
        .unwrap()
    }

    #[test]
    fn names_map_to_paths_and_unrelated_variables_are_ignored() {
        let vars = vec![
            ("STINT_IC__REGION".to_owned(), "eu-west-1".to_owned()),
            ("STINT_TEST_POSTGRES".to_owned(), "x".to_owned()),
            ("HOME".to_owned(), "/root".to_owned()),
            ("STINT_LISTEN".to_owned(), "0.0.0.0:1".to_owned()),
        ];
        let o = overrides(vars, &schema());
        let paths: Vec<_> = o.iter().map(|o| o.path.join(".")).collect();
        assert_eq!(paths, ["ic.region", "listen"]);
    }

    #[test]
    fn values_take_the_type_of_their_key() {
        let schema = schema();
        let mut t = Table::new();
        for (var, raw) in [
            ("STINT_FLAG", "false"),
            ("STINT_N", "42"),
            ("STINT_IC__HOSTS", "a.example, http://b:1"),
            ("STINT_IC__REGION", "123"),
        ] {
            let o = &overrides([(var.to_owned(), raw.to_owned())], &schema)[0];
            apply(&mut t, &schema, o).unwrap();
        }
        assert_eq!(t["flag"], Value::Boolean(false));
        assert_eq!(t["n"], Value::Integer(42));
        assert_eq!(
            t["ic"]["hosts"],
            Value::Array(vec!["a.example".into(), "http://b:1".into()])
        );
        // A string key stays a string even when it looks like a number (account ids).
        assert_eq!(t["ic"]["region"], Value::String("123".into()));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let schema = schema();
        let o = &overrides([("STINT_FLAG".to_owned(), "maybe".to_owned())], &schema)[0];
        let err = apply(&mut Table::new(), &schema, o).unwrap_err();
        assert!(
            err.starts_with("STINT_FLAG: expected true or false"),
            "{err}"
        );
    }
}
