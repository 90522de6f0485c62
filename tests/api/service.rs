//! Service endpoints, the OpenAPI document, and start-up behaviour of the binary.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{postgres_url, spawn_app};

#[tokio::test]
async fn healthz_and_readyz() {
    let app = spawn_app().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "ok");
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"], app.backend.name());
}

/// CI sets BYLINE_TEST_REQUIRE_POSTGRES so that a PostgreSQL run that silently fell back to
/// SQLite fails instead of passing.
#[tokio::test]
async fn the_suite_runs_on_the_requested_backend() {
    let app = spawn_app().await;
    let body: Value = app.get("/readyz").await.json().await.unwrap();
    let expected = if postgres_url().is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(body["database"], expected);
    if std::env::var("BYLINE_TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
        assert_eq!(
            body["database"], "postgres",
            "BYLINE_TEST_DATABASE_URL is not set"
        );
    }
}

#[tokio::test]
async fn the_served_document_is_the_committed_one() {
    let app = spawn_app().await;
    let res = app.get("/openapi.json").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/json");
    let served: Value = res.json().await.unwrap();
    assert_eq!(served["openapi"], "3.1.0");
    let committed: Value = serde_json::from_str(&committed_document()).unwrap();
    assert!(
        served == committed,
        "run BYLINE_UPDATE_OPENAPI=1 cargo test to refresh openapi/openapi.json"
    );
}

fn committed_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json")
}

fn committed_document() -> String {
    std::fs::read_to_string(committed_path()).unwrap_or_default()
}

#[test]
fn openapi_snapshot_is_current() {
    let generated = byline::openapi::document_json();
    if std::env::var("BYLINE_UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(committed_path(), &generated).unwrap();
        return;
    }
    assert!(
        committed_document() == generated,
        "openapi/openapi.json is out of date: run BYLINE_UPDATE_OPENAPI=1 cargo test"
    );
}

#[test]
fn every_operation_documents_problem_errors() {
    let doc: Value = serde_json::from_str(&byline::openapi::document_json()).unwrap();
    assert_eq!(
        doc["components"]["responses"]["Problem"]["content"]["application/problem+json"]["schema"]
            ["$ref"],
        "#/components/schemas/Problem"
    );
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let responses = op["responses"].as_object().unwrap();
            for range in ["4XX", "5XX"] {
                assert_eq!(
                    responses[range]["$ref"], "#/components/responses/Problem",
                    "{method} {path}"
                );
            }
            for (status, response) in responses {
                let is_error = status.starts_with('4') || status.starts_with('5');
                if is_error && let Some(content) = response.get("content") {
                    let problem = content.get("application/problem+json");
                    assert!(problem.is_some(), "{method} {path} {status}");
                }
            }
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{method} {path}"
            );
        }
    }
    assert!(operations >= 9);
    for path in [
        "/healthz",
        "/readyz",
        "/api/v1/categories",
        "/api/v1/categories/{id_or_slug}",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is missing");
    }
}

#[test]
fn bad_settings_stop_start_up_with_one_line_naming_the_setting() {
    let cases = [
        ("DATABASE_URL", "mysql://localhost/byline"),
        ("BYLINE_BIND", "127.0.0.1:http"),
        ("BYLINE_BODY_LIMIT", "1MB"),
        ("BYLINE_CONFIG", "/nonexistent/byline.toml"),
        ("BYLINE_LOG_FORMAT", "yaml"),
    ];
    for (name, value) in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_byline"))
            .arg("serve")
            .env(name, value)
            .env("BYLINE_DATA_DIR", std::env::temp_dir())
            .output()
            .unwrap();
        assert!(!out.status.success(), "{name}={value}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{stderr}");
        assert!(lines[0].contains(name), "{stderr}");
    }
}

#[test]
fn openapi_subcommand_prints_the_document() {
    let out = Command::new(env!("CARGO_BIN_EXE_byline"))
        .arg("openapi")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        byline::openapi::document_json()
    );
}

#[test]
fn migrate_subcommand_prepares_an_sqlite_database() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/nested/byline.db", dir.path().display());
    let out = Command::new(env!("CARGO_BIN_EXE_byline"))
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("nested/byline.db").exists());
    let again = Command::new(env!("CARGO_BIN_EXE_byline"))
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("applied 0"));
}

#[test]
fn user_create_reads_the_password_from_stdin() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/byline.db", dir.path().display());
    let create = |email: &str, password: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_byline"))
            .args(["user", "create", "--email", email, "--role", "editor"])
            .env("DATABASE_URL", &url)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    let out = create("Ed@Example.com", "a long enough password");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let short = create("other@example.com", "short");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12"));
    let taken = create("ed@example.com", "a long enough password");
    assert!(!taken.status.success());
}

#[test]
fn first_start_prints_a_generated_admin_password_once_and_never_logs_it() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let start = || {
        Command::new(env!("CARGO_BIN_EXE_byline"))
            .arg("serve")
            .env(
                "DATABASE_URL",
                format!("sqlite://{}/byline.db", dir.path().display()),
            )
            .env("BYLINE_DATA_DIR", dir.path())
            .env("BYLINE_BIND", "127.0.0.1:0")
            .env("BYLINE_LOG_FORMAT", "json")
            .env_remove("BYLINE_ADMIN_EMAIL")
            .env_remove("BYLINE_ADMIN_PASSWORD")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    // Reads stderr until the server says it listens; returns everything read.
    let read_until_listening = |child: &mut std::process::Child| {
        let stderr = child.stderr.take().unwrap();
        let mut seen = Vec::new();
        for line in BufReader::new(stderr).lines() {
            let line = line.unwrap();
            let done = line.contains("Byline is listening");
            seen.push(line);
            if done {
                break;
            }
        }
        seen
    };
    let mut first = start();
    let lines = read_until_listening(&mut first);
    first.kill().unwrap();
    first.wait().unwrap();
    let password_line = lines
        .iter()
        .find(|l| l.trim_start().starts_with("password:"))
        .expect("printed");
    let password = password_line
        .trim_start()
        .trim_start_matches("password:")
        .trim()
        .to_owned();
    assert!(password.len() >= 12, "{password}");
    assert!(lines.iter().any(|l| l.contains("admin@localhost")));
    let log_lines: Vec<&String> = lines.iter().filter(|l| l.starts_with('{')).collect();
    assert!(!log_lines.is_empty());
    assert!(
        log_lines.iter().all(|l| !l.contains(&password)),
        "the password reached a log line"
    );

    let mut second = start();
    let lines = read_until_listening(&mut second);
    second.kill().unwrap();
    second.wait().unwrap();
    assert!(
        !lines.iter().any(|l| l.contains("password:")),
        "printed only on the first start"
    );
}

#[tokio::test]
async fn seed_demo_loads_a_working_newsroom_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/demo.db", dir.path().display());
    for expected in ["loaded the demo content", "already there"] {
        let out = Command::new(env!("CARGO_BIN_EXE_byline"))
            .args(["seed", "--demo"])
            .env("DATABASE_URL", &url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains(expected));
    }
    let app = crate::helpers::spawn_app_with(|s| {
        s.database_url = byline::db::DatabaseUrl::parse(&url).unwrap();
    })
    .await;
    let page: Value = app
        .anon()
        .get("/api/v1/articles?category=market&include=author,category&fields=title,published_at,author_id,body")
        .await
        .json()
        .await
        .unwrap();
    let items = page["data"].as_array().unwrap();
    assert_eq!(items.len(), 2, "the draft stays hidden: {page}");
    let wire = items
        .iter()
        .find(|a| a["published_at"] == "2019-02-08T09:30:00Z")
        .unwrap();
    assert_eq!(wire["author_id"], Value::Null);
    assert_eq!(wire["author"], Value::Null);
    assert_eq!(wire["category"]["name"], "Market");
    assert!(wire["body"].as_str().unwrap().split("\n\n").count() >= 3);
    let all: Value = app
        .get("/api/v1/articles?status=all&with_total=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["meta"]["total"], 5);
}

/// The server's standard error, a line at a time.
type LogLines = std::io::Lines<std::io::BufReader<std::process::ChildStderr>>;

/// `byline serve` on a fresh SQLite database in `dir`, with the first admin
/// `admin@example.com` and these settings: the process, its log and the port it listens on.
fn serve_in(
    dir: &std::path::Path,
    settings: &[(&str, &str)],
) -> (std::process::Child, LogLines, String) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_byline"))
        .arg("serve")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/byline.db", dir.display()),
        )
        .env("BYLINE_DATA_DIR", dir)
        .env("BYLINE_BIND", "127.0.0.1:0")
        .env("BYLINE_ADMIN_EMAIL", "admin@example.com")
        .env("BYLINE_ADMIN_PASSWORD", "a long enough password")
        .envs(settings.iter().copied())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut port = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.contains("Byline is listening") {
            let at = line.find("port").unwrap();
            port = line[at..]
                .chars()
                .skip_while(|c| !c.is_ascii_digit())
                .take_while(char::is_ascii_digit)
                .collect();
            break;
        }
    }
    (child, lines, port)
}

/// Sends SIGTERM, and returns what the server logged until it exited, which it must do
/// cleanly.
fn stop(mut child: std::process::Child, lines: LogLines) -> Vec<String> {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}: {rest:?}");
    rest
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let (child, lines, port) = serve_in(dir.path(), &[("BYLINE_LOG_FORMAT", "json")]);
    // Signals are handled once the server runs: wait until it answers.
    let answered = (0..100).any(|_| {
        use std::io::{Read, Write};
        let Ok(mut stream) = std::net::TcpStream::connect(format!("127.0.0.1:{port}")) else {
            std::thread::sleep(std::time::Duration::from_millis(20));
            return false;
        };
        let _ = stream.write_all(b"GET /healthz HTTP/1.0\r\n\r\n");
        let mut reply = String::new();
        let _ = stream.read_to_string(&mut reply);
        reply.starts_with("HTTP/1.0 200") || reply.starts_with("HTTP/1.1 200")
    });
    assert!(answered, "the server never answered on port {port}");
    // Two requests with ids of their own, for the access log.
    for (path, id) in [
        ("/api/v1/articles?limit=1", "trace-me-1"),
        ("/nowhere", "trace-me-2"),
    ] {
        raw_exchange(&port, "GET", path, id, "");
    }
    let rest = stop(child, lines);
    assert!(
        rest.iter().any(|l| l.contains("Byline stopped")),
        "{rest:?}"
    );
    // One access line per request, as JSON, naming its id, route, status and duration.
    let access: Vec<Value> = rest
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["target"] == "byline::access")
        .collect();
    let line = |id: &str| {
        let found: Vec<&Value> = access
            .iter()
            .filter(|l| l["span"]["request_id"] == id)
            .collect();
        assert_eq!(found.len(), 1, "{id}: {access:?}");
        found[0].clone()
    };
    let ok = line("trace-me-1");
    assert_eq!(ok["level"], "INFO");
    assert_eq!(ok["method"], "GET");
    assert_eq!(ok["uri"], "/api/v1/articles?limit=1");
    assert_eq!(ok["route"], "/api/v1/articles");
    assert_eq!(ok["status"], 200);
    assert!(ok["micros"].as_u64().is_some(), "{ok}");
    assert_eq!(ok["client_ip"], "127.0.0.1");
    assert_eq!(line("trace-me-2")["status"], 404);
}

/// One HTTP/1.0 exchange on a fresh connection: the status code and the body.
fn raw_exchange(port: &str, method: &str, path: &str, id: &str, body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    let request = format!(
        "{method} {path} HTTP/1.0\r\nx-request-id: {id}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    let status = reply.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = reply.split_once("\r\n\r\n").map(|(_, b)| b.to_owned());
    (status, body.unwrap_or_default())
}

#[test]
fn a_line_logged_while_serving_a_request_names_it_and_the_filter_holds() {
    let dir = tempfile::tempdir().unwrap();
    // Warnings only: no access line for answers that did not fail.
    let settings = [
        ("BYLINE_LOG", "warn,byline=info,byline::access=warn"),
        ("BYLINE_LOG_FORMAT", "text"),
        ("BYLINE_REFRESH_REUSE_SECS", "0"),
    ];
    let (child, lines, port) = serve_in(dir.path(), &settings);
    let login = r#"{"email": "admin@example.com", "password": "a long enough password"}"#;
    let (status, body) = raw_exchange(&port, "POST", "/api/v1/auth/login", "log-login", login);
    assert_eq!(status, 200, "{body}");
    let refresh: Value = serde_json::from_str(&body).unwrap();
    let again = serde_json::json!({"refresh_token": refresh["refresh_token"]}).to_string();
    let (first, _) = raw_exchange(
        &port,
        "POST",
        "/api/v1/auth/refresh",
        "log-refresh-1",
        &again,
    );
    assert_eq!(first, 200);
    let (second, _) = raw_exchange(&port, "POST", "/api/v1/auth/refresh", "log-reuse", &again);
    assert_eq!(second, 401);
    let rest = stop(child, lines);
    let reuse: Vec<&String> = rest
        .iter()
        .filter(|l| l.contains("a used refresh token was presented again"))
        .collect();
    assert_eq!(reuse.len(), 1, "{rest:?}");
    assert!(
        reuse[0].contains(" WARN request{request_id=log-reuse}: byline::auth::service: "),
        "{rest:?}"
    );
    assert!(
        !rest.iter().any(|l| l.contains("byline::access")),
        "no access line below warn: {rest:?}"
    );
    assert!(
        rest.iter().any(|l| l.contains("Byline stopped")),
        "{rest:?}"
    );
}

#[test]
fn seed_synthetic_loads_the_requested_number_and_lists_published_slugs() {
    let dir = tempfile::tempdir().unwrap();
    let slugs = dir.path().join("slugs.txt");
    let out = Command::new(env!("CARGO_BIN_EXE_byline"))
        .args(["seed", "--synthetic", "250", "--slugs-out"])
        .arg(&slugs)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/s.db", dir.path().display()),
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("loaded 250 synthetic articles"));
    let listed = std::fs::read_to_string(&slugs).unwrap();
    let count = listed.lines().count();
    assert!((200..250).contains(&count), "about 90 % published: {count}");
}

#[test]
fn log_lines_written_to_a_pipe_carry_no_color_codes_and_all_reach_it() {
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    // A command that logs and then exits: every queued line must be out before it ends (its
    // folder is made readable by others, which it warns about).
    let out = Command::new(env!("CARGO_BIN_EXE_byline"))
        .arg("migrate")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/byline.db", dir.path().display()),
        )
        .env("BYLINE_DATA_DIR", dir.path())
        .env("BYLINE_LOG", "info")
        .env_remove("BYLINE_LOG_FORMAT")
        .env("BYLINE_NOT_A_SETTING", "1")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = String::new();
    let mut child = out;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(child.wait().unwrap().success(), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "color codes in: {stderr:?}");
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("WARN") && l.contains("BYLINE_NOT_A_SETTING")),
        "{stderr}"
    );
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("WARN") && l.contains("chmod 700")),
        "the lines logged just before the exit were lost: {stderr}"
    );
}
