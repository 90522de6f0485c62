//! Login, token rotation, forged and stale tokens, roles, API tokens and the login limit.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET, TestApp, assert_problem, field_errors, spawn_app,
    spawn_app_with,
};

async fn assert_unauthorized(res: reqwest::Response) -> Value {
    let challenge = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let challenge = challenge.expect("a 401 carries WWW-Authenticate");
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    assert_problem(res, 401, "unauthorized").await
}

#[tokio::test]
async fn login_returns_a_token_pair_and_me_answers() {
    let app = spawn_app().await;
    let res = app
        .anon()
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "  Admin@Example.COM ", "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let pair: Value = res.json().await.unwrap();
    assert_eq!(pair["token_type"], "Bearer");
    assert_eq!(pair["expires_in"], 900);
    assert_eq!(pair["user"]["email"], ADMIN_EMAIL);
    assert_eq!(pair["user"]["role"], "admin");
    assert!(pair["user"]["last_login_at"].is_string());
    assert!(pair["user"].get("password").is_none());
    let access = pair["access_token"].as_str().unwrap();
    assert_eq!(access.split('.').count(), 3);
    let claims: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(access.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    for claim in ["sub", "role", "iat", "exp", "iss", "aud", "jti"] {
        assert!(claims.get(claim).is_some(), "{claim} missing from {claims}");
    }
    assert_eq!(claims["sub"], pair["user"]["id"]);
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(access.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "HS256");

    let me: Value = app
        .with(access)
        .get("/api/v1/me")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["id"], pair["user"]["id"]);
    assert_unauthorized(app.anon().get("/api/v1/me").await).await;
}

#[tokio::test]
async fn wrong_email_and_wrong_password_give_the_same_401() {
    let app = spawn_app().await;
    let wrong_password = app
        .anon()
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": ADMIN_EMAIL, "password": "not the password"}),
        )
        .await;
    let unknown_email = app
        .anon()
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "nobody@example.com", "password": "not the password"}),
        )
        .await;
    assert!(wrong_password.headers().contains_key("www-authenticate"));
    let a = assert_problem(wrong_password, 401, "invalid_credentials").await;
    let b = assert_problem(unknown_email, 401, "invalid_credentials").await;
    assert_eq!(a, b);
    let long = "x".repeat(5000);
    let res = app
        .anon()
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": ADMIN_EMAIL, "password": long}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let empty = json!({"email": "", "password": "x"});
    let res = app.anon().post_json("/api/v1/auth/login", &empty).await;
    assert_problem(res, 422, "validation_failed").await;
    let res = app
        .anon()
        .post_json("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL}))
        .await;
    assert_problem(res, 422, "validation_failed").await;
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_family() {
    let app = spawn_app_with(|s| s.auth.refresh_reuse_interval = Duration::ZERO).await;
    let first = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let r1 = first["refresh_token"].as_str().unwrap().to_owned();

    let res = app
        .anon()
        .post_json("/api/v1/auth/refresh", &json!({"refresh_token": r1}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let second: Value = res.json().await.unwrap();
    let r2 = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    assert_ne!(first["access_token"], second["access_token"]);
    let me = app
        .with(second["access_token"].as_str().unwrap())
        .get("/api/v1/me")
        .await;
    assert_eq!(me.status(), StatusCode::OK);

    // r1 again: someone kept a copy. The whole family goes, r2 included.
    let res = app
        .anon()
        .post_json("/api/v1/auth/refresh", &json!({"refresh_token": r1}))
        .await;
    assert_unauthorized(res).await;
    let res = app
        .anon()
        .post_json("/api/v1/auth/refresh", &json!({"refresh_token": r2}))
        .await;
    assert_unauthorized(res).await;

    // Another login is a separate family and still works.
    let other = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let res = app
        .anon()
        .post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": other["refresh_token"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .anon()
        .post_json("/api/v1/auth/refresh", &json!({"refresh_token": "made-up"}))
        .await;
    assert_unauthorized(res).await;
}

#[tokio::test]
async fn two_tabs_refreshing_at_once_both_get_a_pair_and_later_reuse_still_revokes() {
    let app = spawn_app_with(|s| s.auth.refresh_reuse_interval = Duration::from_secs(1)).await;
    let first = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let body = json!({"refresh_token": first["refresh_token"]});
    let anon = app.anon();
    let (one, two) = tokio::join!(
        anon.post_json("/api/v1/auth/refresh", &body),
        anon.post_json("/api/v1/auth/refresh", &body),
    );
    assert_eq!(one.status(), StatusCode::OK);
    assert_eq!(two.status(), StatusCode::OK);
    let one: Value = one.json().await.unwrap();
    let two: Value = two.json().await.unwrap();
    assert_ne!(one["refresh_token"], two["refresh_token"]);
    // A third use within the interval is still a tab, not a thief.
    let res = anon.post_json("/api/v1/auth/refresh", &body).await;
    assert_eq!(res.status(), StatusCode::OK);
    let three: Value = res.json().await.unwrap();

    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_unauthorized(anon.post_json("/api/v1/auth/refresh", &body).await).await;
    for pair in [one, two, three] {
        let res = anon
            .post_json(
                "/api/v1/auth/refresh",
                &json!({"refresh_token": pair["refresh_token"]}),
            )
            .await;
        assert_unauthorized(res).await;
    }
}

#[tokio::test]
async fn logout_revokes_the_refresh_token() {
    let app = spawn_app().await;
    let pair = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let body = json!({"refresh_token": pair["refresh_token"]});
    let res = app.anon().post_json("/api/v1/auth/logout", &body).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_unauthorized(app.anon().post_json("/api/v1/auth/refresh", &body).await).await;
    let res = app
        .anon()
        .post_json("/api/v1/auth/logout", &json!({"refresh_token": "unknown"}))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

fn sign(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn forged_and_foreign_tokens_are_401() {
    let app = spawn_app().await;
    let (author, author_token) = app.user_with_role("author").await;
    let parts: Vec<&str> = author_token.split('.').collect();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let now = jsonwebtoken::get_current_timestamp();
    let with = |changes: Value| {
        let mut c = claims.clone();
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                c.as_object_mut().unwrap().remove(k);
            } else {
                c[k] = v.clone();
            }
        }
        c
    };
    let mut edited = claims.clone();
    edited["role"] = json!("admin");
    let cases = vec![
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(&json!({"alg": "none", "typ": "JWT"})),
                parts[1]
            ),
        ),
        (
            "payload edited to admin",
            format!("{}.{}.{}", parts[0], b64(&edited), parts[2]),
        ),
        (
            "another key",
            sign(&claims, "some-other-secret-that-is-long-enough-to-use"),
        ),
        (
            "expired",
            sign(
                &with(json!({"iat": now - 7200, "nbf": now - 7200, "exp": now - 3600})),
                JWT_SECRET,
            ),
        ),
        (
            "wrong audience",
            sign(&with(json!({"aud": "someone-else"})), JWT_SECRET),
        ),
        (
            "wrong issuer",
            sign(&with(json!({"iss": "evil"})), JWT_SECRET),
        ),
        ("no audience", sign(&with(json!({"aud": null})), JWT_SECRET)),
        ("no issuer", sign(&with(json!({"iss": null})), JWT_SECRET)),
        ("no expiry", sign(&with(json!({"exp": null})), JWT_SECRET)),
        (
            "not yet valid",
            sign(&with(json!({"nbf": now + 3600})), JWT_SECRET),
        ),
        (
            "role claim raised",
            sign(&with(json!({"role": "admin"})), JWT_SECRET),
        ),
        (
            "audience list without ours",
            sign(
                &with(json!({"aud": ["someone-else", "another"]})),
                JWT_SECRET,
            ),
        ),
        ("garbage", "not-a-jwt".to_owned()),
    ];
    for (what, token) in cases {
        let res = app.with(&token).get("/api/v1/me").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{what}");
        assert_unauthorized(res).await;
        let res = app.with(&token).get("/api/v1/users").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{what}");
    }
    // Invalid credentials on a public route are refused, not ignored.
    let res = app.with("not-a-jwt").get("/api/v1/categories").await;
    assert_unauthorized(res).await;
    let res = app
        .anon()
        .request(reqwest::Method::GET, "/api/v1/me")
        .header("authorization", "Basic YTpi")
        .send()
        .await
        .unwrap();
    assert_unauthorized(res).await;
    // RFC 7519: an audience list that holds ours is valid.
    let listed = sign(
        &with(json!({"aud": ["someone-else", "byline-api"]})),
        JWT_SECRET,
    );
    // It works, and so does the real token.
    for token in [&listed, &author_token] {
        let me: Value = app
            .with(token)
            .get("/api/v1/me")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(me["id"], author["id"]);
    }
}

#[tokio::test]
async fn tokens_of_deleted_users_and_from_before_a_password_or_role_change_are_401() {
    let app = spawn_app().await;
    let (gone, gone_token) = app.user_with_role("editor").await;
    let res = app
        .delete(&format!("/api/v1/users/{}", gone["id"].as_str().unwrap()))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_unauthorized(app.with(&gone_token).get("/api/v1/me").await).await;

    let (user, old_token) = app.user_with_role("editor").await;
    let path = format!("/api/v1/users/{}", user["id"].as_str().unwrap());
    let email = user["email"].as_str().unwrap().to_owned();
    let pair = app.login(&email, "a long enough password").await;
    let res = app
        .patch_json(&path, &json!({"password": "a brand new passphrase"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_unauthorized(app.with(&old_token).get("/api/v1/me").await).await;
    let res = app
        .anon()
        .post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": pair["refresh_token"]}),
        )
        .await;
    assert_unauthorized(res).await;
    let res = app
        .anon()
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": email, "password": "a long enough password"}),
        )
        .await;
    assert_problem(res, 401, "invalid_credentials").await;
    let fresh = app.login(&email, "a brand new passphrase").await;
    let fresh_token = fresh["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.with(&fresh_token).get("/api/v1/me").await.status(),
        StatusCode::OK
    );

    let res = app.patch_json(&path, &json!({"role": "author"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_unauthorized(app.with(&fresh_token).get("/api/v1/me").await).await;
    // A change of display name alone keeps sessions.
    let latest = app.login(&email, "a brand new passphrase").await;
    let latest_token = latest["access_token"].as_str().unwrap();
    app.patch_json(&path, &json!({"display_name": "Renamed"}))
        .await;
    assert_eq!(
        app.with(latest_token).get("/api/v1/me").await.status(),
        StatusCode::OK
    );
}

async fn status_of(
    app: &TestApp,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> u16 {
    let who = match token {
        Some(t) => app.with(t),
        None => app.anon(),
    };
    let res = match (method, body) {
        ("GET", _) => who.get(path).await,
        ("POST", Some(b)) => who.post_json(path, &b).await,
        ("PATCH", Some(b)) => who.patch_json(path, &b).await,
        ("DELETE", _) => who.delete(path).await,
        other => panic!("unexpected {other:?}"),
    };
    res.status().as_u16()
}

#[tokio::test]
async fn the_roles_table_holds_for_categories_users_and_tokens() {
    let app = spawn_app().await;
    let (_, author) = app.user_with_role("author").await;
    let (_, editor) = app.user_with_role("editor").await;
    let (_, read) = app.api_token("read").await;
    let (_, write) = app.api_token("write").await;
    let admin = app.admin_token.clone();
    let callers: [(&str, Option<&str>); 6] = [
        ("public", None),
        ("author", Some(&author)),
        ("editor", Some(&editor)),
        ("admin", Some(&admin)),
        ("read token", Some(&read)),
        ("write token", Some(&write)),
    ];
    // Expected status for: public, author, editor, admin, read token, write token.
    for (i, (who, token)) in callers.iter().enumerate() {
        let slug = format!("section-{i}");
        let create = status_of(
            &app,
            *token,
            "POST",
            "/api/v1/categories",
            Some(json!({"name": "S", "slug": slug})),
        )
        .await;
        let expected = [401, 403, 201, 201, 403, 201][i];
        assert_eq!(create, expected, "{who} creating a category");
        let read_status = status_of(&app, *token, "GET", "/api/v1/categories", None).await;
        assert_eq!(read_status, 200, "{who} listing categories");
    }
    app.create_category(json!({"name": "Target"})).await;
    for (i, (who, token)) in callers.iter().enumerate() {
        let patch = status_of(
            &app,
            *token,
            "PATCH",
            "/api/v1/categories/target",
            Some(json!({"description": who})),
        )
        .await;
        assert_eq!(
            patch,
            [401, 403, 200, 200, 403, 200][i],
            "{who} editing a category"
        );
    }
    for (i, (who, token)) in callers.iter().enumerate() {
        let users = status_of(&app, *token, "GET", "/api/v1/users", None).await;
        assert_eq!(
            users,
            [401, 403, 403, 200, 403, 403][i],
            "{who} listing users"
        );
        let tokens = status_of(&app, *token, "GET", "/api/v1/tokens", None).await;
        assert_eq!(
            tokens,
            [401, 403, 403, 200, 403, 403][i],
            "{who} listing tokens"
        );
        let body = json!({"email": format!("new{i}@example.com"), "password": "long enough password", "display_name": "N", "role": "author"});
        let create_user = status_of(&app, *token, "POST", "/api/v1/users", Some(body)).await;
        assert_eq!(
            create_user,
            [401, 403, 403, 201, 403, 403][i],
            "{who} creating a user"
        );
        let create_token = status_of(
            &app,
            *token,
            "POST",
            "/api/v1/tokens",
            Some(json!({"name": "x", "scope": "read"})),
        )
        .await;
        assert_eq!(
            create_token,
            [401, 403, 403, 201, 403, 403][i],
            "{who} creating a token"
        );
    }
    for (i, (who, token)) in callers.iter().enumerate() {
        let delete = status_of(&app, *token, "DELETE", "/api/v1/categories/target", None).await;
        let expected = [401, 403, 204, 404, 403, 404][i];
        assert_eq!(delete, expected, "{who} deleting a category");
    }
}

#[tokio::test]
async fn users_may_change_only_their_own_harmless_fields() {
    let app = spawn_app().await;
    let (author, author_token) = app.user_with_role("author").await;
    let (other, _) = app.user_with_role("editor").await;
    let own = format!("/api/v1/users/{}", author["id"].as_str().unwrap());
    let others = format!("/api/v1/users/{}", other["id"].as_str().unwrap());
    let me = app.with(&author_token);

    assert_eq!(me.get(&own).await.status(), StatusCode::OK);
    assert_problem(me.get(&others).await, 403, "forbidden").await;
    assert_problem(
        me.patch_json(&others, &json!({"display_name": "x"})).await,
        403,
        "forbidden",
    )
    .await;
    for body in [
        json!({"role": "admin"}),
        json!({"author_id": uuid::Uuid::now_v7().to_string()}),
        json!({"role": "admin", "display_name": "Boss"}),
    ] {
        let problem =
            assert_problem(me.patch_json(&own, &body).await, 422, "validation_failed").await;
        assert!(
            field_errors(&problem)
                .iter()
                .any(|(_, code)| code == "not_allowed"),
            "{problem}"
        );
    }
    let unchanged: Value = app.get(&own).await.json().await.unwrap();
    assert_eq!(unchanged["role"], "author");
    assert_eq!(unchanged["display_name"], "author");
    let res = me
        .patch_json(&own, &json!({"display_name": "Ann Author"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let res = app.post_json("/api/v1/users", &json!({"email": "x@example.com", "password": "long enough password", "display_name": "X", "role": "author", "is_admin": true})).await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem),
        [("is_admin".to_owned(), "unknown_field".to_owned())]
    );
}

#[tokio::test]
async fn user_rules() {
    let app = spawn_app().await;
    let body = |email: &str, password: &str| json!({"email": email, "password": password, "display_name": "D", "role": "editor"});
    let res = app
        .post_json("/api/v1/users", &body("Dana@Example.com", "twelve chars"))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(res.headers().contains_key("location"));
    let dana: Value = res.json().await.unwrap();
    assert_eq!(dana["email"], "dana@example.com");
    assert_problem(
        app.post_json("/api/v1/users", &body("DANA@example.com", "twelve chars"))
            .await,
        409,
        "email_taken",
    )
    .await;
    let cases = [
        (
            body("dana2@example.com", "eleven char"),
            "password",
            "too_short",
        ),
        (
            body("dana2@example.com", &"p".repeat(1025)),
            "password",
            "too_long",
        ),
        (
            body("not-an-email", "twelve chars"),
            "email",
            "invalid_format",
        ),
        (
            body("a b@example.com", "twelve chars"),
            "email",
            "invalid_format",
        ),
        (
            json!({"email": "d@x", "password": "twelve chars", "display_name": "D", "role": "owner"}),
            "role",
            "invalid_value",
        ),
    ];
    for (body, field, code) in cases {
        let problem = assert_problem(
            app.post_json("/api/v1/users", &body).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(
            field_errors(&problem),
            [(field.to_owned(), code.to_owned())],
            "{body}"
        );
    }
    // Another admin may demote this one; the one left cannot demote or delete itself.
    let me: Value = app.get("/api/v1/me").await.json().await.unwrap();
    let admin_path = format!("/api/v1/users/{}", me["id"].as_str().unwrap());
    let (second, second_token) = app.user_with_role("admin").await;
    let second_path = format!("/api/v1/users/{}", second["id"].as_str().unwrap());
    let res = app
        .with(&second_token)
        .patch_json(&admin_path, &json!({"role": "editor"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .with(&second_token)
        .patch_json(&second_path, &json!({"role": "editor"}))
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let res = app.with(&second_token).delete(&second_path).await;
    assert_problem(res, 409, "cannot_delete_self").await;
    let res = app
        .with(&second_token)
        .patch_json(&admin_path, &json!({"role": "admin"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let admin_token = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let app_admin = app.with(&admin_token);
    assert_problem(
        app_admin.get("/api/v1/users/not-a-uuid").await,
        400,
        "invalid_path",
    )
    .await;
    let missing = format!("/api/v1/users/{}", uuid::Uuid::now_v7());
    assert_problem(app_admin.get(&missing).await, 404, "not_found").await;

    let list: Value = app_admin
        .get("/api/v1/users?limit=1&with_total=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["meta"]["total"], 3);
    let cursor = list["meta"]["next_cursor"].as_str().unwrap();
    let rest: Value = app_admin
        .get(&format!("/api/v1/users?limit=1&cursor={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rest["data"][0]["id"], dana["id"]);
    let last = rest["meta"]["next_cursor"].as_str().unwrap();
    let last: Value = app_admin
        .get(&format!("/api/v1/users?limit=1&cursor={last}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(last["data"][0]["id"], second["id"]);
    assert!(last["meta"]["next_cursor"].is_null());
}

#[tokio::test]
async fn api_tokens_are_shown_once_scoped_and_revocable() {
    let app = spawn_app().await;
    let (record, secret) = app.api_token("read").await;
    assert!(secret.starts_with("byl_"));
    assert_eq!(record["scope"], "read");
    assert!(record["last_used_at"].is_null());
    let path = format!("/api/v1/tokens/{}", record["id"].as_str().unwrap());
    let fetched: Value = app.get(&path).await.json().await.unwrap();
    assert!(
        fetched.get("token").is_none(),
        "the secret is never shown again"
    );
    let listed: Value = app.get("/api/v1/tokens").await.json().await.unwrap();
    assert!(!listed.to_string().contains(&secret));

    assert_eq!(
        app.with(&secret).get("/api/v1/categories").await.status(),
        StatusCode::OK
    );
    let used: Value = app.get(&path).await.json().await.unwrap();
    assert!(used["last_used_at"].is_string());
    assert_problem(app.with(&secret).get("/api/v1/me").await, 403, "forbidden").await;

    assert_eq!(app.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert_unauthorized(app.with(&secret).get("/api/v1/categories").await).await;
    assert_problem(app.get(&path).await, 404, "not_found").await;
    assert_unauthorized(app.with("byl_made-up").get("/api/v1/categories").await).await;

    let past = json!({"name": "old", "scope": "read", "expires_at": "2001-01-01T00:00:00Z"});
    let problem = assert_problem(
        app.post_json("/api/v1/tokens", &past).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        [("expires_at".to_owned(), "in_the_past".to_owned())]
    );
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let res = app
        .post_json(
            "/api/v1/tokens",
            &json!({"name": "brief", "scope": "write", "expires_at": soon}),
        )
        .await;
    let brief: Value = res.json().await.unwrap();
    let brief_secret = brief["token"].as_str().unwrap();
    assert_eq!(
        app.with(brief_secret)
            .get("/api/v1/categories")
            .await
            .status(),
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_unauthorized(app.with(brief_secret).get("/api/v1/categories").await).await;
}

#[tokio::test]
async fn failed_logins_are_limited_per_account_then_lifted() {
    let app = spawn_app_with(|s| {
        s.auth.max_failures_per_account = 3;
        s.auth.failure_window = Duration::from_secs(2);
    })
    .await;
    let wrong = json!({"email": ADMIN_EMAIL, "password": "wrong password!"});
    for _ in 0..3 {
        assert_problem(
            app.anon().post_json("/api/v1/auth/login", &wrong).await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    let right = json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD});
    let res = app.anon().post_json("/api/v1/auth/login", &right).await;
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    assert_problem(res, 429, "rate_limited").await;
    // Other accounts are not locked out by this one.
    let other = json!({"email": "someone@example.com", "password": "wrong password!"});
    assert_problem(
        app.anon().post_json("/api/v1/auth/login", &other).await,
        401,
        "invalid_credentials",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let res = app.anon().post_json("/api/v1/auth/login", &right).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn failed_logins_are_limited_per_address() {
    let app = spawn_app_with(|s| s.auth.max_failures_per_address = 4).await;
    for i in 0..4 {
        let body = json!({"email": format!("user{i}@example.com"), "password": "wrong password!"});
        assert_problem(
            app.anon().post_json("/api/v1/auth/login", &body).await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    let right = json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD});
    let res = app.anon().post_json("/api/v1/auth/login", &right).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429, "rate_limited").await;
}

#[tokio::test]
async fn a_generated_signing_secret_is_kept_owner_only() {
    let app = spawn_app_with(|s| s.auth.jwt_secret = None).await;
    let path = app.data_dir.join("jwt-secret");
    let secret = std::fs::read_to_string(&path).unwrap();
    assert!(secret.len() >= 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert_eq!(app.get("/api/v1/me").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn nobody_can_lock_themselves_out() {
    let app = spawn_app().await;
    let me: Value = app.get("/api/v1/me").await.json().await.unwrap();
    let own = format!("/api/v1/users/{}", me["id"].as_str().unwrap());
    // A second admin exists, so these are refused for being one's own account only.
    app.user_with_role("admin").await;

    let problem = assert_problem(
        app.patch_json(&own, &json!({"role": "editor"})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        [("role".to_owned(), "not_allowed".to_owned())]
    );
    assert_problem(app.delete(&own).await, 409, "cannot_delete_self").await;

    let res = app
        .patch_json(&own, &json!({"password": "a new admin password"}))
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem),
        [("current_password".to_owned(), "required".to_owned())]
    );
    let wrong = json!({"password": "a new admin password", "current_password": "not it at all"});
    let problem =
        assert_problem(app.patch_json(&own, &wrong).await, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem),
        [("current_password".to_owned(), "mismatch".to_owned())]
    );
    assert_eq!(
        app.get("/api/v1/me").await.status(),
        StatusCode::OK,
        "nothing changed"
    );

    let right = json!({"password": "a new admin password", "current_password": ADMIN_PASSWORD});
    assert_eq!(app.patch_json(&own, &right).await.status(), StatusCode::OK);
    assert_unauthorized(app.get("/api/v1/me").await).await;
    app.login(ADMIN_EMAIL, "a new admin password").await;
}
