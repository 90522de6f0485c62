//! Renditions: an original decoded, resized with `fast_image_resize` and encoded again, on
//! the blocking pool, a bounded number at a time. Concurrent requests for one rendition
//! share one render: the first starts it, the others wait for the same result.

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};

use super::sniff::Kind;

/// What a rendition is encoded as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// WebP, lossy (libwebp), at the quality setting.
    Webp,
    /// AVIF, lossy (rav1e), at the quality setting.
    Avif,
    /// JPEG, quality 82: what every client decodes.
    Jpeg,
    /// PNG, lossless.
    Png,
}

impl Encoding {
    /// The media type.
    pub fn mime(self) -> &'static str {
        match self {
            Encoding::Webp => "image/webp",
            Encoding::Avif => "image/avif",
            Encoding::Jpeg => "image/jpeg",
            Encoding::Png => "image/png",
        }
    }

    /// The name in `format=`, in store keys and in entity tags.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Webp => "webp",
            Encoding::Avif => "avif",
            Encoding::Jpeg => "jpeg",
            Encoding::Png => "png",
        }
    }

    /// The encoding a `format=` value names (`auto` is not one).
    pub fn parse(raw: &str) -> Option<Self> {
        [
            Encoding::Webp,
            Encoding::Avif,
            Encoding::Jpeg,
            Encoding::Png,
        ]
        .into_iter()
        .find(|e| e.name() == raw)
    }

    /// Whether the quality setting changes its bytes.
    pub fn lossy(self) -> bool {
        matches!(self, Encoding::Webp | Encoding::Avif)
    }
}

/// What to make of an original: the part of it to keep, the size to make it and how to
/// encode it.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// Left, top, width and height of the part kept, in the original's pixels.
    pub region: (f64, f64, f64, f64),
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
    /// The format.
    pub encoding: Encoding,
    /// WebP and AVIF quality, 1 to 100.
    pub quality: u8,
    /// AVIF encoder speed, 1 (slow, smallest) to 10 (fastest).
    pub speed: u8,
    /// WebP both ways, the smaller kept: for originals such as screenshots and logos
    /// (PNG, GIF), where lossless is often the smaller and always the sharper.
    pub try_lossless: bool,
}

/// The memory a render of an image holds at its peak, from what its header says: the
/// compressed original, the decoded pixels (width × height × channels × bytes per
/// sample), and the 8-bit copy the resizer works on when the decoded pixels are not
/// already in that form. The resized result is small beside them.
pub fn cost(
    width: u32,
    height: u32,
    color: image::ColorType,
    original: u64,
    encoding: Encoding,
) -> u64 {
    use image::ColorType;
    let pixels = u64::from(width) * u64::from(height);
    let decoded = pixels * u64::from(color.bytes_per_pixel());
    let converted = match (color, encoding) {
        (ColorType::Rgb8, _) | (ColorType::Rgba8, Encoding::Webp | Encoding::Png) => 0,
        (_, Encoding::Jpeg) => pixels * 3,
        (c, _) if c.has_alpha() => pixels * 4,
        _ => pixels * 3,
    };
    original + decoded + converted + encoder(encoding)
}

/// What an encoder holds besides the pixels it is given, for the largest rendition
/// (1920 × 1920): libwebp's analysis buffers, and rav1e's frames, planes and lookahead.
fn encoder(encoding: Encoding) -> u64 {
    let largest = 1920 * 1920;
    match encoding {
        Encoding::Avif => largest * AVIF_BYTES_PER_PIXEL,
        Encoding::Webp => largest * 6,
        Encoding::Jpeg | Encoding::Png => largest,
    }
}

/// rav1e's working memory per pixel of the frame it encodes: about 17 bytes measured (the
/// rise of resident memory over a 1920 × 1280 render of a 2400 × 1600 JPEG, less the
/// decoded original and the resized copy), with room for its worker threads' share.
const AVIF_BYTES_PER_PIXEL: u64 = 24;

/// The cheapest render of an image, over every encoding.
pub fn cheapest(width: u32, height: u32, color: image::ColorType, original: u64) -> u64 {
    [
        Encoding::Webp,
        Encoding::Avif,
        Encoding::Jpeg,
        Encoding::Png,
    ]
    .into_iter()
    .map(|e| cost(width, height, color, original, e))
    .min()
    .unwrap_or(u64::MAX)
}

/// What an original's header says: width, height and how it decodes.
pub fn header(original: &[u8], kind: Kind) -> Result<(u32, u32, image::ColorType), RenderError> {
    use image::ImageDecoder;
    let decoder = image::ImageReader::with_format(Cursor::new(original), kind.format())
        .into_decoder()
        .map_err(|e| RenderError::Undecodable(e.to_string()))?;
    let (w, h) = decoder.dimensions();
    Ok((w, h, decoder.color_type()))
}

/// Why a rendition could not be made.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RenderError {
    /// The original does not decode.
    #[error("the image could not be decoded: {0}")]
    Undecodable(String),
    /// Decoding it would need more memory than all renders may hold.
    #[error(
        "rendering this image needs {0} bytes, more than renders may hold (BYLINE_MEDIA_RENDER_MIB)"
    )]
    TooLarge(u64),
    /// Anything else (the store, the pool).
    #[error("{0}")]
    Failed(String),
}

/// Decodes `original`, cuts and resizes it as `spec` says, and encodes it. Blocking; call
/// it off the async threads.
pub fn render(
    original: &[u8],
    kind: Kind,
    spec: Spec,
    budget: u64,
) -> Result<Vec<u8>, RenderError> {
    use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
    use image::{DynamicImage, ImageReader};
    let mut reader = ImageReader::with_format(Cursor::new(original), kind.format());
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(budget);
    reader.limits(limits);
    let decoded = reader
        .decode()
        .map_err(|e| RenderError::Undecodable(e.to_string()))?;
    // `into_*` keeps the decoded buffer when it has the form already (no second copy).
    let source = match spec.encoding {
        // JPEG has no alpha: flatten to RGB first.
        Encoding::Jpeg => DynamicImage::ImageRgb8(decoded.into_rgb8()),
        _ if decoded.color().has_alpha() => DynamicImage::ImageRgba8(decoded.into_rgba8()),
        _ => DynamicImage::ImageRgb8(decoded.into_rgb8()),
    };
    let (width, height) = (spec.width.max(1), spec.height.max(1));
    let mut target = DynamicImage::new(width, height, source.color());
    let (left, top, w, h) = spec.region;
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
        .crop(left, top, w, h);
    Resizer::new()
        .resize(&source, &mut target, &options)
        .map_err(|e| RenderError::Failed(e.to_string()))?;
    drop(source);
    encode(&target, spec).map_err(RenderError::Failed)
}

/// Encodes resized pixels.
fn encode(target: &image::DynamicImage, spec: Spec) -> Result<Vec<u8>, String> {
    use image::ImageEncoder;
    let (width, height) = (target.width(), target.height());
    let color = target.color().into();
    let pixels = target.as_bytes();
    let mut out = Vec::new();
    let written = match spec.encoding {
        Encoding::Webp => {
            let layout = if target.color().has_alpha() {
                webp::PixelLayout::Rgba
            } else {
                webp::PixelLayout::Rgb
            };
            let encoder = webp::Encoder::new(pixels, layout, width, height);
            let mut config =
                webp::WebPConfig::new().map_err(|()| "libwebp has no configuration".to_owned())?;
            config.quality = f32::from(spec.quality);
            config.method = 4;
            config.alpha_compression = 1;
            let mut best = encoder
                .encode_advanced(&config)
                .map_err(|e| format!("WebP encoding failed: {e:?}"))?
                .to_vec();
            if spec.try_lossless {
                config.lossless = 1;
                config.quality = 75.0;
                config.method = 4;
                if let Ok(lossless) = encoder.encode_advanced(&config)
                    && lossless.len() < best.len()
                {
                    best = lossless.to_vec();
                }
            }
            return Ok(best);
        }
        Encoding::Avif => image::codecs::avif::AvifEncoder::new_with_speed_quality(
            &mut out,
            spec.speed.clamp(1, 10),
            spec.quality.clamp(1, 100),
        )
        .write_image(pixels, width, height, color),
        Encoding::Jpeg => image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82)
            .write_image(pixels, width, height, color),
        Encoding::Png => {
            image::codecs::png::PngEncoder::new(&mut out).write_image(pixels, width, height, color)
        }
    };
    written.map_err(|e| e.to_string())?;
    Ok(out)
}

/// A few threads of their own for decoding, resizing and encoding. Renders hold buffers of
/// tens to hundreds of MB; on the blocking pool, whose threads come and go by the hundred,
/// each thread's allocator arena kept its own high-water mark and the process grew with
/// every storm of renders. On fixed threads the arenas are few, and reused. They are a
/// rayon pool, so that the AVIF encoder's parallel work (rav1e encodes tiles on the current
/// pool) runs on the same threads rather than on a pool and arenas of its own.
pub struct RenderThreads {
    pool: rayon::ThreadPool,
}

impl RenderThreads {
    /// Starts `count` threads.
    pub fn start(count: usize) -> std::io::Result<Self> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(count.max(1))
            .thread_name(|n| format!("byline-media-render-{n}"))
            // A panicking decoder loses its render, not the thread.
            .panic_handler(|_| {})
            .build()
            .map_err(std::io::Error::other)?;
        Ok(Self { pool })
    }

    /// Runs `work` on a render thread and waits for it.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, RenderError> {
        let (done, result) = tokio::sync::oneshot::channel();
        self.pool.spawn(move || {
            let _ = done.send(work());
        });
        result
            .await
            .map_err(|_| RenderError::Failed("the render failed".into()))
    }
}

type Flight = Shared<BoxFuture<'static, Result<Bytes, RenderError>>>;

/// Renders in flight, by key.
#[derive(Default)]
pub struct Flights {
    running: Mutex<HashMap<String, Flight>>,
}

impl Flights {
    /// The result for `key`: an already running render's, or `work`'s, which then runs
    /// once, as a task of its own (a client that goes away does not stop it), for everyone
    /// who asks meanwhile.
    pub async fn once(
        self: &Arc<Self>,
        key: &str,
        work: impl FnOnce() -> BoxFuture<'static, Result<Bytes, RenderError>>,
    ) -> Result<Bytes, RenderError> {
        let flight = {
            let Ok(mut running) = self.running.lock() else {
                return Err(RenderError::Failed("the render table is poisoned".into()));
            };
            match running.get(key) {
                Some(f) => f.clone(),
                None => {
                    let job = work();
                    let flights = Arc::clone(self);
                    let owned = key.to_owned();
                    let task = tokio::spawn(async move {
                        let result = job.await;
                        if let Ok(mut running) = flights.running.lock() {
                            running.remove(&owned);
                        }
                        result
                    });
                    let f = async move {
                        task.await
                            .unwrap_or_else(|e| Err(RenderError::Failed(e.to_string())))
                    }
                    .boxed()
                    .shared();
                    running.insert(key.to_owned(), f.clone());
                    f
                }
            }
        };
        flight.await
    }
}
