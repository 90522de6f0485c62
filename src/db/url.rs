//! `DATABASE_URL`: which engine, and where, with the password kept out of logs.

use super::*;
use std::path::Path;

/// A parsed `DATABASE_URL`: the backend is taken from the scheme, never guessed by trying.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    backend: Backend,
    /// For PostgreSQL the URL as given; for SQLite the file path.
    target: String,
}

impl std::fmt::Debug for DatabaseUrl {
    // The URL may hold a password; it never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl DatabaseUrl {
    /// Parses `postgres://…`, `postgresql://…` or `sqlite://path`.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // Without a connect timeout libpq waits forever on an unreachable host.
            let target = if url.contains("connect_timeout=") {
                url.to_owned()
            } else {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}connect_timeout={PG_CONNECT_TIMEOUT_SECS}")
            };
            return Ok(Self {
                backend: Backend::Postgres,
                target,
            });
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(
                    "sqlite:// needs a file path, such as sqlite://byline-data/byline.db".into(),
                );
            }
            if path.contains(":memory:") {
                return Err(
                    "an in-memory SQLite database would not be shared by the pool; name a file"
                        .into(),
                );
            }
            return Ok(Self {
                backend: Backend::Sqlite,
                target: path.to_owned(),
            });
        }
        let scheme = url
            .split("://")
            .next()
            .filter(|_| url.contains("://"))
            .unwrap_or(url);
        Err(format!(
            "unknown database scheme `{scheme}`; use postgres://, postgresql:// or sqlite://"
        ))
    }

    /// Which engine this URL points at.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// What to connect to: the PostgreSQL URL, or the SQLite file path.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The SQLite database file, when the backend is SQLite.
    pub fn sqlite_path(&self) -> Option<&Path> {
        (self.backend == Backend::Sqlite).then(|| Path::new(&self.target))
    }

    /// The URL with any password replaced, safe to log.
    pub fn redacted(&self) -> String {
        match self.backend {
            Backend::Sqlite => format!("sqlite://{}", self.target),
            Backend::Postgres => redact_password(&self.target),
        }
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = match before_query.find('/') {
        Some(i) => before_query.split_at(i),
        None => (before_query, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    // libpq also takes the password as a parameter: `?password=…`.
    let query = query.map(|q| {
        q.split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => pair.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("&")
    });
    match query {
        Some(q) => format!("{scheme}://{authority}{path}?{q}"),
        None => format!("{scheme}://{authority}{path}"),
    }
}
