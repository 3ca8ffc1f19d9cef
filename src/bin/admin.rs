//! Operator command line: the table, API keys and document identification records.
//! Uses the same adapters as the functions; `TABLE_NAME` and the standard AWS variables
//! (region, credentials, `AWS_ENDPOINT_URL*`) say where.
//!
//! Values meant for scripts (a new key, a new document id) go to stdout; everything else to
//! stderr.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ekyc::adapters::dynamodb::DynamoStore;
use ekyc::domain::{ApiKey, DocumentId, DocumentIdentification, TenantId};

#[derive(Parser)]
#[command(name = "admin", about = "eKYC operator tool")]
struct Cli {
    /// The DynamoDB table.
    #[arg(long, env = "TABLE_NAME")]
    table: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the table with its index and TTL if it does not exist, the image bucket named by
    /// IMAGE_BUCKET and the call queue named by CALL_QUEUE_URL if they are set (local runs and
    /// tests; in AWS all come from infra/).
    CreateTable,
    /// Create an API key for a tenant. Prints the key once, on stdout; only its hash is stored.
    CreateKey {
        #[arg(long)]
        tenant: String,
        /// Store this key instead of a new random one. For local demos only (`make run`).
        #[arg(long, hide = true)]
        key: Option<String>,
    },
    /// Set a tenant's own limit of requests created per minute (instead of the function's
    /// TENANT_CREATES_PER_MINUTE); without --creates-per-minute, back to that default. Warm
    /// functions apply it within API_KEY_CACHE_SECONDS.
    SetLimit {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        creates_per_minute: Option<u32>,
    },
    /// Revoke a tenant's API key by its key id. Warm functions may accept it for up to
    /// API_KEY_CACHE_SECONDS more.
    RevokeKey {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        key_id: String,
    },
    /// Register a document identification record from a JSON file (see events/document.json).
    /// Prints its id on stdout.
    RegisterDocument {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        file: PathBuf,
        /// Use this id instead of a new one.
        #[arg(long)]
        id: Option<String>,
    },
    /// Answer the verification call of a request from this terminal (local runs): plays the
    /// contact flow from infra/ and invokes the real verifier handler with Connect events.
    /// Needs OTP_SECRET (or OTP_SECRET_ARN), as the verifier does. Built with `--features dev`.
    #[cfg(feature = "dev")]
    Call {
        #[arg(long)]
        tenant: String,
        /// The request whose call to answer; default: the tenant's newest open request.
        #[arg(long)]
        request_id: Option<String>,
        /// The contact flow to play.
        #[arg(long, default_value = "infra/connect/verification-flow.json")]
        flow: PathBuf,
    },
    /// Drain the call queue as Lambda's event source mapping would (local runs): long-poll
    /// CALL_QUEUE_URL and hand each batch to the real dialer handler. Reads the dialer's
    /// configuration (CONNECT_*, CALL_*, DIALER_CALLS_PER_SECOND). Built with `--features dev`.
    #[cfg(feature = "dev")]
    PollCalls {
        /// Workers polling at once (the mapping's maximum concurrency).
        #[arg(long, default_value_t = 2)]
        workers: u32,
    },
    /// Ask SES to verify a sender address (in AWS this sends a confirmation email).
    VerifySender {
        #[arg(long)]
        email: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let sdk = ekyc::adapters::sdk::load(&ekyc::config::SdkSettings::API).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &cli.table);
    let tenant = |raw: &str| TenantId::parse(raw).map_err(|e| e.to_string());
    let now = ekyc::unix_now();
    match cli.command {
        Command::CreateTable => {
            store.ensure_table().await.map_err(|e| e.to_string())?;
            eprintln!("table {} is ready", cli.table);
            if let Some(bucket) = std::env::var("IMAGE_BUCKET").ok().filter(|b| !b.is_empty()) {
                let images = ekyc::adapters::s3::S3ImageStore::new(
                    ekyc::adapters::s3::client(&sdk),
                    &bucket,
                    None,
                );
                images.ensure_bucket().await.map_err(|e| e.to_string())?;
                eprintln!("bucket {bucket} is ready");
            }
            if let Some(url) = std::env::var("CALL_QUEUE_URL")
                .ok()
                .filter(|u| !u.is_empty())
            {
                let queue =
                    ekyc::adapters::sqs::SqsCallQueue::new(ekyc::adapters::sqs::client(&sdk), &url);
                // As infra/ sets it: longer than a dialer invocation can take.
                let visibility = std::time::Duration::from_secs(180);
                queue
                    .ensure_queue(visibility)
                    .await
                    .map_err(|e| e.to_string())?;
                eprintln!("call queue {url} is ready");
            }
        }
        Command::CreateKey { tenant: raw, key } => {
            let tenant = tenant(&raw)?;
            let key = match key {
                Some(fixed) => ApiKey::from_header(&fixed).ok_or("--key must not be empty")?,
                None => ApiKey::generate(),
            };
            let hash = key.hash();
            let key_id = hash.as_str()[..12].to_owned();
            store
                .put_api_key(&hash, &tenant, &key_id, now)
                .await
                .map_err(|e| e.to_string())?;
            eprintln!("created key {key_id} for tenant {tenant}; it is shown once:");
            println!("{}", key.expose());
        }
        Command::SetLimit {
            tenant: raw,
            creates_per_minute,
        } => {
            let tenant = tenant(&raw)?;
            let keys = store
                .set_tenant_limit(&tenant, creates_per_minute)
                .await
                .map_err(|e| e.to_string())?;
            let limit = creates_per_minute.map_or("the default".to_owned(), |l| format!("{l}/min"));
            eprintln!("tenant {tenant}: creates limited to {limit} ({keys} keys updated)");
        }
        Command::RevokeKey {
            tenant: raw,
            key_id,
        } => {
            let tenant = tenant(&raw)?;
            if !store
                .revoke_api_key(&tenant, &key_id, now)
                .await
                .map_err(|e| e.to_string())?
            {
                return Err(format!("tenant {tenant} has no key {key_id}"));
            }
            eprintln!("revoked key {key_id} of tenant {tenant}");
        }
        Command::RegisterDocument {
            tenant: raw,
            file,
            id,
        } => {
            let tenant = tenant(&raw)?;
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("reading {}: {e}", file.display()))?;
            let document: DocumentIdentification =
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
            let document = document.validate().map_err(|e| e.to_string())?;
            let id = match id {
                Some(raw) => DocumentId::parse(&raw).map_err(|e| e.to_string())?,
                None => DocumentId::generate(),
            };
            store
                .put_document(&tenant, &id, &document, now)
                .await
                .map_err(|e| e.to_string())?;
            eprintln!("registered document identification {id} for tenant {tenant}");
            println!("{id}");
        }
        #[cfg(feature = "dev")]
        Command::Call {
            tenant: raw,
            request_id,
            flow,
        } => {
            let tenant = tenant(&raw)?;
            dev_call::call(store, tenant, request_id, flow).await?;
        }
        #[cfg(feature = "dev")]
        Command::PollCalls { workers } => dev_poll::poll(store, workers).await?,
        Command::VerifySender { email } => {
            aws_sdk_sesv2::Client::new(&sdk)
                .create_email_identity()
                .email_identity(&email)
                .send()
                .await
                .map_err(|e| aws_sdk_sesv2::error::DisplayErrorContext(e).to_string())?;
            eprintln!("asked SES to verify {email}");
        }
    }
    Ok(())
}

/// `admin call`: the developer at the terminal as the person on the phone.
#[cfg(feature = "dev")]
mod dev_call {
    use std::path::PathBuf;

    use ekyc::adapters::dynamodb::DynamoStore;
    use ekyc::config::{Env, VerifierConfig};
    use ekyc::contact_flow::Verifier;
    use ekyc::dev::call_simulator::{play, Call, Caller, Ending};
    use ekyc::domain::{OtpHasher, RequestId, TenantId};
    use ekyc::ports::{contact_attributes, RequestLifecycle, VerificationStore};

    /// The developer at the terminal, as the person on the phone.
    struct Terminal;

    impl Caller for Terminal {
        fn hear(&mut self, text: &str) {
            println!("  (call) {text}");
        }

        fn key_in(&mut self) -> Option<String> {
            use std::io::Write;
            print!("  keys> ");
            let _ = std::io::stdout().flush();
            let mut line = String::new();
            match std::io::stdin().read_line(&mut line) {
                Ok(0) | Err(_) => None,
                Ok(_) if line.trim() == "q" => None,
                Ok(_) => Some(line.trim().to_owned()),
            }
        }
    }

    pub async fn call(
        store: DynamoStore,
        tenant: TenantId,
        request_id: Option<String>,
        flow: PathBuf,
    ) -> Result<(), String> {
        let config = VerifierConfig::from_env(&Env::from_process()).map_err(|e| e.to_string())?;
        let sdk = ekyc::adapters::sdk::load(&config.sdk).await;
        let secret = ekyc::adapters::secrets::resolve(&sdk, &config.secret)
            .await
            .map_err(|e| e.to_string())?;
        let flow: serde_json::Value = std::fs::read_to_string(&flow)
            .map_err(|e| format!("reading {}: {e}", flow.display()))
            .and_then(|text| {
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", flow.display()))
            })?;
        let (id, phone) = match request_id {
            Some(raw) => {
                let id = RequestId::parse(&raw).map_err(|e| e.to_string())?;
                let request = store
                    .get_request(&tenant, &id)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("tenant {tenant} has no request {id}"))?;
                (id, request.phone_number)
            }
            None => store
                .newest_open_request(&tenant)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("tenant {tenant} has no open request; create one first"))?,
        };
        // The verifier hears only the latest call the dialer placed: answer as that contact.
        let contact_id = store
            .load_verification(&tenant, &id)
            .await
            .map_err(|e| e.to_string())?
            .and_then(|record| record.call_contact_id)
            .ok_or_else(|| {
                format!(
                    "request {id} has no placed call yet: the dialer places it about \
                     CALL_DELAY_SECONDS after the create (curl $AWS_ENDPOINT_URL_CONNECT/calls)"
                )
            })?;
        let call = Call {
            contact_id,
            attributes: [
                (contact_attributes::REQUEST_ID.to_owned(), id.to_string()),
                (contact_attributes::TENANT_ID.to_owned(), tenant.to_string()),
            ]
            .into(),
            customer_number: phone,
            system_number: std::env::var("CONNECT_SOURCE_PHONE_NUMBER").unwrap_or_default(),
            instance_arn: format!(
                "arn:aws:connect:local:000000000000:instance/{}",
                std::env::var("CONNECT_INSTANCE_ID").unwrap_or_default()
            ),
        };
        eprintln!(
            "ringing: the verification call for request {id} (Enter alone = stay silent, q = hang up)"
        );
        let verifier = Verifier {
            store,
            hasher: OtpHasher::new(secret.as_bytes()).map_err(|e| e.to_string())?,
        };
        let ending = play(&flow, &call, &mut Terminal, |event| {
            ekyc::contact_flow::handle(&verifier, event, ekyc::unix_now())
        })
        .await
        .map_err(|e| e.to_string())?;
        match ending {
            Ending::Disconnected => eprintln!("the call ended"),
            Ending::HungUp => {
                eprintln!("you hung up; the request stays pending until its code expires")
            }
        }
        Ok(())
    }
}

/// `admin poll-calls`: the event source mapping of the call queue, locally.
#[cfg(feature = "dev")]
mod dev_poll {
    use ekyc::adapters::{connect::ConnectDialer, dynamodb::DynamoStore, sqs};
    use ekyc::config::{DialerConfig, Env};
    use ekyc::dev::call_poller::Poller;
    use ekyc::use_cases::dial::{DialWorker, Pacer};

    pub async fn poll(store: DynamoStore, workers: u32) -> Result<(), String> {
        ekyc::telemetry::init();
        let config = DialerConfig::from_env(&Env::from_process()).map_err(|e| e.to_string())?;
        let sdk = ekyc::adapters::sdk::load(&config.sdk).await;
        let client = sqs::client(&sdk);
        // The long poll (as the event source mapping's) outlasts the dialer's own SDK time-outs.
        let polling = ekyc::config::SdkSettings {
            attempt: std::time::Duration::from_secs(25),
            operation: std::time::Duration::from_secs(30),
            ..config.sdk
        };
        let poll_client = sqs::client(&ekyc::adapters::sdk::load(&polling).await);
        eprintln!(
            "polling {} with {workers} workers at {}/s each",
            config.call_queue_url, config.calls_per_second
        );
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..workers.max(1) {
            let worker = DialWorker {
                store: store.clone(),
                dialer: ConnectDialer::new(
                    aws_sdk_connect::Client::new(&sdk),
                    &config.connect_instance_id,
                    &config.connect_contact_flow_id,
                    &config.connect_source_phone_number,
                ),
                queue: sqs::SqsCallQueue::new(client.clone(), &config.call_queue_url),
                settings: config.dial,
                pacer: Pacer::per_second(f64::from(config.calls_per_second)),
            };
            let poller = Poller {
                client: poll_client.clone(),
                queue_url: config.call_queue_url.clone(),
                wait_seconds: 20,
                batch_size: 10,
            };
            tasks.spawn(async move {
                loop {
                    match poller.poll_once(&worker, &ekyc::unix_now).await {
                        Ok((0, _)) => {}
                        Ok((got, done)) => {
                            eprintln!(
                                "dialer: {got} messages, {done} done, {} back to the queue",
                                got - done
                            )
                        }
                        Err(err) => {
                            eprintln!("dialer: polling failed: {err}");
                            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                        }
                    }
                }
            });
        }
        while tasks.join_next().await.is_some() {}
        Ok(())
    }
}
