//! What CI can check of `deploy/` without a container engine or a cluster: rendered
//! Kubernetes overlays against the API schemas and our own requirements, the
//! Dockerfile's lint and properties, the systemd unit, and the release binary run the way
//! the image runs it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};
use warren_tests::client::TestClient;
use warren_tests::{amqp_url, eventually, free_port, http_get, unique_queue};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn venv(tool: &str) -> PathBuf {
    root().join(".venv/bin").join(tool)
}

fn run(command: &mut Command) -> String {
    let output = command.output().unwrap_or_else(|err| {
        panic!("cannot run {command:?}: {err} (run scripts/test.sh to install the tools)")
    });
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// YAML documents as JSON values (PyYAML from the test venv does the parsing).
fn yaml_docs(path: &Path) -> Vec<Value> {
    let json = run(Command::new(venv("python")).args([
        "-c",
        "import json, sys, yaml; print(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1])) if d]))",
    ]).arg(path));
    serde_json::from_str(&json).expect("documents as JSON")
}

/// Renders an overlay with `kubectl kustomize`, validates it, returns its documents.
fn render(overlay: &str) -> Vec<Value> {
    let rendered = run(Command::new("kubectl")
        .arg("kustomize")
        .arg(root().join("deploy/k8s").join(overlay)));
    let file = std::env::temp_dir().join(format!(
        "warren-{}-{}.yaml",
        overlay.replace('/', "-"),
        std::process::id()
    ));
    std::fs::write(&file, rendered).expect("write");
    run(Command::new(venv("kubernetes-validate"))
        .args(["--strict", "--quiet"])
        .arg(&file));
    let docs = yaml_docs(&file);
    std::fs::remove_file(&file).ok();
    docs
}

fn find<'a>(docs: &'a [Value], kind: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind}"))
}

#[test]
fn kubernetes_base_is_valid_and_safe_for_rollouts() {
    let docs = render("base");
    let deployment = find(&docs, "Deployment");
    let spec = &deployment["spec"];
    assert_eq!(spec["strategy"]["rollingUpdate"]["maxUnavailable"], 0);
    let pod = &spec["template"]["spec"];
    let grace = pod["terminationGracePeriodSeconds"]
        .as_u64()
        .expect("grace");
    let config = find(&docs, "ConfigMap");
    let shutdown: u64 = config["data"]["WARREN_SHUTDOWN_GRACE"]
        .as_str()
        .expect("grace")
        .parse()
        .expect("number");
    assert!(
        grace > shutdown,
        "termination grace {grace} s must exceed the worker's {shutdown} s"
    );
    let container = &pod["containers"][0];
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert_eq!(container["livenessProbe"]["httpGet"]["path"], "/healthz");
    let security = &container["securityContext"];
    assert_eq!(security["allowPrivilegeEscalation"], false);
    assert_eq!(security["readOnlyRootFilesystem"], true);
    assert_eq!(security["capabilities"]["drop"], json!(["ALL"]));
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(
        pod["securityContext"]["seccompProfile"]["type"],
        "RuntimeDefault"
    );
    // Memory limit covers every slot's job limit.
    let slots: u64 = config["data"]["WARREN_CONCURRENCY"]
        .as_str()
        .expect("slots")
        .parse()
        .expect("n");
    let job_mb: u64 = config["data"]["WARREN_MEMORY_MB"]
        .as_str()
        .expect("mb")
        .parse()
        .expect("n");
    let limit = container["resources"]["limits"]["memory"]
        .as_str()
        .expect("limit");
    let limit_mb: u64 = limit.trim_end_matches("Mi").parse().expect("Mi");
    assert!(
        limit_mb > slots * job_mb,
        "{limit} for {slots} × {job_mb} MiB"
    );
    assert_eq!(
        find(&docs, "PodDisruptionBudget")["spec"]["maxUnavailable"],
        1
    );
    let egress = &find(&docs, "NetworkPolicy")["spec"]["egress"];
    let ports: Vec<u64> = egress
        .as_array()
        .expect("egress")
        .iter()
        .flat_map(|rule| rule["ports"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| p["port"].as_u64())
        .collect();
    assert!(ports.contains(&5672) && ports.contains(&53), "{ports:?}");
}

#[test]
fn kubernetes_rabbitmq_cluster_overlay_gives_workers_every_node() {
    let docs = render("overlays/rabbitmq-cluster");
    // kubernetes-validate has no schema for the operator's kind (it warns and passes),
    // so its fields are checked here.
    let cluster = find(&docs, "RabbitmqCluster");
    assert_eq!(cluster["apiVersion"], "rabbitmq.com/v1beta1");
    let name = cluster["metadata"]["name"].as_str().expect("cluster name");
    let replicas = cluster["spec"]["replicas"].as_u64().expect("replicas");
    assert_eq!(
        replicas, 3,
        "an odd number of nodes, a majority of which survives one"
    );
    assert!(
        cluster["spec"]["persistence"]["storage"].is_string(),
        "persistence"
    );
    assert!(
        cluster["spec"]["resources"]["limits"]["memory"].is_string(),
        "a memory limit (the operator derives RabbitMQ's watermark from it)"
    );
    assert!(
        cluster["spec"]["rabbitmq"]["additionalConfig"]
            .as_str()
            .expect("additionalConfig")
            .contains("prometheus.return_per_object_metrics = true"),
        "per-queue metrics, which deploy/prometheus/alerts.yml needs"
    );
    let deployment = find(&docs, "Deployment");
    // A secretKeyRef reads the pod's own namespace; the operator puts its Secret in
    // the cluster's.
    assert_eq!(
        cluster["metadata"]["namespace"],
        deployment["metadata"]["namespace"]
    );
    let env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .expect("env");
    let position = |var: &str| -> usize {
        env.iter()
            .position(|e| e["name"] == var)
            .unwrap_or_else(|| panic!("no {var}"))
    };
    let url_at = position("WARREN_AMQP_URL");
    let secret = format!("{name}-default-user");
    for (var, key) in [
        ("RABBITMQ_USERNAME", "username"),
        ("RABBITMQ_PASSWORD", "password"),
    ] {
        let at = position(var);
        // Kubernetes expands $(VAR) only from variables defined earlier in the list.
        assert!(at < url_at, "{var} must come before WARREN_AMQP_URL");
        assert_eq!(
            env[at]["valueFrom"]["secretKeyRef"],
            json!({"name": secret.as_str(), "key": key})
        );
    }
    let namespace_at = position("POD_NAMESPACE");
    assert!(
        namespace_at < url_at,
        "POD_NAMESPACE must come before WARREN_AMQP_URL"
    );
    assert_eq!(
        env[namespace_at]["valueFrom"]["fieldRef"]["fieldPath"],
        "metadata.namespace"
    );
    let url = &env[url_at];
    assert!(
        url.get("valueFrom").is_none(),
        "the base's secretKeyRef is replaced, not kept beside the value"
    );
    let urls: Vec<&str> = url["value"].as_str().expect("value").split(',').collect();
    let every_node: Vec<String> = (0..replicas)
        .map(|i| {
            format!(
                "amqp://$(RABBITMQ_USERNAME):$(RABBITMQ_PASSWORD)@{name}-server-{i}.{name}-nodes.$(POD_NAMESPACE).svc:5672/%2f"
            )
        })
        .collect();
    assert_eq!(
        urls, every_node,
        "one URL per broker, no password in the manifest"
    );
    // The operator labels its pods app.kubernetes.io/name: <cluster name>; the base
    // NetworkPolicy must let the workers reach them.
    let egress = &find(&docs, "NetworkPolicy")["spec"]["egress"];
    assert!(
        egress.as_array().expect("egress").iter().any(|rule| {
            rule["to"].as_array().is_some_and(|to| {
                to.iter().any(|peer| {
                    peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == name
                })
            })
        }),
        "the NetworkPolicy lets workers reach the {name} pods"
    );
    let budget = docs
        .iter()
        .find(|d| {
            d["kind"] == "PodDisruptionBudget"
                && d["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] == name
        })
        .expect("a PodDisruptionBudget for the brokers");
    assert_eq!(budget["spec"]["maxUnavailable"], 1);
}

#[test]
fn kubernetes_overlays_render_and_carry_their_additions() {
    let keda = render("overlays/keda");
    let scaled = find(&keda, "ScaledObject");
    assert_eq!(scaled["apiVersion"], "keda.sh/v1alpha1");
    assert_eq!(scaled["spec"]["scaleTargetRef"]["name"], "warren-worker");
    assert_eq!(scaled["spec"]["triggers"][0]["type"], "rabbitmq");
    assert_eq!(
        scaled["spec"]["triggers"][0]["metadata"]["queueName"],
        "warren.jobs"
    );
    assert_eq!(
        scaled["spec"]["triggers"][0]["metadata"]["mode"],
        "QueueLength"
    );
    let auth = find(&keda, "TriggerAuthentication");
    assert_eq!(
        scaled["spec"]["triggers"][0]["authenticationRef"]["name"],
        auth["metadata"]["name"]
    );

    let hpa = render("overlays/hpa");
    let autoscaler = find(&hpa, "HorizontalPodAutoscaler");
    assert_eq!(
        autoscaler["spec"]["scaleTargetRef"]["name"],
        "warren-worker"
    );

    let gvisor = render("overlays/gvisor");
    assert_eq!(
        find(&gvisor, "Deployment")["spec"]["template"]["spec"]["runtimeClassName"],
        "gvisor"
    );

    let monitoring = render("overlays/monitoring");
    let monitor = find(&monitoring, "ServiceMonitor");
    assert_eq!(monitor["spec"]["endpoints"][0]["port"], "metrics");
    let service = find(&monitoring, "Service");
    assert_eq!(service["spec"]["ports"][0]["name"], "metrics");
    assert_eq!(
        monitor["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"],
        service["metadata"]["labels"]["app.kubernetes.io/name"]
    );
    let rule = find(&monitoring, "PrometheusRule");
    let alerts = yaml_docs(&root().join("deploy/prometheus/alerts.yml"));
    assert_eq!(
        rule["spec"]["groups"], alerts[0]["groups"],
        "PrometheusRule matches alerts.yml"
    );
}

#[test]
fn dockerfile_passes_hadolint_and_has_the_required_properties() {
    let dockerfile = root().join("deploy/docker/Dockerfile");
    run(Command::new(venv("hadolint")).arg(&dockerfile));
    let text = std::fs::read_to_string(&dockerfile).expect("Dockerfile");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("FROM ")).count(),
        2,
        "multi-stage"
    );
    assert!(text.contains("cargo build --release --locked --bins"));
    assert!(
        text.contains("FROM gcr.io/distroless/"),
        "small final image"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("USER ") && !l.contains("root") && !l.contains(" 0")),
        "non-root"
    );
    assert!(text.contains("STOPSIGNAL SIGTERM"));
    assert!(text.contains("HEALTHCHECK") && text.contains("--check-health"));
    let compose = std::fs::read_to_string(root().join("deploy/compose.yaml")).expect("compose");
    for needed in [
        "read_only: true",
        "stop_grace_period",
        "rabbitmq:3",
        "prom/prometheus",
        "grafana/grafana",
        "alerts.yml",
        "warren.json",
    ] {
        assert!(compose.contains(needed), "compose.yaml lacks {needed}");
    }
    yaml_docs(&root().join("deploy/compose.yaml"));
}

#[test]
fn systemd_unit_verifies_and_is_well_sandboxed() {
    let unit =
        std::fs::read_to_string(root().join("deploy/systemd/warren-worker.service")).expect("unit");
    let binary = warren_tests::process::binary("warren-worker");
    let dir = std::env::temp_dir().join(format!("warren-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("warren-worker.service");
    std::fs::write(
        &path,
        unit.replace(
            "/usr/local/bin/warren-worker",
            &binary.display().to_string(),
        ),
    )
    .expect("write");
    run(Command::new("systemd-analyze").arg("verify").arg(&path));
    let security = run(Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--no-pager"])
        .arg(&path));
    let exposure: f64 = security
        .lines()
        .find_map(|l| {
            l.split("Overall exposure level for warren-worker.service: ")
                .nth(1)
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("exposure score");
    assert!(
        exposure <= 2.0,
        "systemd-analyze security exposure {exposure}"
    );
    for needed in [
        "KillSignal=SIGTERM",
        "TimeoutStopSec=35",
        "DynamicUser=yes",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
    ] {
        assert!(unit.contains(needed), "unit lacks {needed}");
    }
    std::fs::remove_dir_all(dir).ok();
}

/// The release binary, built with the Dockerfile's command and run with its user,
/// environment and health check, serves jobs and stops cleanly on SIGTERM.
#[tokio::test]
async fn release_binary_runs_the_way_the_image_runs_it() {
    // The Dockerfile's build command (a no-op when scripts/test.sh already ran it).
    let status = tokio::task::spawn_blocking(move || {
        warren_tests::process::cargo()
            .args(["build", "--release", "--locked", "--bins", "--quiet"])
            .status()
    })
    .await
    .expect("join")
    .expect("cargo");
    assert!(status.success(), "release build");
    let binary = root().join("target/release/warren-worker");
    let queue = unique_queue("image");
    let port = free_port();
    let metrics = format!("0.0.0.0:{port}");
    // The image's user (65532) and environment; only the port and queue differ.
    let mut command = if unsafe { libc::geteuid() } == 0 {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65532", "--regid=65532", "--clear-groups", "--"])
            .arg(&binary);
        c
    } else {
        Command::new(&binary)
    };
    let mut child = command
        .env_clear()
        .env("WARREN_METRICS_ADDR", &metrics)
        .env("WARREN_LOG_FORMAT", "json")
        .env("WARREN_AMQP_URL", amqp_url())
        .env("WARREN_QUEUE", &queue)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start the release worker");
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    assert!(
        eventually(Duration::from_secs(20), || async move {
            matches!(http_get(addr, "/readyz").await, Ok((200, _)))
        })
        .await
    );
    // The image's HEALTHCHECK command.
    let health = Command::new(&binary)
        .arg("--check-health")
        .env("WARREN_METRICS_ADDR", &metrics)
        .status()
        .expect("probe");
    assert!(health.success(), "--check-health");
    let mut client = TestClient::connect().await;
    client
        .submit(
            &queue,
            "image-job",
            "export default (i) => i + 1",
            json!(41),
        )
        .await;
    let (result, _) = client
        .next_result(Duration::from_secs(20))
        .await
        .expect("result");
    assert_eq!(result["value"], 42);
    // SAFETY: signalling our own child.
    unsafe { libc::kill(i32::try_from(child.id()).expect("pid"), libc::SIGTERM) };
    let exit = tokio::task::spawn_blocking(move || child.wait())
        .await
        .expect("join")
        .expect("wait");
    assert!(exit.success(), "exit {exit:?}");
    let stopped = Command::new(&binary)
        .arg("--check-health")
        .env("WARREN_METRICS_ADDR", &metrics)
        .status()
        .expect("probe");
    assert!(
        !stopped.success(),
        "--check-health fails once the worker is gone"
    );
    client.delete_pool_queues(&queue).await;
}
