//! `Intl` against Node 20's answers: every case of `fixtures/intl/cases.json` runs in
//! a job, and its answer is compared with Node's (`fixtures/intl/node.json`, written
//! by `scripts/intl-fixture.mjs`). Where Warren knowingly answers otherwise, the
//! case is in `fixtures/intl/differences.json` with Warren's answer and the reason;
//! a listed case that starts to match fails too, so the list stays true.

mod common;

use common::*;
use serde_json::{Value, json};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/intl/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{path}: {err}"))
}

/// Each case's answer in a job: `{value}` or `{error: <constructor name>}`, as the
/// fixture script records Node's.
fn answers_in_a_job(exprs: &[&str]) -> Vec<Value> {
    let runs: Vec<String> = exprs.iter().map(|expr| format!("() => ({expr})")).collect();
    let code = format!(
        "const DEBUG = {};\nexport default () => [{}].map((run) => {{
            try {{ return {{ value: run() }}; }} catch (e) {{ return {{ error: e.constructor.name, ...(DEBUG ? {{ message: String(e.message) }} : {{}}) }}; }}
        }})",
        std::env::var_os("WARREN_INTL_DEBUG").is_some(),
        runs.join(",\n")
    );
    match ok(&engine(), &code, "null") {
        Value::Array(answers) => answers,
        other => panic!("not a list: {other}"),
    }
}

#[test]
fn intl_answers_as_node_20_does_except_where_listed() {
    let node = fixture("node.json");
    let differences = fixture("differences.json");
    let expected: Vec<(&str, Value)> = node["answers"]
        .as_array()
        .expect("answers")
        .iter()
        .map(|answer| {
            let expr = answer["expr"].as_str().expect("expr");
            let mut answer = answer.clone();
            answer.as_object_mut().expect("object").remove("expr");
            (expr, answer)
        })
        .collect();
    let exprs: Vec<&str> = expected.iter().map(|(expr, _)| *expr).collect();
    let got = answers_in_a_job(&exprs);
    let mut wrong = Vec::new();
    for ((expr, node), warren) in expected.iter().zip(&got) {
        match differences.get(*expr) {
            Some(known) if known["warren"] == *warren && *warren != *node => {}
            Some(known) => wrong.push(format!(
                "{expr}\n  listed as answering {}, answers {warren} (Node: {node})",
                known["warren"]
            )),
            None if warren != node => {
                wrong.push(format!("{expr}\n  Warren: {warren}\n  Node:   {node}"))
            }
            None => {}
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases:\n{}",
        wrong.len(),
        exprs.len(),
        wrong.join("\n")
    );
}

#[test]
fn locale_methods_work_before_intl_is_touched() {
    // Each in a fresh job: in runtimes built per job (`--snapshots false`) the
    // standard library's methods load `Intl` themselves on first use.
    let engine = engine();
    for (code, expected) in [
        (
            "export default () => (1234.5).toLocaleString('de-DE')",
            json!("1.234,5"),
        ),
        (
            "export default () => 12345678901234567890n.toLocaleString('en-US')",
            json!("12,345,678,901,234,567,890"),
        ),
        (
            "export default () => new Date(0).toLocaleDateString('de-DE', {month: 'long'})",
            json!("Januar"),
        ),
        (
            "export default () => new Date(Date.UTC(2020, 0, 2)).toLocaleString('en-US', {timeZone: 'Asia/Tokyo'})",
            json!("1/2/2020, 9:00:00 AM"),
        ),
        (
            "export default () => ['b', 'ä', 'a'].sort((x, y) => x.localeCompare(y, 'de'))",
            json!(["a", "ä", "b"]),
        ),
        (
            "export default () => [Number.prototype.toLocaleString.length, String.prototype.localeCompare.length, Date.prototype.toLocaleString.name]",
            json!([0, 1, "toLocaleString"]),
        ),
    ] {
        assert_eq!(ok(&engine, code, "null"), expected, "{code}");
    }
}

#[test]
fn what_a_job_does_to_intl_is_gone_in_the_next_job() {
    let engine = engine();
    let spoil = r"export default () => {
        Intl.NumberFormat = null;
        Object.defineProperty(Intl.DateTimeFormat.prototype, 'format', { value: null });
        Number.prototype.toLocaleString = () => 'spoiled';
        delete globalThis.Intl;
        return typeof Intl;
    }";
    // In a runtime built per job the global lives on the lazy object behind the
    // global object, which `delete` does not reach (sandbox_basics says so).
    let after_delete = if snapshots() { "undefined" } else { "object" };
    assert_eq!(ok(&engine, spoil, "null"), json!(after_delete));
    let check = r"export default () => [typeof Intl.NumberFormat, (5).toLocaleString('en', {minimumFractionDigits: 1}),
        new Intl.DateTimeFormat('en', {timeZone: 'UTC'}).format(0)]";
    for _ in 0..3 {
        assert_eq!(
            ok(&engine, check, "null"),
            json!(["function", "5.0", "1/1/1970"])
        );
    }
}

#[test]
fn options_are_read_once_each_in_the_specification_order() {
    // A Proxy logs what Intl reads: the names and order Node 20 reads.
    let got = ok(
        &engine(),
        r"export default () => {
            const read = [];
            const options = new Proxy({ style: 'currency', currency: 'EUR' }, {
                get(target, key) { read.push(key); return target[key]; },
            });
            new Intl.NumberFormat('de', options);
            return read;
        }",
        "null",
    );
    assert_eq!(
        got,
        json!([
            "localeMatcher",
            "numberingSystem",
            "style",
            "currency",
            "currencyDisplay",
            "currencySign",
            "unit",
            "unitDisplay",
            "roundingIncrement",
            "notation",
            "minimumIntegerDigits",
            "minimumFractionDigits",
            "maximumFractionDigits",
            "minimumSignificantDigits",
            "maximumSignificantDigits",
            "roundingPriority",
            "trailingZeroDisplay",
            "compactDisplay",
            "useGrouping",
            "signDisplay",
            "roundingMode"
        ])
    );
}
