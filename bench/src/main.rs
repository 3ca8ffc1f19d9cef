//! `make bench`: the release bootstraps of the two functions, started the way Lambda starts
//! them (a Runtime API, the Lambda environment), against the local stack behind a counting
//! proxy. Prints one table and writes `bench/results.json`. Figures, not assertions: the tests
//! assert behaviour and call counts, this measures. See README, Performance.

mod emulator;
mod fixtures;
mod procfs;
mod proxy;
mod report;

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use emulator::{Emulator, Outcome};
use fixtures::{api_answer, api_event, Tenant};
use report::{mib, ms, quantile, us, Report};
use serde_json::json;

const OTP_SECRET: &str = "bench-otp-secret-0123456789abcdef0123456789";
const SPAWNS: usize = 20;
const WARM_CREATES: u32 = 1_000;
const LISTS: u32 = 300;
const INVOCATIONS: u32 = 10_000;
const FILL_CREATE_EVERY: u32 = 10;
const LOAD_INSTANCES: usize = 4;
const LOAD_CLIENTS: usize = 8;
const LOAD_SECONDS: u64 = 20;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run with `make bench`"))
}

/// One function instance: the bootstrap, spawned with the Lambda environment.
struct Instance {
    child: Child,
    spawned: Instant,
}

impl Instance {
    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Bench {
    api: String,
    /// `AWS_ENDPOINT_URL_*` of the functions: the counting proxies.
    endpoints: Vec<(String, String)>,
    calls: proxy::Log,
    report: Report,
}

impl Bench {
    fn spawn(&self, function: &str, emulator: &Emulator) -> Instance {
        let (binary, memory) = (&self.api, "256");
        let mut command = Command::new(binary);
        command
            .env("AWS_LAMBDA_RUNTIME_API", emulator.addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", function)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory)
            .env(
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{function}"),
            )
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "2027/01/01/[$LATEST]bench")
            .env("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
            .env("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023")
            .env("_HANDLER", "bootstrap")
            .env("RUST_LOG", "info")
            // Lambda sets neither: the TLS client then finds its roots as it would there.
            .env_remove("SSL_CERT_FILE")
            .env_remove("SSL_CERT_DIR")
            .env("OTP_SECRET", OTP_SECRET)
            .env("SES_FROM_ADDRESS", fixtures::SENDER)
            .env("CONNECT_SOURCE_PHONE_NUMBER", "+14155550100")
            .env("TENANT_CREATES_PER_MINUTE", "100000")
            .env("CLEAR_TIME_BUDGET_SECONDS", "25")
            .envs(self.endpoints.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let spawned = Instant::now();
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {binary}: {e}"));
        Instance { child, spawned }
    }

    /// The calls the proxies saw since the last take.
    fn take_calls(&self) -> Vec<proxy::Call> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }
}

fn expect_status(outcome: &Outcome, status: u16, what: &str) -> serde_json::Value {
    let (got, body) = api_answer(&outcome.body);
    assert!(outcome.ok && got == status, "{what}: {got} {body}");
    body
}

#[tokio::main]
async fn main() {
    let admin = env("BENCH_ADMIN");
    let calls: proxy::Log = Arc::default();
    let mut endpoints = Vec::new();
    for (service, var) in [
        ("DynamoDB", "AWS_ENDPOINT_URL_DYNAMODB"),
        ("SESv2", "AWS_ENDPOINT_URL_SESV2"),
        ("SQS", "AWS_ENDPOINT_URL_SQS"),
        ("S3", "AWS_ENDPOINT_URL_S3"),
    ] {
        let upstream = env(var).trim_start_matches("http://").to_owned();
        let addr = proxy::start(service, upstream, calls.clone()).await;
        endpoints.push((var.to_owned(), format!("http://{addr}")));
    }
    fixtures::admin(&admin, &["create-table"]);
    fixtures::admin(&admin, &["verify-sender", "--email", fixtures::SENDER]);
    let mut bench = Bench {
        api: env("BENCH_API"),
        endpoints,
        calls,
        report: Report {
            path: env("BENCH_RESULTS"),
            ..Report::default()
        },
    };
    let started = Instant::now();
    println!("init and first request ({SPAWNS} spawns)");
    let first = init_and_first_request(&mut bench, &admin).await;
    if std::env::var("BENCH_ONLY").as_deref() == Ok("init") {
        // Comparing builds (README, Performance: the profile choices): init figures alone.
        bench.report.print_and_save();
        return;
    }
    println!("warm ({INVOCATIONS} invocations of one instance)");
    warm(&mut bench, &admin, first).await;
    println!("load ({LOAD_CLIENTS} clients, {LOAD_INSTANCES} instances, {LOAD_SECONDS} s)");
    load(&mut bench, &admin).await;
    sizes(&mut bench);
    bench
        .report
        .detail("bench_seconds", json!(started.elapsed().as_secs_f64()));
    bench.report.print_and_save();
}

/// Init (spawn → first `next`) and the first create of each of `SPAWNS` fresh instances.
/// Returns the median first-request latency.
async fn init_and_first_request(bench: &mut Bench, admin: &str) -> Duration {
    let tenant = Tenant::new(admin, "init");
    let (mut inits, mut firsts, mut totals) = (vec![], vec![], vec![]);
    let mut cold = String::new();
    for i in 0..SPAWNS {
        let emulator = Emulator::start("api").await;
        let instance = bench.spawn("api", &emulator);
        let first_next = emulator
            .wait_for_nexts(1, Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("api init failed: {:?}", emulator.init_errors()));
        bench.take_calls();
        let outcome = emulator.invoke(tenant.create(i as u32)).await;
        expect_status(&outcome, 201, "first create");
        inits.push(first_next - instance.spawned);
        firsts.push(outcome.duration());
        totals.push(outcome.answered - instance.spawned);
        if i == 0 {
            cold = proxy::shape(&bench.take_calls());
        }
    }
    let r = &mut bench.report;
    let total = quantile(&totals, 0.5);
    r.add(
        "init (spawn → first next), median",
        ms(quantile(&inits, 0.5)),
        "",
        None,
    );
    r.add("init, p90", ms(quantile(&inits, 0.9)), "", None);
    r.add(
        "first create (cold key), median",
        ms(quantile(&firsts, 0.5)),
        "as a warm one",
        None,
    );
    r.add(
        "init + first create, median",
        ms(total),
        "< 25 ms",
        Some(total < Duration::from_millis(25)),
    );
    r.add(
        "AWS calls: create, cold key",
        cold,
        "key, 1 DDB, then the rest ∥",
        None,
    );
    r.detail(
        "init_ms",
        json!(inits
            .iter()
            .map(|d| d.as_secs_f64() * 1e3)
            .collect::<Vec<_>>()),
    );
    r.detail(
        "first_create_ms",
        json!(firsts
            .iter()
            .map(|d| d.as_secs_f64() * 1e3)
            .collect::<Vec<_>>()),
    );
    quantile(&firsts, 0.5)
}

/// One warm instance: latency, CPU, calls and memory over `INVOCATIONS` invocations.
struct Warm {
    emulator: Emulator,
    instance: Instance,
    invocations: u32,
    rss_at_1000: u64,
}

impl Warm {
    async fn invoke(&mut self, payload: Bytes) -> Outcome {
        let outcome = self.emulator.invoke(payload).await;
        self.invocations += 1;
        if self.invocations == 1_000 {
            self.rss_at_1000 = procfs::rss_kib(self.instance.pid()).0;
        }
        outcome
    }

    fn cpu(&self) -> f64 {
        procfs::cpu_seconds(self.instance.pid())
    }
}

async fn warm(bench: &mut Bench, admin: &str, first: Duration) {
    let tenant = Tenant::new(admin, "warm");
    let emulator = Emulator::start("api").await;
    let instance = bench.spawn("api", &emulator);
    let mut w = Warm {
        emulator,
        instance,
        invocations: 0,
        rss_at_1000: 0,
    };
    let mut user = 0;
    for _ in 0..20 {
        expect_status(&w.invoke(tenant.create(user)).await, 201, "warm-up create");
        user += 1;
    }
    // Creates, one at a time.
    bench.take_calls();
    let (mut latency, mut overhead) = (vec![], vec![]);
    let mut shapes = std::collections::BTreeMap::<String, u32>::new();
    let cpu = w.cpu();
    for _ in 0..WARM_CREATES {
        let outcome = w.invoke(tenant.create(user)).await;
        expect_status(&outcome, 201, "create");
        user += 1;
        let calls = bench.take_calls();
        let (_, busy) = proxy::hops_and_busy(&calls);
        latency.push(outcome.duration());
        overhead.push(outcome.duration().saturating_sub(busy));
        *shapes.entry(proxy::shape(&calls)).or_default() += 1;
    }
    let create_cpu = (w.cpu() - cpu) / f64::from(WARM_CREATES);
    let p50 = quantile(&latency, 0.5);
    let warm_shape = shapes
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(s, _)| s.clone())
        .unwrap_or_default();
    let r = &mut bench.report;
    r.add("warm create p50", ms(p50), "", None);
    r.add("warm create p95", ms(quantile(&latency, 0.95)), "", None);
    r.add("warm create p99", ms(quantile(&latency, 0.99)), "", None);
    r.add(
        "first create / warm create p50",
        format!("{:.2}×", first.as_secs_f64() / p50.as_secs_f64()),
        "≈ 1",
        None,
    );
    r.add(
        "CPU per warm create",
        us(create_cpu),
        "< 200 µs",
        Some(create_cpu < 200e-6),
    );
    let over = quantile(&overhead, 0.5);
    r.add(
        "overhead over the services, p50",
        ms(over),
        "< 1 ms",
        Some(over < Duration::from_millis(1)),
    );
    let two_hops = warm_shape.contains("2 hops: DDB Transact →");
    r.add(
        "AWS calls: create, warm key",
        warm_shape,
        "1 DDB, then the rest ∥ (2 hops)",
        Some(two_hops),
    );
    r.detail("create_shapes", json!(shapes));
    r.detail(
        "warm_create_ms",
        json!({
            "p50": p50.as_secs_f64() * 1e3,
            "p95": quantile(&latency, 0.95).as_secs_f64() * 1e3,
            "p99": quantile(&latency, 0.99).as_secs_f64() * 1e3,
            "max": quantile(&latency, 1.0).as_secs_f64() * 1e3,
        }),
    );
    r.detail(
        "overhead_ms_p50_p90",
        json!([
            over.as_secs_f64() * 1e3,
            quantile(&overhead, 0.9).as_secs_f64() * 1e3
        ]),
    );

    // Lists.
    let list = api_event("GET", "/api/requests", "", &tenant.key, None);
    let (cpu, mut shape) = (w.cpu(), String::new());
    for i in 0..LISTS {
        expect_status(&w.invoke(list.clone()).await, 200, "list");
        let calls = bench.take_calls();
        if i == 0 {
            shape = proxy::shape(&calls);
        }
    }
    let list_cpu = (w.cpu() - cpu) / f64::from(LISTS);
    bench
        .report
        .add("CPU per warm list", us(list_cpu), "", None);
    bench.report.add("AWS calls: list", shape, "1 Query", None);

    // Up to INVOCATIONS, then memory: a create (a new user) every FILL_CREATE_EVERY
    // invocations, reads of the last one between them (one GetItem, a few ms instead of a
    // create's ~25: the run stays inside make bench's 10 minutes).
    let mut last = String::new();
    while w.invocations < INVOCATIONS {
        if w.invocations % FILL_CREATE_EVERY == 0 || last.is_empty() {
            let body = expect_status(&w.invoke(tenant.create(user)).await, 201, "create");
            last = body["id"]
                .as_str()
                .expect("the new request's id")
                .to_owned();
            user += 1;
        } else {
            let path = format!("/api/requests/{last}");
            let get = api_event("GET", &path, "", &tenant.key, None);
            expect_status(&w.invoke(get).await, 200, "get");
        }
        if w.invocations % 500 == 0 {
            bench.take_calls();
        }
    }
    bench.take_calls();
    let (rss, hwm) = procfs::rss_kib(w.instance.pid());
    let r = &mut bench.report;
    r.add(
        &format!("peak RSS after {INVOCATIONS} invocations"),
        mib(hwm),
        "< 32 MiB",
        Some(hwm < 32 * 1024),
    );
    let grew = rss.saturating_sub(w.rss_at_1000);
    r.add(
        "RSS at 1,000 → 10,000 invocations",
        format!("{} → {}", mib(w.rss_at_1000), mib(rss)),
        "flat (< 1 MiB growth)",
        Some(grew < 1024),
    );

    // Clearing what the warm phase made: one call, its time budget 25 s.
    let clear = api_event("DELETE", "/api/clear-requests", "", &tenant.key, None);
    let outcome = w.invoke(clear).await;
    let body = expect_status(&outcome, 200, "clear");
    bench.report.add(
        &format!("clear {} requests, one call", user),
        format!(
            "{:.1} s: {} deleted, {} remaining",
            outcome.duration().as_secs_f64(),
            body["deleted"],
            body["remaining"]
        ),
        "",
        None,
    );
}

/// Concurrent clients creating for a fixed time against several instances, and where the CPU
/// went, which says what bounds the throughput.
async fn load(bench: &mut Bench, admin: &str) {
    let tenant = Arc::new(Tenant::new(admin, "load"));
    let emulator = Emulator::start("api").await;
    let instances: Vec<Instance> = (0..LOAD_INSTANCES)
        .map(|_| bench.spawn("api", &emulator))
        .collect();
    emulator
        .wait_for_nexts(LOAD_INSTANCES, Duration::from_secs(10))
        .await
        .expect("load instances started");
    let next_user = Arc::new(AtomicU32::new(0));
    let run = |until: Instant| {
        let mut clients = Vec::new();
        for _ in 0..LOAD_CLIENTS {
            let (emulator, tenant, next_user) =
                (emulator.clone(), tenant.clone(), next_user.clone());
            clients.push(tokio::spawn(async move {
                let mut samples = Vec::new();
                while Instant::now() < until {
                    let n = next_user.fetch_add(1, Ordering::Relaxed);
                    let sent = Instant::now();
                    let outcome = emulator.invoke(tenant.create(n)).await;
                    let (status, _) = api_answer(&outcome.body);
                    samples.push((status, outcome.answered - sent));
                }
                samples
            }));
        }
        clients
    };
    for client in run(Instant::now() + Duration::from_secs(2)) {
        client.await.unwrap();
    }
    let stack_dir = env("BENCH_STACK_DIR");
    let pid_of = |name: &str| -> u32 {
        std::fs::read_to_string(format!("{stack_dir}/{name}.pid"))
            .ok()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(0)
    };
    let parts: Vec<(&str, Vec<u32>)> = vec![
        ("handlers", instances.iter().map(Instance::pid).collect()),
        ("DynamoDB Local", vec![pid_of("dynamodb")]),
        ("moto (SES, SQS, S3)", vec![pid_of("moto")]),
        ("emulator + proxy", vec![std::process::id()]),
    ];
    let cpu = |pids: &[u32]| pids.iter().map(|p| procfs::cpu_seconds(*p)).sum::<f64>();
    let before: Vec<f64> = parts.iter().map(|(_, pids)| cpu(pids)).collect();
    bench.take_calls();
    let started = Instant::now();
    let clients = run(started + Duration::from_secs(LOAD_SECONDS));
    let samples: Vec<(u16, Duration)> = {
        let mut all = Vec::new();
        for client in clients {
            all.extend(client.await.unwrap());
        }
        all
    };
    let elapsed = started.elapsed().as_secs_f64();
    bench.take_calls();
    let used: Vec<(&str, f64)> = parts
        .iter()
        .zip(before)
        .map(|((name, pids), before)| (*name, (cpu(pids) - before) / elapsed))
        .collect();
    let ok: Vec<Duration> = samples
        .iter()
        .filter(|(s, _)| *s == 201)
        .map(|(_, d)| *d)
        .collect();
    let failed = samples.len() - ok.len();
    let total: f64 = used.iter().map(|(_, c)| c).sum();
    let (cores, _) = procfs::machine();
    let top = used
        .iter()
        .cloned()
        .fold(("", 0.0), |a, b| if b.1 > a.1 { b } else { a });
    let breakdown: Vec<String> = used.iter().map(|(n, c)| format!("{n} {c:.2}")).collect();
    let bound = if total > 0.85 * cores as f64 {
        format!(
            "the machine's {cores} cores (busy {total:.2}); most CPU: {} ({:.2} cores)",
            top.0, top.1
        )
    } else {
        format!("{} ({:.2} cores of {total:.2} used)", top.0, top.1)
    };
    let r = &mut bench.report;
    r.add(
        "load: creates/s",
        format!(
            "{:.0}/s ({} ok, {failed} failed)",
            ok.len() as f64 / elapsed,
            ok.len()
        ),
        "",
        None,
    );
    r.add(
        "load: p50 / p99",
        format!("{} / {}", ms(quantile(&ok, 0.5)), ms(quantile(&ok, 0.99))),
        "",
        None,
    );
    r.add("load: bounded by", bound, "", None);
    r.detail(
        "load_cpu_cores",
        json!(used
            .iter()
            .map(|(n, c)| (n.to_string(), *c))
            .collect::<std::collections::BTreeMap<_, _>>()),
    );
    r.detail("load_breakdown", json!(breakdown.join(", ")));
}

/// The arm64 zips `make package` built, if present.
fn sizes(bench: &mut Bench) {
    for function in ["api", "verifier", "dialer"] {
        let path = format!("target/lambda/{function}/bootstrap.zip");
        let (value, pass) = match procfs::zip_sizes(&path) {
            Some((zipped, unzipped)) => (
                format!(
                    "{} zipped, {} unzipped",
                    mib(zipped / 1024),
                    mib(unzipped / 1024)
                ),
                (function == "api").then_some(zipped < 3 * 1024 * 1024),
            ),
            None => (format!("{path} missing (make package)"), None),
        };
        let target = if function == "api" {
            "< 3 MiB zipped"
        } else {
            ""
        };
        bench
            .report
            .add(&format!("{function} zip (arm64)"), value, target, pass);
    }
}
