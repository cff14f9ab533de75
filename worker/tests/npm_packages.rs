//! Real npm packages, installed as an operator installs them (`npm ci` in
//! `tests/packages`, which `scripts/ensure-node.sh` runs), each called from a job in
//! both forms: `require` in a CommonJS job and `import` in an ES module job. The
//! worker gets the folder npm ran in, as `--modules-dir` would.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use common::*;
use serde_json::{Value, json};
use warren_testkit::http_stub::HttpStub;
use warren_wire::{ErrorKind, Outcome};
use warren_worker::egress::{EgressConfig, EgressPolicy, FetchCaps};
use warren_worker::sandbox::{Engine, EngineConfig, Library, ModuleTable, PoolLimits};

/// A package, what a job does with it (`P` is the package: `require`'s value, and
/// the default import or the namespace as `import` gives it), and what that gives.
struct Case {
    package: &'static str,
    import: Import,
    call: &'static str,
    expected: fn() -> Value,
}

/// How an ES module job imports the package, as its documentation shows.
#[derive(Clone, Copy)]
enum Import {
    /// `import P from 'pkg'`: CommonJS packages whose `module.exports` is the API.
    Default,
    /// `import * as P from 'pkg'`: packages of named exports.
    Namespace,
}

const CASES: &[Case] = &[
    Case {
        package: "lodash",
        import: Import::Default,
        call: "P.chunk([1, 2, 3, 4, 5], 2)",
        expected: || json!([[1, 2], [3, 4], [5]]),
    },
    Case {
        package: "lodash-es",
        import: Import::Namespace,
        call: "P.sortBy([{ n: 2 }, { n: 1 }], 'n').map((o) => o.n)",
        expected: || json!([1, 2]),
    },
    Case {
        package: "dayjs",
        import: Import::Default,
        call: "P('2026-01-01T00:00:00Z').add(1, 'day').toISOString()",
        expected: || json!("2026-01-02T00:00:00.000Z"),
    },
    Case {
        package: "date-fns",
        import: Import::Namespace,
        call: "P.formatISO(P.addDays(new Date(Date.UTC(2026, 0, 31)), 1), { representation: 'date' })",
        expected: || json!("2026-02-01"),
    },
    Case {
        package: "uuid",
        import: Import::Namespace,
        call: "[P.validate(P.v4()), P.version(P.v4())]",
        expected: || json!([true, 4]),
    },
    Case {
        package: "nanoid",
        import: Import::Namespace,
        call: "P.nanoid().length",
        expected: || json!(21),
    },
    Case {
        package: "zod",
        import: Import::Namespace,
        call: "[P.z.object({ a: P.z.number() }).safeParse({ a: 1 }).success, P.z.string().email().safeParse('x').success]",
        expected: || json!([true, false]),
    },
    Case {
        package: "ms",
        import: Import::Default,
        call: "P('2 days')",
        expected: || json!(172_800_000),
    },
    Case {
        package: "semver",
        import: Import::Default,
        call: "[P.satisfies('1.2.3', '^1.0.0'), P.gt('2.0.0', '1.9.9')]",
        expected: || json!([true, true]),
    },
    Case {
        package: "validator",
        import: Import::Default,
        call: "[P.isEmail('ada@example.com'), P.isEmail('nope')]",
        expected: || json!([true, false]),
    },
    Case {
        package: "crypto-js",
        import: Import::Default,
        call: "P.SHA256('abc').toString()",
        expected: || json!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    },
    Case {
        package: "papaparse",
        import: Import::Default,
        call: "P.parse('a,b\\n1,2').data",
        expected: || json!([["a", "b"], ["1", "2"]]),
    },
    Case {
        package: "marked",
        import: Import::Namespace,
        call: "P.marked.parse('# hi')",
        expected: || json!("<h1>hi</h1>\n"),
    },
    Case {
        package: "yaml",
        import: Import::Namespace,
        call: "P.parse('a: 1\\nb: [x, y]')",
        expected: || json!({ "a": 1, "b": ["x", "y"] }),
    },
    Case {
        package: "qs",
        import: Import::Default,
        call: "P.parse('a[b]=1&c=2')",
        expected: || json!({ "a": { "b": "1" }, "c": "2" }),
    },
    Case {
        package: "mathjs",
        import: Import::Namespace,
        call: "P.evaluate('2 + 3 * 4')",
        expected: || json!(14),
    },
];

/// The folder `npm ci` ran in.
fn packages_folder() -> PathBuf {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/packages");
    assert!(
        folder.join("node_modules/lodash").is_dir(),
        "run `npm ci --omit=dev` in {} first (scripts/ensure-node.sh does)",
        folder.display()
    );
    folder
}

fn corpus_engine() -> Engine {
    let library = Library::load(&packages_folder()).expect("the package folder reads");
    let names: Vec<&str> = CASES.iter().map(|case| case.package).collect();
    // mathjs is large: evaluating it takes most of a second in a debug build.
    let limits = PoolLimits {
        timeout_ms: 30_000,
        memory_mb: 256,
        ..PoolLimits::default()
    };
    engine_with_library_and_limits(library, &names, limits)
}

#[test]
fn every_package_of_the_corpus_runs_in_both_forms() {
    let engine = corpus_engine();
    let mut failures = Vec::new();
    for case in CASES {
        let package = case.package;
        let call = case.call;
        let import = match case.import {
            Import::Default => format!("import P from '{package}';"),
            Import::Namespace => format!("import * as P from '{package}';"),
        };
        let forms = [
            format!("const P = require('{package}'); module.exports = () => {call};"),
            format!("{import} export default () => {call};"),
        ];
        for code in forms {
            let report = run(&engine, &code, "null");
            match &report.run.outcome {
                Outcome::Ok(value)
                    if serde_json::from_str::<Value>(value.get()).ok()
                        == Some((case.expected)()) => {}
                other => failures.push(format!("{code}\n  -> {other:?}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The function this project was started for, as its customers wrote it: axios,
/// required inside the function, against a server the pool grants.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_origin_story_runs_as_written() {
    let stub = HttpStub::start().await;
    let library = Library::load(&packages_folder()).expect("the package folder reads");
    let table = ModuleTable::new(["axios".to_string()]).with_library(Arc::new(library));
    let engine = Engine::start(EngineConfig {
        isolation: isolation(),
        modules: Arc::new(table),
        egress: Some(EgressConfig {
            policy: EgressPolicy::new(vec![stub.addr.to_string().parse().expect("pattern")], &[]),
            caps: FetchCaps::default(),
        }),
        ..EngineConfig::default()
    })
    .expect("engine starts");
    let url = stub.url("/json");
    for code in [
        format!(
            "module.exports = async () => {{ const axios = require('axios'); const res = await axios.get('{url}'); return res.data }}"
        ),
        format!(
            "import axios from 'axios'; export default async () => (await axios.get('{url}', {{ timeout: 5000 }})).data"
        ),
    ] {
        let report = engine.run(request(&code, "null")).await;
        match report.run.outcome {
            Outcome::Ok(value) => assert_eq!(
                serde_json::from_str::<Value>(value.get()).expect("JSON"),
                json!({"name": "warren", "items": [1, 2, 3]}),
                "{code}"
            ),
            Outcome::Error(err) => panic!("{code}: {err:?}"),
        }
    }
    // A timeout axios enforces itself, through an AbortSignal on its request.
    let slow = stub.url("/slow?ms=3000");
    let code = format!(
        "const axios = require('axios'); module.exports = () => axios.get('{slow}', {{ timeout: 50 }}).then(() => 'answered', (e) => e.code)"
    );
    let report = engine.run(request(&code, "null")).await;
    match report.run.outcome {
        Outcome::Ok(value) => assert!(
            [r#""ECONNABORTED""#, r#""ETIMEDOUT""#].contains(&value.get()),
            "{}",
            value.get()
        ),
        Outcome::Error(err) => panic!("{err:?}"),
    }
}

/// Template and schema libraries compile what they are given into functions: with
/// `--allow-eval` they run; without, they fail as the pool's choice says.
#[test]
fn packages_that_compile_code_run_where_the_pool_allows_eval() {
    let library = || Library::load(&packages_folder()).expect("the package folder reads");
    let start = |allow_eval: bool| {
        let table = ModuleTable::new(["handlebars".to_string(), "ajv".to_string()])
            .with_library(Arc::new(library()));
        Engine::start(EngineConfig {
            slots: 1,
            isolation: isolation(),
            limits: PoolLimits {
                timeout_ms: 30_000,
                memory_mb: 256,
                ..PoolLimits::default()
            },
            modules: Arc::new(table),
            allow_eval,
            ..EngineConfig::default()
        })
        .expect("engine starts")
    };
    let jobs = [
        (
            "const Handlebars = require('handlebars'); module.exports = (i) => Handlebars.compile('Hi {{name}}!')(i);",
            json!("Hi Ada!"),
        ),
        (
            "import Ajv from 'ajv'; export default (i) => new Ajv().compile({ type: 'object', required: ['name'] })(i);",
            json!(true),
        ),
    ];
    let allowing = start(true);
    for (code, expected) in &jobs {
        assert_eq!(
            ok(&allowing, code, r#"{"name": "Ada"}"#),
            *expected,
            "{code}"
        );
    }
    let refusing = start(false);
    for (code, _) in &jobs {
        let message = fails(&refusing, code, r#"{"name": "Ada"}"#, ErrorKind::Exception);
        assert!(
            message.contains("eval is not supported"),
            "{code}: {message}"
        );
    }
}
