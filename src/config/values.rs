//! Reading values: the layers (defaults, the settings file, the environment) merged into
//! [`Values`], read through the declarations of [`super::spec`], and the parsers of the
//! settings whose values have a shape of their own.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use super::SettingError;
use super::spec::{Kind, SETTINGS, Setting};

/// Seconds in a day.
pub const DAY: u64 = 24 * 60 * 60;

/// The value of every setting, each layer applied.
pub struct Values(HashMap<&'static str, String>);

impl Values {
    /// The defaults, overridden by the file's values, overridden by the environment's.
    pub fn layered(file: Option<&HashMap<String, String>>, env: &HashMap<String, String>) -> Self {
        let mut values = HashMap::new();
        for s in SETTINGS {
            let mut value = s.default.to_owned();
            if let Some(file_value) = file.and_then(|f| f.get(&s.key())) {
                value = file_value.clone();
            }
            if let Some(env_value) = env.get(s.env) {
                value = env_value.clone();
            }
            values.insert(s.env, value);
        }
        Values(values)
    }

    /// The built-in defaults alone.
    pub fn defaults() -> Self {
        Self::layered(None, &HashMap::new())
    }

    /// The value as given.
    pub fn raw(&self, s: &Setting) -> &str {
        self.0.get(s.env).map(String::as_str).unwrap_or_default()
    }

    /// The value without the spaces around it.
    pub fn text(&self, s: &Setting) -> &str {
        self.raw(s).trim()
    }

    /// The value, which must not be empty.
    pub fn required(&self, s: &Setting) -> Result<String, SettingError> {
        match self.text(s) {
            "" => Err(s.error("must not be empty")),
            value => Ok(value.to_owned()),
        }
    }

    /// A whole number within the declared range; `None` for an empty optional one.
    pub fn optional<T: TryFrom<u64>>(&self, s: &Setting) -> Result<Option<T>, SettingError> {
        let Kind::Number { min, max, optional } = s.kind else {
            return Err(s.error("is not a number setting"));
        };
        let value = self.text(s);
        if value.is_empty() && optional {
            return Ok(None);
        }
        let n: u64 = value
            .parse()
            .map_err(|_| s.error(format!("`{value}` is not a whole number in range")))?;
        if n < min || n > max {
            return Err(s.error(format!("`{value}` is out of range: use {min} to {max}")));
        }
        T::try_from(n)
            .map(Some)
            .map_err(|_| s.error(format!("`{value}` is out of range")))
    }

    /// A whole number within the declared range.
    pub fn number<T: TryFrom<u64>>(&self, s: &Setting) -> Result<T, SettingError> {
        self.optional(s)?
            .ok_or_else(|| s.error("must not be empty"))
    }

    /// A number of seconds.
    pub fn seconds(&self, s: &Setting) -> Result<Duration, SettingError> {
        self.number(s).map(Duration::from_secs)
    }

    /// A number of days.
    pub fn days(&self, s: &Setting) -> Result<Duration, SettingError> {
        self.number::<u64>(s).map(|d| Duration::from_secs(d * DAY))
    }

    /// A true/false setting.
    pub fn flag(&self, s: &Setting) -> Result<bool, SettingError> {
        match self.text(s) {
            "true" | "1" => Ok(true),
            "false" | "0" | "" => Ok(false),
            other => Err(s.error(format!("`{other}` is neither true nor false"))),
        }
    }
}

impl Setting {
    /// The error of a bad value of this setting.
    pub fn error(&self, reason: impl Into<String>) -> SettingError {
        SettingError::new(self.env, reason)
    }
}

/// A block of addresses in CIDR notation (`10.0.0.0/8`, `::1/128`; a bare address is a
/// block of one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: std::net::IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Reads `address/prefix` or a bare address.
    pub fn parse(text: &str) -> Option<Self> {
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text.trim(), None),
        };
        let network: std::net::IpAddr = addr.parse().ok()?;
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok()?,
            Some(_) => return None,
            None => bits,
        };
        (prefix <= bits).then_some(Self { network, prefix })
    }

    /// Whether the block holds `ip` (an IPv4 address given as IPv4-mapped IPv6 counts as
    /// IPv4).
    pub fn contains(&self, ip: &std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        let mask = |bits: u32, width: u32| -> u128 {
            if bits == 0 {
                0
            } else {
                (u128::MAX << (width - bits)) & (u128::MAX >> (128 - width))
            }
        };
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let m = mask(u32::from(self.prefix), 32);
                u128::from(u32::from(net)) & m == u128::from(u32::from(ip)) & m
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let m = mask(u32::from(self.prefix), 128);
                u128::from(net) & m == u128::from(ip) & m
            }
            _ => false,
        }
    }
}

/// Reads a flat TOML table of settings into strings, whatever the TOML type of each value.
pub fn read_file(path: &Path, name: &str) -> Result<HashMap<String, String>, SettingError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        SettingError::new(
            name,
            format!("cannot read settings file {}: {e}", path.display()),
        )
    })?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        SettingError::new(
            name,
            format!("{} is not valid TOML: {}", path.display(), e.message()),
        )
    })?;
    let mut out = HashMap::new();
    for (key, value) in table {
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Array(items) => {
                let mut parts = Vec::new();
                for item in items {
                    match item {
                        toml::Value::String(s) => parts.push(s),
                        _ => {
                            return Err(SettingError::new(
                                name,
                                format!("`{key}` in {} must list strings", path.display()),
                            ));
                        }
                    }
                }
                parts.join(",")
            }
            _ => {
                return Err(SettingError::new(
                    name,
                    format!("`{key}` in {} must be a string or a number", path.display()),
                ));
            }
        };
        out.insert(key, text);
    }
    Ok(out)
}

/// Comma-separated origins allowed to call the API from browsers.
pub fn parse_origins(value: &str) -> Result<Vec<String>, SettingError> {
    let mut origins = Vec::new();
    for origin in value.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        let well_formed = origin == "*"
            || ((origin.starts_with("http://") || origin.starts_with("https://"))
                && !origin.trim_end_matches('/').ends_with(':')
                && origin.matches('/').count() == 2);
        if !well_formed {
            return Err(SettingError::new(
                super::spec::CORS_ORIGINS.env,
                format!("`{origin}` is not an origin such as https://app.example.com"),
            ));
        }
        origins.push(origin.to_owned());
    }
    Ok(origins)
}

/// A comma list of waits such as `5s,5m,2h` (seconds, minutes, hours), each at most a day.
pub fn parse_schedule(value: &str) -> Result<Vec<Duration>, SettingError> {
    const NAME: &str = super::spec::WEBHOOK_RETRY_SCHEDULE.env;
    let mut waits = Vec::new();
    for item in value.split(',').map(str::trim) {
        let bad = || {
            SettingError::new(
                NAME,
                format!("`{item}` is not a wait such as 30s, 5m or 2h (at most 24h)"),
            )
        };
        let (number, unit) = item.split_at(item.len().saturating_sub(1));
        let n: u64 = number.parse().map_err(|_| bad())?;
        let secs = match unit {
            "s" => n,
            "m" => n.saturating_mul(60),
            "h" => n.saturating_mul(3600),
            _ => return Err(bad()),
        };
        if secs > DAY {
            return Err(bad());
        }
        waits.push(Duration::from_secs(secs));
    }
    if waits.is_empty() || waits.len() > 50 {
        return Err(SettingError::new(NAME, "must list between 1 and 50 waits"));
    }
    Ok(waits)
}
