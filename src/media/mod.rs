//! The media library: uploaded images, stored once per content under their SHA-256, with
//! renditions made on first request. [`sniff`] tells a file's kind and copies it without
//! metadata; [`store`] opens the directory or S3 bucket behind one trait; [`render`] makes
//! renditions off the request threads, once per rendition however many ask at once.

mod intake;
pub mod model;
pub mod render;
pub mod renderer;
pub mod repo;
pub mod service;
pub mod sniff;
pub mod store;

pub use crate::domain::media::{
    MAX_PIXELS, WIDTHS, original_path, rendition_path, renditions, widths_for,
};

/// A file name that is safe in a URL and says what the file is: the client's name without
/// folders, letters, digits, `.`, `-` and `_` only, with the extension of its real kind.
pub fn safe_filename(given: Option<&str>, kind: sniff::Kind) -> String {
    let base = given.unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("");
    let stem = base.rsplit_once('.').map_or(base, |(stem, _)| stem);
    let mut clean = String::new();
    for c in any_ascii::any_ascii(stem).chars() {
        let c = if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            c.to_ascii_lowercase()
        } else {
            '-'
        };
        if !(c == '-' && clean.ends_with('-')) {
            clean.push(c);
        }
        if clean.len() >= 80 {
            break;
        }
    }
    let clean = clean.trim_matches('-');
    let stem = if clean.is_empty() { "image" } else { clean };
    format!("{stem}.{}", kind.extension())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_never_paths() {
        use sniff::Kind;
        assert_eq!(
            safe_filename(Some("../../etc/passwd"), Kind::Png),
            "passwd.png"
        );
        assert_eq!(
            safe_filename(Some("C:\\x\\Фото 1.JPG"), Kind::Jpeg),
            "foto-1.jpg"
        );
        assert_eq!(safe_filename(Some("photo.jpg"), Kind::Png), "photo.png");
        assert_eq!(safe_filename(Some("..."), Kind::Gif), "image.gif");
        assert_eq!(safe_filename(None, Kind::Webp), "image.webp");
    }
}
