//! `warren run`: a function run locally, with no broker. Outputs and exit codes.

use std::process::{Command, Output};

use serde_json::{Value, json};
use warren_testkit::http_stub::HttpStub;
use warren_testkit::pipe::{assert_ended_quietly, closed_pipe};

/// Runs the `warren` binary from the workspace root (where `examples/` is).
fn warren(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_warren"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("run warren")
}

#[test]
fn run_exit_codes() {
    let ok = warren(&["run", "examples/hello.js", "--input", r#"{"name":"Ada"}"#]);
    assert_eq!(ok.status.code(), Some(0));
    let result: Value = serde_json::from_slice(&ok.stdout).expect("result JSON");
    assert_eq!(result["value"], json!({"greeting": "Hello, Ada!"}));
    let timeout = warren(&["run", "examples/runaway.js", "--timeout-ms", "50"]);
    assert_eq!(timeout.status.code(), Some(1));
    let result: Value = serde_json::from_slice(&timeout.stdout).expect("result JSON");
    assert_eq!(result["error"]["kind"], "timeout");
    assert_eq!(
        warren(&["run", "examples/hello.js", "--input", "{nope"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        warren(&["run", "examples/missing.js"]).status.code(),
        Some(2)
    );
    assert_eq!(
        warren(&["run", "examples/hello.js", "--allow-module", "fs"])
            .status
            .code(),
        Some(2)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warren_run_grants_fetch_with_allow_host() {
    let stub = HttpStub::start().await;
    let input = json!({"url": stub.url("/json"), "field": "items"}).to_string();
    let run = |extra: Vec<String>| {
        let mut args = vec![
            "run".to_owned(),
            "examples/fetch-field.js".into(),
            "--input".into(),
            input.clone(),
        ];
        args.extend(extra);
        // Blocking, off the runtime that serves the stub.
        tokio::task::spawn_blocking(move || {
            warren(&args.iter().map(String::as_str).collect::<Vec<_>>())
        })
    };
    let granted = run(vec!["--allow-host".into(), stub.addr.to_string()])
        .await
        .expect("warren run");
    let body: Value = serde_json::from_slice(&granted.stdout).expect("result body");
    assert_eq!(granted.status.code(), Some(0), "{body}");
    assert_eq!(body["value"], json!([1, 2, 3]));
    // Without the grant there is no fetch at all.
    let denied = run(vec![]).await.expect("warren run");
    let body: Value = serde_json::from_slice(&denied.stdout).expect("result body");
    assert_eq!(denied.status.code(), Some(1));
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("fetch is not defined")),
        "{body}"
    );
    assert_eq!(stub.requests(), 1);
}

/// `warren … | head -c 0`: when its reader has gone away, `warren` ends quietly, as
/// SIGPIPE ends any Unix tool, never with a panic.
#[test]
fn a_closed_standard_output_ends_warren_quietly() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_warren"))
            .args(args)
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .stdout(closed_pipe())
            .output()
            .expect("run warren")
    };
    for args in [
        &["run", "examples/hello.js", "--input", r#"{"name":"Ada"}"#][..],
        &["run", "examples/hello.js", "--pretty"],
        &["run", "examples/runaway.js", "--timeout-ms", "50"],
    ] {
        let out = run(args);
        assert_ended_quietly(&out, &format!("{args:?}"));
    }
    // Help goes through clap, which ignores the failed write: no panic either.
    let out = run(&["--help"]);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An npm folder as `--modules-dir`, and `--allow-eval`, as on a worker.
#[test]
fn warren_run_takes_an_npm_folder_and_allow_eval() {
    let dir = std::env::temp_dir().join(format!("warren-run-eval-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let function = dir.join("greet.js");
    std::fs::write(
        &function,
        "const Handlebars = require('handlebars'); module.exports = (i) => Handlebars.compile('Hi {{name}}!')(i);",
    )
    .expect("write");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            function.to_str().expect("utf8"),
            "--modules-dir",
            "tests/packages",
            "--allow-module",
            "handlebars",
            "--input",
            r#"{"name":"Ada"}"#,
        ];
        args.extend_from_slice(extra);
        warren(&args)
    };
    let allowed = run(&["--allow-eval"]);
    assert_eq!(allowed.status.code(), Some(0), "{allowed:?}");
    let result: Value = serde_json::from_slice(&allowed.stdout).expect("result JSON");
    assert_eq!(result["value"], json!("Hi Ada!"));
    let refused = run(&[]);
    assert_eq!(refused.status.code(), Some(1));
    let result: Value = serde_json::from_slice(&refused.stdout).expect("result JSON");
    assert_eq!(result["error"]["message"], json!("eval is not supported"));
    std::fs::remove_dir_all(dir).ok();
}
