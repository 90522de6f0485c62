//! Access tokens: HS256 JWTs with a pinned algorithm and required `exp`, `iss`, `aud`, `sub`.

use crate::domain::Role;
use std::io::Write;
use std::path::Path;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::{AuthSettings, MIN_JWT_SECRET_BYTES};

/// Seconds of clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECS: u64 = 5;

/// The file in the data folder that holds a generated signing secret.
pub const SECRET_FILE: &str = "jwt-secret";

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    /// The user's role when the token was issued.
    pub role: Role,
    /// Issued at (seconds since the epoch).
    pub iat: u64,
    /// Not before; the same as `iat`.
    pub nbf: u64,
    /// Expires at.
    pub exp: u64,
    /// Issuer.
    pub iss: String,
    /// Audience: one, or a list that must hold ours (RFC 7519, section 4.1.3).
    pub aud: Audience,
    /// Unique token id.
    pub jti: String,
    /// The user's credential version when issued; a password or role change moves it on.
    pub ver: i64,
}

/// The `aud` claim, which RFC 7519 allows as a string or an array of strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// One audience (what Byline issues).
    One(String),
    /// Several.
    Many(Vec<String>),
}

/// Signing and verification keys with the validation rules.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
}

impl JwtKeys {
    /// Keys from a secret's raw bytes.
    pub fn new(secret: &[u8], settings: &AuthSettings) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
        }
    }

    /// Issues a token for a user.
    pub fn issue(
        &self,
        user_id: &str,
        role: Role,
        version: i64,
        ttl_secs: u64,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            sub: user_id.to_owned(),
            role,
            iat: now,
            nbf: now,
            exp: now + ttl_secs,
            iss: self.issuer.clone(),
            aud: Audience::One(self.audience.clone()),
            jti: uuid::Uuid::new_v4().to_string(),
            ver: version,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// Verifies signature, algorithm and claims.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
    }
}

/// The configured secret, or one generated once and kept in the data folder with owner-only
/// permissions.
pub fn load_or_create_secret(settings: &AuthSettings, data_dir: &Path) -> Result<Vec<u8>, String> {
    if let Some(secret) = &settings.jwt_secret {
        return Ok(secret.expose().as_bytes().to_vec());
    }
    let path = data_dir.join(SECRET_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?
                    .permissions()
                    .mode();
                if mode & 0o077 != 0 {
                    return Err(format!(
                        "{} may be read by other users (mode {:o}); make it the owner's only \
                         with `chmod 600 {}`, or delete it to have a new one made",
                        path.display(),
                        mode & 0o777,
                        path.display()
                    ));
                }
            }
            let text = text.trim();
            if text.len() < MIN_JWT_SECRET_BYTES {
                return Err(format!(
                    "{} holds a secret shorter than {MIN_JWT_SECRET_BYTES} bytes",
                    path.display()
                ));
            }
            Ok(text.as_bytes().to_vec())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            crate::db::create_private_dir(data_dir)
                .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
            let mut bytes = [0u8; 48];
            getrandom::fill(&mut bytes).map_err(|e| e.to_string())?;
            let secret =
                base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes);
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options
                .open(&path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            file.write_all(secret.as_bytes())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Ok(secret.into_bytes())
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}
