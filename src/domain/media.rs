//! Where media files are served and at which widths: shared by the media service, the
//! events that describe media and the HTTP layer.

/// The widths renditions come in.
pub const WIDTHS: &[u32] = &[160, 320, 640, 960, 1280, 1920];
/// The most pixels an image may have (50 megapixels).
pub const MAX_PIXELS: u64 = 50_000_000;

/// The path an original is served at.
pub fn original_path(id: &str, filename: &str) -> String {
    format!("/media/{id}/{filename}")
}

/// The path of a rendition.
pub fn rendition_path(id: &str, width: u32, filename: &str) -> String {
    format!("/media/{id}/{width}/{filename}")
}

/// The widths an image of `width` pixels has renditions at: never wider than itself.
pub fn widths_for(width: i32) -> impl Iterator<Item = u32> {
    WIDTHS
        .iter()
        .copied()
        .filter(move |w| i64::from(*w) <= i64::from(width))
}

/// The renditions of an image as the API lists them: width to path.
pub fn renditions(
    id: &str,
    width: i32,
    filename: &str,
) -> serde_json::Map<String, serde_json::Value> {
    widths_for(width)
        .map(|w| {
            (
                w.to_string(),
                serde_json::Value::String(rendition_path(id, w, filename)),
            )
        })
        .collect()
}
