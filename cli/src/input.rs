//! Reading code and input arguments: a literal, `@file`, or `-` for standard input.

use std::io::Read;

use anyhow::Context;
use serde_json::value::RawValue;

/// Reads a code argument: a path, or `-` for standard input.
pub fn read_code(path: &str) -> anyhow::Result<String> {
    if path == "-" {
        let mut code = String::new();
        std::io::stdin()
            .read_to_string(&mut code)
            .context("cannot read code from standard input")?;
        return Ok(code);
    }
    std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))
}

/// Parses `--input`: JSON text, or `@path` to a JSON file; absent means `null`.
pub fn parse_input(arg: Option<&str>) -> anyhow::Result<Box<RawValue>> {
    let text = match arg {
        None => return Ok(warren_wire::job::null_value()),
        Some(arg) => match arg.strip_prefix('@') {
            Some(path) => std::fs::read_to_string(path)
                .with_context(|| format!("cannot read --input file {path}"))?,
            None => arg.to_owned(),
        },
    };
    let value: Box<RawValue> = serde_json::from_str(text.trim())
        .map_err(|err| anyhow::anyhow!("--input is not valid JSON: {err}"))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_file_and_default() {
        assert_eq!(parse_input(None).expect("null").get(), "null");
        assert_eq!(
            parse_input(Some(r#"{"a": 1}"#)).expect("json").get(),
            r#"{"a": 1}"#
        );
        assert!(parse_input(Some("{a: 1}")).is_err());
        let path = std::env::temp_dir().join(format!("warren-input-{}.json", std::process::id()));
        std::fs::write(&path, "[1, 2]\n").expect("write");
        let arg = format!("@{}", path.display());
        assert_eq!(parse_input(Some(&arg)).expect("file").get(), "[1, 2]");
        std::fs::remove_file(path).ok();
        assert!(parse_input(Some("@/no/such/file.json")).is_err());
    }
}
