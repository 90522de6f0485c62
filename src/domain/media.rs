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

/// The shapes a rendition is cut to, around the item's focal point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Crop {
    /// The whole image, in its own proportions.
    Original,
    /// 16:9, for teasers.
    Wide,
    /// 4:3.
    Standard,
    /// 1:1, for thumbnails.
    Square,
    /// 1200 × 630, the card link previews show (`og:image`).
    Social,
}

/// Every crop, in the order media objects list them.
pub const CROPS: [Crop; 5] = [
    Crop::Original,
    Crop::Wide,
    Crop::Standard,
    Crop::Square,
    Crop::Social,
];

/// The social card's size.
pub const SOCIAL: (u32, u32) = (1200, 630);

impl Crop {
    /// The name in URLs and media objects.
    pub fn name(self) -> &'static str {
        match self {
            Crop::Original => "original",
            Crop::Wide => "16x9",
            Crop::Standard => "4x3",
            Crop::Square => "1x1",
            Crop::Social => "social",
        }
    }

    /// The crop a `crop=` value names (`original` is the absence of one).
    pub fn parse(raw: &str) -> Option<Self> {
        CROPS
            .into_iter()
            .find(|c| *c != Crop::Original && c.name() == raw)
    }

    /// Width to height, for a crop with proportions of its own.
    pub fn ratio(self) -> Option<(u32, u32)> {
        match self {
            Crop::Original => None,
            Crop::Wide => Some((16, 9)),
            Crop::Standard => Some((4, 3)),
            Crop::Square => Some((1, 1)),
            Crop::Social => Some(SOCIAL),
        }
    }
}

/// A focal point in thousandths of the width and height (0 to 1000 each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Focal {
    /// Across, from the left.
    pub x: u16,
    /// Down, from the top.
    pub y: u16,
}

impl Focal {
    /// The center, where crops are cut around unless told otherwise.
    pub const CENTER: Focal = Focal { x: 500, y: 500 };

    /// The point nearest to `x`, `y` (each 0 to 1) on the grid of thousandths; `None` for
    /// values outside 0 to 1.
    pub fn from_fractions(x: f64, y: f64) -> Option<Self> {
        let milli = |v: f64| {
            (v.is_finite() && (0.0..=1.0).contains(&v))
                .then(|| (v * 1000.0).round())
                .and_then(|m| u16::try_from(m as i64).ok())
        };
        Some(Focal {
            x: milli(x)?,
            y: milli(y)?,
        })
    }

    /// Across, 0 to 1.
    pub fn fx(self) -> f64 {
        f64::from(self.x) / 1000.0
    }

    /// Down, 0 to 1.
    pub fn fy(self) -> f64 {
        f64::from(self.y) / 1000.0
    }

    /// The `focal=` value of a rendition URL: `0.3,0.72`.
    pub fn param(self) -> String {
        format!("{},{}", self.fx(), self.fy())
    }

    /// The point a `focal=` value names.
    pub fn parse(raw: &str) -> Option<Self> {
        let (x, y) = raw.split_once(',')?;
        let number = |s: &str| {
            let s = s.trim();
            (!s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '.'))
                .then(|| s.parse::<f64>().ok())
                .flatten()
        };
        Self::from_fractions(number(x)?, number(y)?)
    }

    /// Points as a media row keeps them: `300,720;500,500`.
    pub fn list(raw: &str) -> impl Iterator<Item = Focal> + '_ {
        raw.split(';').filter_map(|p| {
            let (x, y) = p.split_once(',')?;
            Some(Focal {
                x: x.parse().ok().filter(|v| *v <= 1000)?,
                y: y.parse().ok().filter(|v| *v <= 1000)?,
            })
        })
    }

    /// One point as a media row keeps it.
    pub fn stored(self) -> String {
        format!("{},{}", self.x, self.y)
    }
}

/// The part of a `width` × `height` image a crop keeps, as left, top, width and height in
/// pixels: the largest area of the crop's proportions, centered on the focal point as far
/// as the edges allow (so it always holds the point).
pub fn region(crop: Crop, width: u32, height: u32, focal: Focal) -> (f64, f64, f64, f64) {
    let (w, h) = (f64::from(width), f64::from(height));
    let Some((rw, rh)) = crop.ratio() else {
        return (0.0, 0.0, w, h);
    };
    let (rw, rh) = (f64::from(rw), f64::from(rh));
    let (cw, ch) = if w * rh > h * rw {
        (h * rw / rh, h)
    } else {
        (w, w * rh / rw)
    };
    let place = |center: f64, size: f64, whole: f64| (center - size / 2.0).clamp(0.0, whole - size);
    (
        place(focal.fx() * w, cw, w),
        place(focal.fy() * h, ch, h),
        cw,
        ch,
    )
}

/// The widths a crop of a `width` × `height` image comes in: those of [`WIDTHS`] no wider
/// than the area it keeps, or for the social card its one width (1200, or less when the
/// image is smaller: renditions are never scaled up).
pub fn crop_widths(crop: Crop, width: u32, height: u32) -> Vec<u32> {
    let (_, _, cw, _) = region(crop, width, height, Focal::CENTER);
    let fits = cw.floor() as u32;
    match crop {
        Crop::Social => vec![SOCIAL.0.min(fits).max(1)],
        _ => WIDTHS.iter().copied().filter(|w| *w <= fits).collect(),
    }
}

/// The height of a rendition `out_width` pixels wide of a crop of a `width` × `height`
/// image.
pub fn crop_height(crop: Crop, out_width: u32, width: u32, height: u32) -> u32 {
    let (rw, rh) = crop.ratio().unwrap_or((width.max(1), height.max(1)));
    let h = (u64::from(out_width) * u64::from(rh) + u64::from(rw) / 2) / u64::from(rw.max(1));
    u32::try_from(h.max(1)).unwrap_or(u32::MAX)
}

/// The URL of a rendition: `format` `None` for the one `Accept` picks.
pub fn rendition_url(
    id: &str,
    width: u32,
    filename: &str,
    crop: Crop,
    focal: Focal,
    format: Option<&str>,
) -> String {
    let mut url = rendition_path(id, width, filename);
    let mut params = Vec::new();
    if crop != Crop::Original {
        params.push(format!("crop={}", crop.name()));
        if focal != Focal::CENTER {
            params.push(format!("focal={}", focal.param()));
        }
    }
    if let Some(format) = format {
        params.push(format!("format={format}"));
    }
    if !params.is_empty() {
        url.push('?');
        url.push_str(&params.join("&"));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crops_keep_their_proportions_and_the_focal_point() {
        let focal = Focal { x: 900, y: 100 };
        let (l, t, w, h) = region(Crop::Wide, 2400, 1600, focal);
        assert!((w / h - 16.0 / 9.0).abs() < 1e-9);
        assert_eq!((w, l + w), (2400.0, 2400.0));
        assert!(t <= 160.0 && t + h >= 160.0);
        assert_eq!(t, 0.0);
        let (l, t, w, h) = region(Crop::Square, 2400, 1600, focal);
        assert_eq!((l, t, w, h), (800.0, 0.0, 1600.0, 1600.0));
        let (l, _, w, _) = region(Crop::Square, 2400, 1600, Focal::CENTER);
        assert_eq!((l, w), (400.0, 1600.0));
        assert_eq!(
            crop_widths(Crop::Square, 2400, 1600),
            [160, 320, 640, 960, 1280]
        );
        assert_eq!(crop_widths(Crop::Social, 2400, 1600), [1200]);
        assert_eq!(crop_widths(Crop::Social, 800, 600), [800]);
        assert_eq!(crop_height(Crop::Social, 1200, 2400, 1600), 630);
        assert_eq!(crop_height(Crop::Wide, 1280, 2400, 1600), 720);
        assert_eq!(crop_height(Crop::Original, 1280, 2400, 1600), 853);
    }

    #[test]
    fn focal_points_parse_to_thousandths() {
        assert_eq!(Focal::parse("0.3,0.72"), Some(Focal { x: 300, y: 720 }));
        assert_eq!(Focal::parse("1,0"), Some(Focal { x: 1000, y: 0 }));
        assert_eq!(Focal { x: 300, y: 720 }.param(), "0.3,0.72");
        for bad in ["2,0", "-0.1,0", "0.5", "a,b", "NaN,0", "inf,0", "0.5,", ""] {
            assert_eq!(Focal::parse(bad), None, "{bad}");
        }
        let kept: Vec<_> = Focal::list("300,720;x;500,500;2000,1").collect();
        assert_eq!(kept, [Focal { x: 300, y: 720 }, Focal::CENTER]);
    }
}
