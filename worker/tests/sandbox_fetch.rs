//! `fetch` behind the egress allowlist, against a local stand-in server: every
//! documented outcome, in the sandbox processes a worker runs (or thread slots, with
//! `WARREN_TEST_ISOLATION=thread`).

mod common;

use std::sync::Arc;
use std::time::Instant;

use serde_json::value::RawValue;
use serde_json::{Value, json};
use warren_testkit::http_stub::HttpStub;
use warren_wire::{ErrorKind, JobLimits, Outcome};
use warren_worker::egress::{EgressConfig, EgressPolicy, FetchCaps};
use warren_worker::sandbox::{Engine, EngineConfig, JobRequest, ModuleTable, PoolLimits};

fn engine_for(hosts: &[String], caps: FetchCaps, slots: usize) -> Engine {
    let patterns = hosts.iter().map(|h| h.parse().expect("pattern")).collect();
    Engine::start(EngineConfig {
        slots,
        limits: PoolLimits {
            timeout_ms: 3_000,
            ..PoolLimits::default()
        },
        isolation: common::isolation(),
        modules: Arc::new(ModuleTable::default()),
        egress: Some(EgressConfig {
            policy: EgressPolicy::new(patterns, &[]),
            caps,
        }),
        ..EngineConfig::default()
    })
    .expect("engine")
}

/// An engine allowed to reach the stub (by address, as the tests must).
fn engine(stub: &HttpStub) -> Engine {
    engine_for(&[stub.addr.to_string()], FetchCaps::default(), 2)
}

fn request(code: &str, input: Value, limits: JobLimits) -> JobRequest {
    JobRequest {
        job_id: "fetch-job".into(),
        attempt: 1,
        code: code.into(),
        input: RawValue::from_string(input.to_string()).expect("json"),
        limits,
    }
}

/// Runs a job; its value, or its error kind and message.
async fn run(engine: &Engine, code: &str, input: Value) -> Result<Value, (ErrorKind, String)> {
    run_with(engine, code, input, JobLimits::default()).await
}

async fn run_with(
    engine: &Engine,
    code: &str,
    input: Value,
    limits: JobLimits,
) -> Result<Value, (ErrorKind, String)> {
    match engine.run(request(code, input, limits)).await.run.outcome {
        Outcome::Ok(value) => Ok(serde_json::from_str(value.get()).expect("value")),
        Outcome::Error(error) => Err((error.kind, error.message)),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allowed_host_answers_get_and_post() {
    let stub = HttpStub::start().await;
    let engine = engine(&stub);
    let got = run(
        &engine,
        "export default async (url) => { const r = await fetch(url); \
         return { ok: r.ok, status: r.status, type: r.headers.get('Content-Type'), body: await r.json() } }",
        json!(stub.url("/json")),
    )
    .await;
    assert_eq!(
        got,
        Ok(
            json!({"ok": true, "status": 200, "type": "application/json", "body": {"name": "warren", "items": [1, 2, 3]}})
        )
    );
    let posted = run(
        &engine,
        "export default async (url) => { \
           const r = await fetch(url, { method: 'post', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: 1 }) }); \
           return { method: r.headers.get('x-method'), type: r.headers.get('x-content-type'), echo: await r.text(), bytes: (await fetch(url, { method: 'POST', body: new Uint8Array([104, 105]) }).then(r => r.arrayBuffer())).byteLength } }",
        json!(stub.url("/echo")),
    )
    .await;
    assert_eq!(
        posted,
        Ok(json!({"method": "POST", "type": "application/json", "echo": "{\"a\":1}", "bytes": 2}))
    );
}

/// In a pool granted egress, `fetch` and its classes are globals like Warren's others:
/// made in the snapshot as the global object's own properties, `fetch` enumerable as
/// in Node, the classes not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_and_its_classes_are_own_globals_of_a_granted_pool() {
    let stub = HttpStub::start().await;
    let engine = engine(&stub);
    let described = run(
        &engine,
        "export default () => ['fetch', 'Headers', 'Request', 'Response'].map((name) => { \
           const d = Object.getOwnPropertyDescriptor(globalThis, name); \
           return d && [typeof d.value, d.writable, d.enumerable, d.configurable]; })",
        json!(null),
    )
    .await;
    assert_eq!(
        described,
        Ok(json!([
            ["function", true, true, true],
            ["function", true, false, true],
            ["function", true, false, true],
            ["function", true, false, true]
        ]))
    );
}

/// A lone surrogate in a URL, a body or a header value goes out as U+FFFD (WHATWG's
/// USVString), as any other character would, never a failed call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lone_surrogates_in_requests_are_converted_as_whatwg_does() {
    let stub = HttpStub::start().await;
    let engine = engine(&stub);
    let got = run(
        &engine,
        r"export default async (base) => {
            const echoed = await (await fetch(base + '/echo', { method: 'POST', body: 'a\udc00b' })).text();
            const found = (await fetch(base + '/json?q=\ud800')).status;
            let header;
            try { await fetch(base + '/json', { headers: { 'x-a': 'x\udc00' } }); header = 'sent'; }
            catch (e) { header = e.name; }
            return { echoed, found, header };
        }",
        json!(stub.url("")),
    )
    .await;
    assert_eq!(
        got,
        Ok(json!({"echoed": "a\u{fffd}b", "found": 200, "header": "sent"}))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosts_off_the_allowlist_are_refused_and_the_refusal_can_be_caught() {
    let stub = HttpStub::start().await;
    let engine = engine(&stub);
    let refused = run(
        &engine,
        "export default async () => (await fetch('http://example.com/')).status",
        json!(null),
    )
    .await;
    let (kind, message) = refused.expect_err("refused");
    assert_eq!(kind, ErrorKind::Exception);
    assert!(
        message.contains("not on this pool's egress allowlist"),
        "{message}"
    );
    let caught = run(
        &engine,
        "export default async () => { try { await fetch('https://169.254.169.254/latest/meta-data'); return 'reached' } \
         catch (e) { return e.name + ': ' + e.message } }",
        json!(null),
    )
    .await
    .expect("caught");
    assert!(
        caught
            .as_str()
            .is_some_and(|m| m.starts_with("TypeError: fetch:")),
        "{caught}"
    );
    // A port not listed is another destination.
    let other_port = format!("http://127.0.0.1:{}/json", stub.addr.port().wrapping_add(1));
    let refused = run(
        &engine,
        "export default (u) => fetch(u).then(r => r.status)",
        json!(other_port),
    )
    .await;
    assert!(
        matches!(refused, Err((ErrorKind::Exception, _))),
        "{refused:?}"
    );
    assert_eq!(stub.requests(), 0, "nothing refused reached the network");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_checked_hop_by_hop() {
    let stub = HttpStub::start().await;
    let engine = engine(&stub);
    let inside = run(
        &engine,
        "export default async (u) => { const r = await fetch(u); return { redirected: r.redirected, url: r.url, name: (await r.json()).name } }",
        json!(stub.url(&format!("/redirect?to={}", stub.url("/json")))),
    )
    .await;
    assert_eq!(
        inside,
        Ok(json!({"redirected": true, "url": stub.url("/json"), "name": "warren"}))
    );
    let outside = run(
        &engine,
        "export default (u) => fetch(u).then(r => r.status)",
        json!(stub.url("/redirect?to=http://example.com/")),
    )
    .await;
    let (kind, message) = outside.expect_err("redirect out refused");
    assert_eq!(kind, ErrorKind::Exception);
    assert!(message.contains("example.com"), "{message}");
    let manual = run(
        &engine,
        "export default (u) => fetch(u, { redirect: 'manual' }).then(r => [r.status, r.headers.get('location')])",
        json!(stub.url("/redirect?to=http://example.com/")),
    )
    .await;
    assert_eq!(manual, Ok(json!([302, "http://example.com/"])));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_that_resolves_to_a_private_address_is_refused() {
    let stub = HttpStub::start().await;
    // `localhost` is allowed by name, but names never lead to private addresses.
    let engine = engine_for(
        &[format!("localhost:{}", stub.addr.port())],
        FetchCaps::default(),
        1,
    );
    let refused = run(
        &engine,
        "export default (u) => fetch(u).then(r => r.status)",
        json!(format!("http://localhost:{}/json", stub.addr.port())),
    )
    .await;
    let (kind, message) = refused.expect_err("refused");
    assert_eq!(kind, ErrorKind::Exception);
    assert!(message.contains("private or reserved address"), "{message}");
    assert_eq!(stub.requests(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_job_caps_are_exceptions_the_job_can_catch() {
    let stub = HttpStub::start().await;
    let caps = FetchCaps {
        max_requests: 3,
        max_request_bytes: 1_000,
        max_response_bytes: 100_000,
    };
    let engine = engine_for(&[stub.addr.to_string()], caps, 1);
    let count = run(
        &engine,
        "export default async (u) => { let n = 0; try { for (;;) { await fetch(u); n++ } } catch (e) { return [n, e.message] } }",
        json!(stub.url("/json")),
    )
    .await
    .expect("caught");
    assert_eq!(count[0], 3);
    assert!(
        count[1]
            .as_str()
            .is_some_and(|m| m.contains("at most 3 requests")),
        "{count}"
    );
    let big = run(
        &engine,
        "export default (u) => fetch(u).then(r => r.text()).then(t => t.length)",
        json!(stub.url("/big?bytes=200000")),
    )
    .await;
    let (kind, message) = big.expect_err("too large");
    assert_eq!(kind, ErrorKind::Exception);
    assert!(
        message.contains("over this pool's limit of 100000 bytes"),
        "{message}"
    );
    let body = run(
        &engine,
        "export default (u) => fetch(u, { method: 'POST', body: 'x'.repeat(2000) }).then(r => r.status)",
        json!(stub.url("/echo")),
    )
    .await;
    assert!(
        matches!(&body, Err((ErrorKind::Exception, m)) if m.contains("request body")),
        "{body:?}"
    );
    // URL and headers are bounded too (they live outside the job's heap once sent).
    for (code, needle) in [
        (
            "export default (u) => fetch(u + '?' + 'x'.repeat(20000)).then(r => r.status)",
            "longer than 16384 bytes",
        ),
        (
            "export default (u) => fetch(u, { headers: Object.fromEntries(Array.from({ length: 30000 }, (_, i) => ['x-h' + i, '1'])) }).then(r => r.status)",
            "more than 100 headers",
        ),
        (
            "export default (u) => fetch(u, { headers: { 'x-big': 'y'.repeat(100000) } }).then(r => r.status)",
            "headers are over 65536 bytes",
        ),
    ] {
        let refused = run(&engine, code, json!(stub.url("/json"))).await;
        assert!(
            matches!(&refused, Err((ErrorKind::Exception, m)) if m.contains(needle)),
            "{refused:?}"
        );
    }
    // The same engine still serves a job within the caps.
    assert_eq!(
        run(
            &engine,
            "export default (u) => fetch(u).then(r => r.status)",
            json!(stub.url("/big?bytes=10"))
        )
        .await,
        Ok(json!(200))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_server_past_the_deadline_is_a_timeout() {
    let stub = HttpStub::start().await;
    let engine = engine(&stub);
    let slow = run_with(
        &engine,
        "export default (u) => fetch(u).then(r => r.json())",
        json!(stub.url("/slow?ms=5000")),
        JobLimits {
            timeout_ms: Some(300),
            ..JobLimits::default()
        },
    )
    .await;
    assert!(matches!(slow, Err((ErrorKind::Timeout, _))), "{slow:?}");
    assert_eq!(
        run(
            &engine,
            "export default (u) => fetch(u).then(r => r.json())",
            json!(stub.url("/json"))
        )
        .await,
        Ok(json!({"name": "warren", "items": [1, 2, 3]}))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_signal_aborts_it_with_its_reason() {
    let stub = HttpStub::start().await;
    let engine = engine(&stub);
    // Aborted before: nothing is sent.
    assert_eq!(
        run(
            &engine,
            "export default async (u) => { const c = new AbortController(); c.abort();
                try { await fetch(u, { signal: c.signal }) } catch (e) { return [e.name, e instanceof DOMException, e.code] } }",
            json!(stub.url("/json"))
        )
        .await,
        Ok(json!(["AbortError", true, 20]))
    );
    assert_eq!(stub.requests(), 0);
    // A timeout signal ends the wait long before the server answers, or the job's
    // deadline passes.
    let started = Instant::now();
    assert_eq!(
        run(
            &engine,
            "export default async (u) => { try { await fetch(u, { signal: AbortSignal.timeout(50) }) } catch (e) { return e.name } }",
            json!(stub.url("/slow?ms=2500"))
        )
        .await,
        Ok(json!("TimeoutError"))
    );
    assert!(
        started.elapsed().as_millis() < 2_000,
        "{:?}",
        started.elapsed()
    );
    // A reason of the job's own, and a signal that is not one.
    assert_eq!(
        run(
            &engine,
            "export default async (u) => { const c = new AbortController(); const p = fetch(u, { signal: c.signal });
                c.abort('mine'); const reason = await p.catch((e) => e);
                const fake = await fetch(u, { signal: { aborted: false } }).catch((e) => e.name);
                return [reason, fake, await fetch(u, { signal: null }).then((r) => r.status)] }",
            json!(stub.url("/json"))
        )
        .await,
        Ok(json!(["mine", "TypeError", 200]))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_awaiting_responses_do_not_hold_slots() {
    // 100 jobs on 2 slots, each waiting on a response the server only gives once all
    // 100 requests are waiting together: possible only if waiting jobs free their slot.
    let stub = HttpStub::start().await;
    let engine = Arc::new(engine(&stub));
    let started = Instant::now();
    let jobs: Vec<_> = (0..100)
        .map(|n| {
            let engine = engine.clone();
            let url = stub.url("/gather?n=100");
            tokio::spawn(async move {
                run(
                    &engine,
                    "export default async ({ url, n }) => { const r = await fetch(url); return { n, together: (await r.json()).together } }",
                    json!({"url": url, "n": n}),
                )
                .await
            })
        })
        .collect();
    let mut answered = 0;
    for (n, job) in jobs.into_iter().enumerate() {
        let value = job.await.expect("job").expect("ok");
        assert_eq!(value["n"], n);
        answered += 1;
    }
    println!(
        "100 jobs awaiting responses on 2 slots: answered={answered} waiting_together={} in {:?}",
        stub.most_gathered(),
        started.elapsed()
    );
    assert_eq!(
        stub.most_gathered(),
        100,
        "all 100 requests were in flight at once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_made_cloned_and_fetched() {
    let stub = HttpStub::start().await;
    let engine = engine(&stub);
    // A Request on its own, as Node 20's answers.
    assert_eq!(
        run(
            &engine,
            r"export default async () => {
                const r = new Request('http://a.test/b c?x=1#h', { method: 'post', body: 'hi', headers: { 'X-A': '1' } });
                const copy = r.clone();
                const attempt = (f) => { try { f(); return 'made' } catch (e) { return e.name } };
                return [r.url, r.method, r.headers instanceof Headers, r.headers.get('content-type'), r.headers.get('x-a'),
                    r.redirect, r.signal.aborted, Object.prototype.toString.call(r), await copy.text(), r.bodyUsed,
                    await r.text(), r.bodyUsed, await r.text().catch((e) => e.name), attempt(() => r.clone()),
                    attempt(() => new Request('/relative')), attempt(() => new Request('http://a', { method: 'GET', body: 'x' })),
                    attempt(() => new Request('http://a', { method: 'CONNECT' })), attempt(() => new Request('http://a', { signal: {} })),
                    attempt(() => Request('http://a')), new Request('http://a', { method: 'delete' }).method,
                    await new Request('http://a', { method: 'PUT', body: JSON.stringify({ a: 1 }) }).json(),
                    (await new Request('http://a', { method: 'POST', body: new Uint8Array([1, 2, 3]) }).arrayBuffer()).byteLength,
                    await new Request('http://a').text()];
            }",
            json!(null)
        )
        .await,
        Ok(json!([
            "http://a.test/b%20c?x=1#h", "POST", true, "text/plain;charset=UTF-8", "1", "follow", false,
            "[object Request]", "hi", false, "hi", true, "TypeError", "TypeError", "TypeError", "TypeError",
            "TypeError", "TypeError", "TypeError", "DELETE", {"a": 1}, 3, ""
        ]))
    );
    // A Request made from another takes its body (that one is used up); init overrides.
    assert_eq!(
        run(
            &engine,
            r"export default async () => {
                const a = new Request('http://a/', { method: 'PUT', body: 'q' });
                const b = new Request(a);
                const c = new Request(new Request('http://a/', { method: 'POST', body: 'z' }), { method: 'PUT', headers: { y: '2' } });
                return [a.bodyUsed, b.method, b.url, await b.text(), c.method, [...c.headers], await c.text()];
            }",
            json!(null)
        )
        .await,
        Ok(json!([true, "PUT", "http://a/", "q", "PUT", [["y", "2"]], "z"]))
    );
    // fetch sends a Request as it is, once; init given to fetch overrides it.
    assert_eq!(
        run(
            &engine,
            r"export default async (base) => {
                const request = new Request(base + '/echo', { method: 'POST', body: 'sent', headers: { 'content-type': 'text/x-mine' } });
                const r = await fetch(request);
                const again = await fetch(request).catch((e) => e.name);
                const json = await (await fetch(new Request(base + '/json'))).json();
                const over = await fetch(new Request(base + '/echo', { method: 'POST', body: 'original' }), { body: 'override' }).then((r) => r.text());
                const controller = new AbortController();
                const aborted = new Request(base + '/json', { signal: controller.signal });
                controller.abort('why');
                return [r.headers.get('x-method'), r.headers.get('x-content-type'), await r.text(), request.bodyUsed, again,
                    json.name, over, await fetch(aborted).catch((e) => e)];
            }",
            json!(stub.url(""))
        )
        .await,
        Ok(json!(["POST", "text/x-mine", "sent", true, "TypeError", "warren", "override", "why"]))
    );
}
