//! The test harness: each test gets its own server on a free port and its own database
//! (a temporary SQLite file, or a fresh PostgreSQL schema when `BYLINE_TEST_DATABASE_URL` is
//! set), and talks to it over HTTP like any client.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use byline::Application;
use byline::config::{Secret, Settings};
use byline::db::{Backend, DatabaseUrl};
use byline::write::Writes;
use diesel::{Connection, PgConnection, RunQueryDsl};
use reqwest::{Method, Response, StatusCode};
use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// The PostgreSQL server to test against, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("BYLINE_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// The signing secret of every test server, so tests can forge tokens with it.
pub const JWT_SECRET: &str = "test-signing-secret-0123456789abcdef-0123456789";

/// Strings that must never appear in a response body.
const NEVER_SENT: &[&str] = &["$argon2", "password_hash", ADMIN_PASSWORD, JWT_SECRET];

/// Sends a request and checks that the body carries no password hash or secret, then hands
/// the response back unchanged.
pub async fn send(request: reqwest::RequestBuilder) -> Response {
    let res = request.send().await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.bytes().await.unwrap();
    let text = String::from_utf8_lossy(&bytes);
    for secret in NEVER_SENT {
        assert!(
            !text.contains(secret),
            "a response body contains `{secret}`: {text}"
        );
    }
    let mut rebuilt = http::Response::new(bytes);
    *rebuilt.status_mut() = status;
    *rebuilt.headers_mut() = headers;
    Response::from(rebuilt)
}

/// The first admin every test server starts with.
pub const ADMIN_EMAIL: &str = "admin@example.com";
/// That admin's password.
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

/// A running server and the database behind it, removed when dropped. Its request helpers
/// send the first admin's access token; [`TestApp::anon`] and [`TestApp::with`] send none or
/// another.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// A client that follows no redirects and asks for no compression.
    pub client: reqwest::Client,
    /// The backend the server runs on.
    pub backend: Backend,
    /// An access token of the first admin.
    pub admin_token: String,
    /// The folder with the server's generated files.
    pub data_dir: std::path::PathBuf,
    /// The database URL the server uses.
    pub database_url: String,
    /// The server's clock: `advance` lets time pass without sleeping.
    pub clock: byline::domain::time::Clock,
    _data: tempfile::TempDir,
    _db: TestDb,
}

/// Requests with a chosen credential (or none).
pub struct As<'a> {
    app: &'a TestApp,
    token: Option<String>,
}

enum TestDb {
    Sqlite(
        #[expect(dead_code, reason = "held so the folder outlives the server")] tempfile::TempDir,
    ),
    Postgres {
        admin_url: String,
        schema: String,
    },
    /// Another server's database, removed by that server's handle.
    Shared,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, schema } = self
            && let Ok(mut conn) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .execute(&mut conn);
        }
    }
}

/// A fresh database with no server: its URL, and a handle that removes it when dropped.
pub fn scratch_database() -> (String, impl Drop) {
    fresh_database()
}

/// A fresh database: its URL for the server, and the handle that removes it.
fn fresh_database() -> (String, TestDb) {
    match postgres_url() {
        Some(admin_url) => {
            let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
            let mut conn = PgConnection::establish(&admin_url)
                .unwrap_or_else(|e| panic!("cannot reach BYLINE_TEST_DATABASE_URL: {e}"));
            diesel::sql_query(format!("CREATE SCHEMA {schema}"))
                .execute(&mut conn)
                .unwrap();
            let sep = if admin_url.contains('?') { '&' } else { '?' };
            let url = format!("{admin_url}{sep}options=-c%20search_path%3D{schema}");
            (url, TestDb::Postgres { admin_url, schema })
        }
        None => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}/byline.db", dir.path().display());
            (url, TestDb::Sqlite(dir))
        }
    }
}

/// A fresh SQLite database, whatever engine the suite runs on: its URL, and a handle that
/// removes it when dropped.
pub fn sqlite_database() -> (String, impl Drop) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/byline.db", dir.path().display());
    (url, TestDb::Sqlite(dir))
}

/// Starts a server on a fresh SQLite database, whatever engine the suite runs on.
pub async fn spawn_sqlite_app_with(customize: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/byline.db", dir.path().display());
    start(url, TestDb::Sqlite(dir), customize, Writes::default()).await
}

/// Starts a server whose PostgreSQL connections pass through `proxy`.
pub async fn spawn_app_through(
    proxy: &FlakyProxy,
    customize: impl FnOnce(&mut Settings),
) -> TestApp {
    let admin_url = postgres_url().expect("only for PostgreSQL runs");
    let (url, db) = fresh_database();
    let target = pg_host_port(&admin_url);
    let url = url.replacen(&target, &proxy.address, 1);
    start(url, db, customize, Writes::default()).await
}

/// `host:port` of a PostgreSQL URL, with the default port filled in.
pub fn pg_host_port(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    }
}

/// Starts a server with default settings on a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts a server, letting the test adjust the settings first.
pub async fn spawn_app_with(customize: impl FnOnce(&mut Settings)) -> TestApp {
    let (url, db) = fresh_database();
    start(url, db, customize, Writes::default()).await
}

/// Starts a server whose writes go through `writes` (a hook of the test's own).
pub async fn spawn_app_with_writes(writes: Writes) -> TestApp {
    let (url, db) = fresh_database();
    start(url, db, |_| {}, writes).await
}

async fn start(
    url: String,
    db: TestDb,
    customize: impl FnOnce(&mut Settings),
    writes: Writes,
) -> TestApp {
    let data = tempfile::tempdir().unwrap();
    let mut settings = Settings::defaults().unwrap();
    settings.data_dir = data.path().to_owned();
    settings.bootstrap_admin = Some((ADMIN_EMAIL.to_owned(), Secret::new(ADMIN_PASSWORD)));
    settings.auth.jwt_secret = Some(Secret::new(JWT_SECRET));
    settings.server_timing = true;
    settings.database_url = DatabaseUrl::parse(&url).unwrap();
    settings.bind = "127.0.0.1:0".parse().unwrap();
    settings.workers = Some(1);
    settings.pool_size = Some(4);
    settings.shutdown_timeout = std::time::Duration::from_secs(1);
    customize(&mut settings);
    let database_url = url.clone();
    let clock = byline::domain::time::Clock::adjustable();
    let writes = writes.with_clock(clock.clone());
    let app = Application::build_with(settings, writes).expect("the server starts");
    let port = app.port();
    let backend = app.backend();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut app = TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client,
        backend,
        admin_token: String::new(),
        data_dir: data.path().to_owned(),
        database_url,
        clock,
        _data: data,
        _db: db,
    };
    app.admin_token = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    app
}

impl TestApp {
    /// Another server on this server's database (a second node), with its own settings.
    pub async fn second_node(&self, customize: impl FnOnce(&mut Settings)) -> TestApp {
        start(
            self.database_url.clone(),
            TestDb::Shared,
            customize,
            Writes::default(),
        )
        .await
    }

    /// A direct connection to this server's PostgreSQL schema, for checks a client cannot
    /// make; `None` on SQLite.
    pub fn postgres_connection(&self) -> Option<PgConnection> {
        let TestDb::Postgres { admin_url, schema } = &self._db else {
            return None;
        };
        let mut conn = PgConnection::establish(admin_url).unwrap();
        diesel::sql_query(format!("SET search_path TO {schema}"))
            .execute(&mut conn)
            .unwrap();
        Some(conn)
    }

    /// A request to a path on this server, with the admin's token.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.address))
            .bearer_auth(&self.admin_token)
    }

    /// A request to a path on this server with no credentials, for the caller to add to.
    pub fn client_request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.address))
    }

    /// Requests without credentials.
    pub fn anon(&self) -> As<'_> {
        As {
            app: self,
            token: None,
        }
    }

    /// Requests with this bearer token.
    pub fn with(&self, token: &str) -> As<'_> {
        As {
            app: self,
            token: Some(token.to_owned()),
        }
    }

    /// Logs in and returns the token pair, failing the test on anything but 200.
    pub async fn login(&self, email: &str, password: &str) -> Value {
        let body = serde_json::json!({"email": email, "password": password});
        let res = self.anon().post_json("/api/v1/auth/login", &body).await;
        assert_eq!(res.status(), StatusCode::OK, "login of {email}");
        res.json().await.unwrap()
    }

    /// Creates a user with this role and returns (user, access token).
    pub async fn user_with_role(&self, role: &str) -> (Value, String) {
        let email = format!("{role}-{}@example.com", uuid::Uuid::new_v4().simple());
        let password = "a long enough password";
        let body = serde_json::json!({"email": email, "password": password, "display_name": role, "role": role});
        let res = self.post_json("/api/v1/users", &body).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let user: Value = res.json().await.unwrap();
        let pair = self.login(&email, password).await;
        (user, pair["access_token"].as_str().unwrap().to_owned())
    }

    /// Creates an article (as the admin) and returns its body, failing on anything but 201.
    pub async fn create_article(&self, body: Value) -> Value {
        let res = self.post_json("/api/v1/articles", &body).await;
        assert_eq!(res.status(), StatusCode::CREATED, "creating {body}");
        res.json().await.unwrap()
    }

    /// Publishes an article (as the admin), now or at `publish_at`, and returns it.
    pub async fn publish(&self, id: &str, publish_at: Option<&str>) -> Value {
        let body = match publish_at {
            Some(at) => serde_json::json!({"publish_at": at}),
            None => serde_json::json!({}),
        };
        let res = self
            .post_json(&format!("/api/v1/articles/{id}/publish"), &body)
            .await;
        assert_eq!(res.status(), StatusCode::OK, "publishing {id}");
        res.json().await.unwrap()
    }

    /// Creates an author (as the admin) and returns it.
    pub async fn create_author(&self, body: Value) -> Value {
        let res = self.post_json("/api/v1/authors", &body).await;
        assert_eq!(res.status(), StatusCode::CREATED, "creating {body}");
        res.json().await.unwrap()
    }

    /// Creates an API token with this scope and returns (token record, secret).
    pub async fn api_token(&self, scope: &str) -> (Value, String) {
        let body = serde_json::json!({"name": format!("{scope} token"), "scope": scope});
        let res = self.post_json("/api/v1/tokens", &body).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let body: Value = res.json().await.unwrap();
        let secret = body["token"].as_str().unwrap().to_owned();
        (body, secret)
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Response {
        send(self.request(Method::GET, path)).await
    }

    /// `POST path` with a JSON body.
    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        send(self.request(Method::POST, path).json(body)).await
    }

    /// `PATCH path` with a JSON body.
    pub async fn patch_json(&self, path: &str, body: &Value) -> Response {
        send(self.request(Method::PATCH, path).json(body)).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> Response {
        send(self.request(Method::DELETE, path)).await
    }

    /// Uploads a small PNG (as the admin) and returns the media record.
    pub async fn upload_png(&self) -> Value {
        let mut png = std::io::Cursor::new(Vec::new());
        image::RgbImage::from_pixel(4, 4, image::Rgb([1, 2, 3]))
            .write_to(&mut png, image::ImageFormat::Png)
            .unwrap();
        let boundary = "byline-helper-boundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\
             Content-Type: image/png\r\n\r\n"
        )
        .into_bytes();
        body.extend(png.into_inner());
        body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
        let res = send(
            self.request(Method::POST, "/api/v1/media")
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(body),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        res.json().await.unwrap()
    }

    /// Creates a tag (as the admin) and returns it, failing the test on anything but 201.
    pub async fn create_tag(&self, body: Value) -> Value {
        let res = self.post_json("/api/v1/tags", &body).await;
        assert_eq!(res.status(), StatusCode::CREATED, "creating {body}");
        res.json().await.unwrap()
    }

    /// Creates a category and returns its body, failing the test on anything but 201.
    pub async fn create_category(&self, body: Value) -> Value {
        let res = self.post_json("/api/v1/categories", &body).await;
        assert_eq!(res.status(), StatusCode::CREATED, "creating {body}");
        res.json().await.unwrap()
    }
}

impl As<'_> {
    /// A request with this view's credential.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let req = self
            .app
            .client
            .request(method, format!("{}{path}", self.app.address));
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Response {
        send(self.request(Method::GET, path)).await
    }

    /// `POST path` with a JSON body.
    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        send(self.request(Method::POST, path).json(body)).await
    }

    /// `PATCH path` with a JSON body.
    pub async fn patch_json(&self, path: &str, body: &Value) -> Response {
        send(self.request(Method::PATCH, path).json(body)).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> Response {
        send(self.request(Method::DELETE, path)).await
    }
}

/// Asserts a problem+json answer with this status and code, and returns its body.
pub async fn assert_problem(res: Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let content_type = res
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    assert!(res.headers().contains_key("x-request-id"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["type"], "about:blank", "{body}");
    assert!(
        body["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    assert!(
        body["detail"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    body
}

/// The fields named in a validation problem's `errors`, with their codes.
pub fn field_errors(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap().to_owned(),
                        e["code"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A TCP relay between the server and PostgreSQL that a test can cut and restore, to play a
/// database that goes away and comes back.
pub struct FlakyProxy {
    /// `127.0.0.1:PORT` of the relay.
    pub address: String,
    up: Arc<AtomicBool>,
    generation: Arc<tokio::sync::watch::Sender<u64>>,
    /// Relays still open; `cut` waits for this to reach zero.
    open: Arc<AtomicUsize>,
}

/// Counts a relay as open for as long as it lives.
struct OpenRelay(Arc<AtomicUsize>);

impl Drop for OpenRelay {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl FlakyProxy {
    /// Starts relaying to `target` (`host:port`).
    pub async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let up = Arc::new(AtomicBool::new(true));
        let (tx, _) = tokio::sync::watch::channel(0u64);
        let generation = Arc::new(tx);
        let open = Arc::new(AtomicUsize::new(0));
        let (up2, gen2, open2) = (up.clone(), generation.clone(), open.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                if !up2.load(Ordering::SeqCst) {
                    let _ = inbound.shutdown().await;
                    continue;
                }
                let target = target.clone();
                let mut cut = gen2.subscribe();
                open2.fetch_add(1, Ordering::SeqCst);
                let relay = OpenRelay(open2.clone());
                tokio::spawn(async move {
                    let _relay = relay;
                    let Ok(mut outbound) = TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Self {
            address,
            up,
            generation,
            open,
        }
    }

    /// Drops every relayed connection and refuses new ones; returns once every relay has
    /// closed, so the server's next statement cannot still get through.
    pub async fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while self.open.load(Ordering::SeqCst) > 0 {
            assert!(std::time::Instant::now() < deadline, "relays did not close");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    /// Accepts connections again.
    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// A Byline server run as its own process (the built binary), so a test can kill it with
/// SIGKILL and start another on the same database.
pub struct Process {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    _data: tempfile::TempDir,
}

impl Process {
    /// Starts the binary on `database_url` with the test secret and first admin, plus `env`,
    /// and waits until it answers.
    pub async fn start(database_url: &str, env: &[(&str, &str)]) -> Process {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let data = tempfile::tempdir().unwrap();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_byline"));
        command
            .env("DATABASE_URL", database_url)
            .env("BYLINE_BIND", format!("127.0.0.1:{port}"))
            .env("BYLINE_DATA_DIR", data.path())
            .env("BYLINE_JWT_SECRET", JWT_SECRET)
            .env("BYLINE_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("BYLINE_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("BYLINE_WORKERS", "1")
            .env("BYLINE_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        for (k, v) in env {
            command.env(k, v);
        }
        let child = command.spawn().expect("the binary starts");
        let process = Process {
            child,
            address: format!("http://127.0.0.1:{port}"),
            _data: data,
        };
        let client = reqwest::Client::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            if let Ok(res) = client
                .get(format!("{}/readyz", process.address))
                .send()
                .await
                && res.status() == StatusCode::OK
            {
                return process;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the process did not start"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Kills it with SIGKILL: no shutdown, no goodbye.
    /// The process's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The first admin's access token.
    pub async fn admin_token(&self) -> String {
        let res = reqwest::Client::new()
            .post(format!("{}/api/v1/auth/login", self.address))
            .json(&serde_json::json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One request a [`Receiver`] got.
#[derive(Debug, Clone)]
pub struct Received {
    /// Its path.
    pub path: String,
    /// Its headers, names lowercase.
    pub headers: std::collections::HashMap<String, String>,
    /// Its raw body.
    pub body: Vec<u8>,
}

impl Received {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A webhook receiver on 127.0.0.1: records every request and answers `status` after
/// `delay_ms`.
#[derive(Clone)]
pub struct Receiver {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// What it got, in order of arrival.
    pub seen: Arc<std::sync::Mutex<Vec<Received>>>,
    /// The status it answers with.
    pub status: Arc<std::sync::atomic::AtomicU16>,
    /// How long it takes to answer.
    pub delay_ms: Arc<std::sync::atomic::AtomicU64>,
    /// Requests being answered now, and the most there ever were at once.
    pub in_flight: Arc<(AtomicUsize, AtomicUsize)>,
}

impl Receiver {
    /// Starts one answering 204 at once.
    pub async fn start() -> Receiver {
        use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let receiver = Receiver {
            url: format!("http://127.0.0.1:{port}"),
            seen: Arc::default(),
            status: Arc::new(std::sync::atomic::AtomicU16::new(204)),
            delay_ms: Arc::new(std::sync::atomic::AtomicU64::new(0)),
            in_flight: Arc::default(),
        };
        let shared = receiver.clone();
        let server = HttpServer::new(move || {
            let shared = shared.clone();
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let shared = shared.clone();
                async move {
                    let now = shared.in_flight.0.fetch_add(1, Ordering::SeqCst) + 1;
                    shared.in_flight.1.fetch_max(now, Ordering::SeqCst);
                    let delay = shared.delay_ms.load(Ordering::SeqCst);
                    if delay > 0 {
                        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
                    }
                    shared.in_flight.0.fetch_sub(1, Ordering::SeqCst);
                    let headers = req
                        .headers()
                        .iter()
                        .map(|(k, v)| {
                            (
                                k.as_str().to_owned(),
                                v.to_str().unwrap_or_default().to_owned(),
                            )
                        })
                        .collect();
                    shared.seen.lock().unwrap().push(Received {
                        path: req.path().to_owned(),
                        headers,
                        body: body.to_vec(),
                    });
                    let status = shared.status.load(Ordering::SeqCst);
                    let mut res =
                        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
                    if (300..400).contains(&status) {
                        res.insert_header(("location", "/moved"));
                    }
                    res.body("thanks")
                }
            }))
        })
        .workers(2)
        .max_connection_rate(1024)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        receiver
    }

    /// What it got so far.
    pub fn received(&self) -> Vec<Received> {
        self.seen.lock().unwrap().clone()
    }

    /// Answers with `status` from now on.
    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    /// Waits until `done` holds for what it got, or fails after `secs` seconds.
    pub async fn wait_for(&self, secs: u64, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let got = self.received();
            if done(&got) {
                return got;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the receiver got {} requests, not what the test waited for",
                got.len()
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// Runs one SQL statement on a test server's database (either engine), for states a client
/// cannot reach.
pub fn execute_sql(app: &TestApp, sql: &str) {
    if let Some(mut conn) = app.postgres_connection() {
        diesel::sql_query(sql).execute(&mut conn).unwrap();
        return;
    }
    let path = app.database_url.trim_start_matches("sqlite://");
    let mut conn = diesel::SqliteConnection::establish(path).unwrap();
    diesel::sql_query(sql).execute(&mut conn).unwrap();
}

/// Runs one `SELECT count(*) AS n …` on the database at `url` (either engine).
pub fn count_at(url: &str, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    match url.strip_prefix("sqlite://") {
        Some(path) => {
            let mut conn = diesel::SqliteConnection::establish(path).unwrap();
            diesel::sql_query(sql)
                .get_result::<Count>(&mut conn)
                .unwrap()
                .n
        }
        None => {
            let mut conn = PgConnection::establish(url).unwrap();
            diesel::sql_query(sql)
                .get_result::<Count>(&mut conn)
                .unwrap()
                .n
        }
    }
}

/// Runs one `SELECT count(*) AS n …` on a test server's database (either engine), for
/// checks a client cannot make.
pub fn count_sql(app: &TestApp, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    if let Some(mut conn) = app.postgres_connection() {
        return diesel::sql_query(sql)
            .get_result::<Count>(&mut conn)
            .unwrap()
            .n;
    }
    let path = app.database_url.trim_start_matches("sqlite://");
    let mut conn = diesel::SqliteConnection::establish(path).unwrap();
    diesel::sql_query(sql)
        .get_result::<Count>(&mut conn)
        .unwrap()
        .n
}

/// The slugs of a list answer's items, in order.
pub fn slugs(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap().to_owned())
        .collect()
}

/// The changes feed with `query` (`types=…`), read again until it holds at least `count`
/// events: on PostgreSQL an event shows once every older transaction on the server has
/// ended, which may take a moment while other tests write.
pub async fn changes_until(app: &TestApp, query: &str, count: usize) -> Value {
    let path = format!("/api/v1/changes?{query}");
    for _ in 0..100 {
        let page: Value = app.get(&path).await.json().await.unwrap();
        if page["data"].as_array().unwrap().len() >= count {
            return page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{path} never showed {count} events");
}
