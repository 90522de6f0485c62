//! The settings: defaults, bad values, layering and the documents rendered from them.

use super::*;

fn settings(pairs: &[(&str, &str)]) -> Result<Settings, SettingError> {
    let env = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Settings::from_sources(&env)
}

#[test]
fn defaults_are_usable() {
    let s = settings(&[]).unwrap();
    assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
    assert_eq!(s.body_limit, 1024 * 1024);
    assert!(s.cors_origins.is_empty());
}

#[test]
fn bad_values_name_the_setting() {
    for (name, value) in [
        ("DATABASE_URL", "mysql://x"),
        ("BYLINE_BIND", "localhost:eighty"),
        ("BYLINE_BODY_LIMIT", "lots"),
        ("BYLINE_LOG_FORMAT", "xml"),
        ("BYLINE_CORS_ORIGINS", "example.com"),
        ("BYLINE_CONFIG", "/nonexistent/byline.toml"),
        ("BYLINE_JWT_SECRET", "too short"),
        ("BYLINE_JWT_SECRET", "                                  "),
        ("BYLINE_REFRESH_TOKEN_TTL_SECS", "10000000000000"),
        ("BYLINE_ACCESS_TOKEN_TTL_SECS", "0"),
        ("BYLINE_LOGIN_WINDOW_SECS", "99999999999"),
        ("BYLINE_LOGIN_MAX_FAILURES_PER_ACCOUNT", "0"),
        ("BYLINE_BODY_LIMIT", "1023"),
        ("BYLINE_BODY_LIMIT", "99999999999999"),
        ("BYLINE_DATABASE_POOL_SIZE", "0"),
        ("BYLINE_DATABASE_TIMEOUT_MS", "0"),
        ("BYLINE_WORKERS", "100000"),
        ("BYLINE_SHUTDOWN_TIMEOUT_SECS", "86400"),
        ("BYLINE_CACHE_MAX_AGE", "-1"),
        ("BYLINE_TRUSTED_PROXIES", "10.0.0.0/33"),
        ("BYLINE_TRUSTED_PROXIES", "proxy.local"),
        ("BYLINE_ADMIN_EMAIL", "admin@example.com"),
    ] {
        let err = settings(&[(name, value)]).unwrap_err();
        assert_eq!(err.name, name, "{value}");
    }
}

#[test]
fn the_site_settings_make_links() {
    assert!(settings(&[]).unwrap().site.is_none());
    let s = settings(&[("BYLINE_SITE_URL", "https://news.example.com/")]).unwrap();
    let site = s.site.unwrap();
    assert_eq!(site.url, "https://news.example.com");
    assert_eq!(site.name, "news.example.com");
    let at = chrono::NaiveDate::from_ymd_opt(2019, 2, 8).and_then(|d| d.and_hms_opt(9, 30, 0));
    let link = |category| ArticleLink {
        id: "01",
        slug: "oil-{slug}",
        category,
        published_at: at,
    };
    assert_eq!(
        site.article(link(Some("market"))),
        "https://news.example.com/market/oil-{slug}"
    );
    assert_eq!(
        site.article(link(None)),
        "https://news.example.com/news/oil-{slug}"
    );
    let s = settings(&[
        ("BYLINE_SITE_URL", "https://news.example.com"),
        ("BYLINE_ARTICLE_URL", "{site}/{yyyy}/{mm}/{dd}/{id}-{slug}"),
        ("BYLINE_UNCATEGORIZED_SEGMENT", "wire"),
        ("BYLINE_SITE_NAME", "Example News"),
    ])
    .unwrap();
    let site = s.site.unwrap();
    assert_eq!(
        site.article(link(None)),
        "https://news.example.com/2019/02/08/01-oil-{slug}"
    );
    assert_eq!(site.name, "Example News");
    assert_eq!(site.tag("oil"), "https://news.example.com/tag/oil");
}

#[test]
fn bad_site_settings_name_the_setting() {
    for (name, value) in [
        ("BYLINE_SITE_URL", "news.example.com"),
        ("BYLINE_SITE_URL", "ftp://news.example.com"),
        ("BYLINE_SITE_URL", "https://news.example.com/?x=1"),
        ("BYLINE_ARTICLE_URL", "{site}/{title}"),
        ("BYLINE_ARTICLE_URL", "{site}/{category}"),
        ("BYLINE_ARTICLE_URL", "/{slug}"),
        ("BYLINE_ARTICLE_URL", "{site}/{slug"),
        ("BYLINE_TAG_URL", "{site}/tag/{id}"),
        ("BYLINE_UNCATEGORIZED_SEGMENT", "Top News"),
        ("BYLINE_SITE_LANGUAGE", "english language"),
        ("BYLINE_SITE_NAME", "two\nlines"),
    ] {
        let mut pairs = vec![(name, value)];
        if name != "BYLINE_SITE_URL" {
            pairs.push(("BYLINE_SITE_URL", "https://news.example.com"));
        }
        let err = settings(&pairs).unwrap_err();
        assert_eq!(err.name, name, "{value}");
    }
}

#[test]
fn address_blocks() {
    let lan = Cidr::parse("10.0.0.0/8").unwrap();
    assert!(lan.contains(&"10.200.1.2".parse().unwrap()));
    assert!(lan.contains(&"::ffff:10.0.0.1".parse().unwrap()));
    assert!(!lan.contains(&"11.0.0.1".parse().unwrap()));
    let one = Cidr::parse("2001:db8::1").unwrap();
    assert!(one.contains(&"2001:db8::1".parse().unwrap()));
    assert!(!one.contains(&"2001:db8::2".parse().unwrap()));
    assert!(
        Cidr::parse("0.0.0.0/0")
            .unwrap()
            .contains(&"8.8.8.8".parse().unwrap())
    );
    for bad in ["10.0.0.0/", "10.0.0.0/x", "::/129", "host", "10.0.0.0/+8"] {
        assert_eq!(Cidr::parse(bad), None, "{bad}");
    }
    let s = settings(&[("BYLINE_TRUSTED_PROXIES", "10.0.0.0/8, ::1")]).unwrap();
    assert_eq!(s.trusted_proxies.len(), 2);
}

#[test]
fn file_is_overridden_by_environment() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("byline.toml");
    std::fs::write(&path, "bind = \"127.0.0.1:9000\"\nbody_limit = 4096\n").unwrap();
    let path = path.to_string_lossy().into_owned();
    let s = settings(&[("BYLINE_CONFIG", &path), ("BYLINE_BODY_LIMIT", "8192")]).unwrap();
    assert_eq!(s.bind.port(), 9000);
    assert_eq!(s.body_limit, 8192);
}

/// The README's settings table and `.env.example` are rendered from the declarations:
/// `BYLINE_UPDATE_DOCS=1 cargo test config::` writes them again after a change.
#[test]
fn the_documents_list_every_setting_as_declared() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let update = std::env::var("BYLINE_UPDATE_DOCS").is_ok_and(|v| v == "1");
    let readme_path = root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let start = readme
        .find("| variable |")
        .expect("the README has a settings table");
    let end = start + readme[start..].find("\n\n").expect("the table ends") + 1;
    let table = spec::readme_table();
    let env_path = root.join(".env.example");
    let env_example = spec::env_example();
    if update {
        let fresh = format!("{}{table}{}", &readme[..start], &readme[end..]);
        std::fs::write(&readme_path, fresh).unwrap();
        std::fs::write(&env_path, &env_example).unwrap();
        return;
    }
    assert_eq!(
        readme[start..end],
        table,
        "the README's settings table is out of date: run BYLINE_UPDATE_DOCS=1 cargo test config::"
    );
    assert_eq!(
        std::fs::read_to_string(&env_path).unwrap(),
        env_example,
        ".env.example is out of date: run BYLINE_UPDATE_DOCS=1 cargo test config::"
    );
}

#[test]
fn every_default_is_a_valid_value() {
    for s in spec::SETTINGS {
        if let spec::Kind::Number { min, max, optional } = s.kind {
            match s.default.parse::<u64>() {
                Ok(n) => assert!((min..=max).contains(&n), "{}", s.env),
                Err(_) => assert!(optional && s.default.is_empty(), "{}", s.env),
            }
        }
        assert_eq!(s.key(), s.env.trim_start_matches("BYLINE_").to_lowercase());
    }
}

#[test]
fn a_misspelled_variable_is_named_with_the_closest_setting() {
    let env = [
        ("BYLINE_BDOY_LIMIT", "1"),
        ("BYLINE_BODY_LIMIT", "2048"),
        ("BYLINE_TEST_DATABASE_URL", "x"),
        ("HOME", "/root"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let warnings = spec::unknown_variables(&env);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].starts_with("BYLINE_BDOY_LIMIT is not a Byline setting"));
    assert!(warnings[0].ends_with("did you mean BYLINE_BODY_LIMIT?"));
    let settings = Settings::from_sources(&env).unwrap();
    assert_eq!(settings.warnings, warnings);
    assert_eq!(settings.body_limit, 2048);
}
