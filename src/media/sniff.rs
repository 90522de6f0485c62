//! What an uploaded file is, told by its bytes, and a copy of it without metadata. Each
//! format is walked block by block from a reader to a writer, so memory stays small whatever
//! the file's size: only the blocks that draw the picture (and its colour profile) are kept,
//! and nothing after the format's end marker is, so EXIF (with GPS), XMP, IPTC, comments and
//! anything appended to the image (a polyglot's second file) are left behind. A file that
//! ends before its end marker, or whose blocks do not add up, is refused.

use std::io::{self, Read, Seek, SeekFrom, Write};

/// The image formats Byline accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// JPEG (JFIF or EXIF).
    Jpeg,
    /// PNG (and APNG).
    Png,
    /// WebP (lossy, lossless, animated).
    Webp,
    /// GIF (87a, 89a).
    Gif,
}

impl Kind {
    /// The media type.
    pub fn mime(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Webp => "image/webp",
            Kind::Gif => "image/gif",
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Jpeg => "jpg",
            Kind::Png => "png",
            Kind::Webp => "webp",
            Kind::Gif => "gif",
        }
    }

    /// The kind of a stored media type.
    pub fn from_mime(mime: &str) -> Option<Kind> {
        [Kind::Jpeg, Kind::Png, Kind::Webp, Kind::Gif]
            .into_iter()
            .find(|k| k.mime() == mime)
    }

    /// The decoder's name for it.
    pub fn format(self) -> image::ImageFormat {
        match self {
            Kind::Jpeg => image::ImageFormat::Jpeg,
            Kind::Png => image::ImageFormat::Png,
            Kind::Webp => image::ImageFormat::WebP,
            Kind::Gif => image::ImageFormat::Gif,
        }
    }
}

/// The kind the first bytes of a file announce, if it is one Byline accepts. SVG, HTML and
/// everything else are `None`, whatever the file is called.
pub fn sniff(head: &[u8]) -> Option<Kind> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        Some(Kind::Webp)
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some(Kind::Gif)
    } else {
        None
    }
}

/// Why a file was refused.
#[derive(Debug, thiserror::Error)]
pub enum Bad {
    /// It ends before its end marker.
    #[error("the file ends early: it is truncated")]
    Truncated,
    /// Its blocks do not add up.
    #[error("the file is damaged: {0}")]
    Damaged(&'static str),
    /// Reading or writing failed.
    #[error("{0}")]
    Io(#[from] io::Error),
}

fn eof(e: io::Error) -> Bad {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        Bad::Truncated
    } else {
        Bad::Io(e)
    }
}

fn byte(r: &mut impl Read) -> Result<u8, Bad> {
    let mut b = [0u8; 1];
    r.read_exact(&mut b).map_err(eof)?;
    Ok(b[0])
}

fn bytes<const N: usize>(r: &mut impl Read) -> Result<[u8; N], Bad> {
    let mut b = [0u8; N];
    r.read_exact(&mut b).map_err(eof)?;
    Ok(b)
}

/// Copies exactly `n` bytes to `out` (`io::sink()` to skip them), feeding `seen` with them.
fn pass(
    r: &mut impl Read,
    out: &mut dyn Write,
    n: u64,
    mut seen: impl FnMut(&[u8]),
) -> Result<(), Bad> {
    let mut buf = [0u8; 16 * 1024];
    let mut left = n;
    while left > 0 {
        let take = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
        r.read_exact(&mut buf[..take]).map_err(eof)?;
        seen(&buf[..take]);
        out.write_all(&buf[..take])?;
        left -= take as u64;
    }
    Ok(())
}

/// Copies the file without its metadata; see the module's documentation.
pub fn clean(
    kind: Kind,
    input: &mut impl Read,
    output: &mut (impl Write + Seek),
) -> Result<(), Bad> {
    match kind {
        Kind::Jpeg => jpeg(input, output),
        Kind::Png => png(input, output),
        Kind::Gif => gif(input, output),
        Kind::Webp => webp(input, output),
    }
}

/// JPEG: markers up to each scan, the scans' entropy-coded data, then EOI. APP1 (EXIF,
/// XMP), APP3 to APP13 (IPTC among them), APP15 and comments are dropped; APP0 (JFIF), APP2
/// (ICC profile) and APP14 (Adobe colour transform) stay, since they change the colours.
fn jpeg(r: &mut impl Read, w: &mut impl Write) -> Result<(), Bad> {
    if bytes::<2>(r)? != [0xFF, 0xD8] {
        return Err(Bad::Damaged("no start of image"));
    }
    w.write_all(&[0xFF, 0xD8])?;
    let mut frame = false;
    let mut pending: Option<u8> = None;
    loop {
        let marker = match pending.take() {
            Some(m) => m,
            None => {
                if byte(r)? != 0xFF {
                    return Err(Bad::Damaged("a segment does not start with a marker"));
                }
                let mut m = byte(r)?;
                while m == 0xFF {
                    m = byte(r)?;
                }
                m
            }
        };
        match marker {
            0xD9 => {
                if !frame {
                    return Err(Bad::Damaged("no frame before the end of image"));
                }
                w.write_all(&[0xFF, 0xD9])?;
                return Ok(());
            }
            0x01 | 0xD0..=0xD7 => w.write_all(&[0xFF, marker])?,
            0x00 | 0xD8 => return Err(Bad::Damaged("a marker out of place")),
            _ => {
                let len = u16::from_be_bytes(bytes::<2>(r)?);
                if len < 2 {
                    return Err(Bad::Damaged("a segment shorter than its length field"));
                }
                let dropped = matches!(marker, 0xE1 | 0xE3..=0xED | 0xEF | 0xFE);
                if matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF) {
                    frame = true;
                }
                if dropped {
                    pass(r, &mut io::sink(), u64::from(len - 2), |_| {})?;
                } else {
                    w.write_all(&[0xFF, marker])?;
                    w.write_all(&len.to_be_bytes())?;
                    pass(r, w, u64::from(len - 2), |_| {})?;
                }
                if marker == 0xDA {
                    if !frame {
                        return Err(Bad::Damaged("a scan before any frame"));
                    }
                    pending = Some(entropy(r, w)?);
                }
            }
        }
    }
}

/// Copies a scan's entropy-coded data up to the next marker, which it answers. Inside it,
/// 0xFF is followed by 0x00 (a literal 0xFF) or a restart marker.
fn entropy(r: &mut impl Read, w: &mut impl Write) -> Result<u8, Bad> {
    let mut buf = Vec::with_capacity(64 * 1024);
    loop {
        let b = byte(r)?;
        if b != 0xFF {
            buf.push(b);
        } else {
            let mut n = byte(r)?;
            while n == 0xFF {
                n = byte(r)?;
            }
            match n {
                0x00 | 0xD0..=0xD7 => buf.extend_from_slice(&[0xFF, n]),
                marker => {
                    w.write_all(&buf)?;
                    return Ok(marker);
                }
            }
        }
        if buf.len() >= 64 * 1024 {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
}

/// PNG chunks kept besides the critical ones: transparency, colour, density and animation.
const PNG_KEPT: &[&[u8; 4]] = &[
    b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"bKGD", b"pHYs", b"acTL", b"fcTL",
    b"fdAT",
];

/// PNG: the signature, then chunks, each checked against its CRC, up to IEND. Text chunks,
/// `eXIf`, `tIME` and unknown ancillary chunks are dropped.
fn png(r: &mut impl Read, w: &mut impl Write) -> Result<(), Bad> {
    let signature = bytes::<8>(r)?;
    if &signature != b"\x89PNG\r\n\x1a\n" {
        return Err(Bad::Damaged("no PNG signature"));
    }
    w.write_all(&signature)?;
    let mut first = true;
    loop {
        let len = u32::from_be_bytes(bytes::<4>(r)?);
        if len > 0x7FFF_FFFF {
            return Err(Bad::Damaged("a chunk longer than PNG allows"));
        }
        let kind = bytes::<4>(r)?;
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err(Bad::Damaged("a chunk with an invalid type"));
        }
        if first && &kind != b"IHDR" {
            return Err(Bad::Damaged("the first chunk is not IHDR"));
        }
        first = false;
        let critical = kind[0].is_ascii_uppercase();
        let keep = critical || PNG_KEPT.contains(&&kind);
        let mut crc = flate2::Crc::new();
        crc.update(&kind);
        if keep {
            w.write_all(&len.to_be_bytes())?;
            w.write_all(&kind)?;
            pass(r, w, u64::from(len), |b| crc.update(b))?;
        } else {
            pass(r, &mut io::sink(), u64::from(len), |b| crc.update(b))?;
        }
        let stored = bytes::<4>(r)?;
        if u32::from_be_bytes(stored) != crc.sum() {
            return Err(Bad::Damaged("a chunk's CRC does not match"));
        }
        if keep {
            w.write_all(&stored)?;
        }
        if &kind == b"IEND" {
            return Ok(());
        }
    }
}

/// Copies GIF data sub-blocks up to their terminator (to `io::sink()` to skip them).
fn sub_blocks(r: &mut impl Read, w: &mut dyn Write) -> Result<(), Bad> {
    loop {
        let n = byte(r)?;
        w.write_all(&[n])?;
        if n == 0 {
            return Ok(());
        }
        pass(r, w, u64::from(n), |_| {})?;
    }
}

/// GIF: header, screen descriptor and colour table, then images and extensions up to the
/// trailer. Comments and application extensions other than the looping one are dropped.
fn gif(r: &mut impl Read, w: &mut impl Write) -> Result<(), Bad> {
    let header = bytes::<6>(r)?;
    if &header != b"GIF87a" && &header != b"GIF89a" {
        return Err(Bad::Damaged("no GIF header"));
    }
    w.write_all(&header)?;
    let screen = bytes::<7>(r)?;
    w.write_all(&screen)?;
    if screen[4] & 0x80 != 0 {
        let size = 3u64 << ((screen[4] & 0x07) + 1);
        pass(r, w, size, |_| {})?;
    }
    let mut images = 0;
    loop {
        match byte(r)? {
            0x3B => {
                if images == 0 {
                    return Err(Bad::Damaged("no image before the trailer"));
                }
                w.write_all(&[0x3B])?;
                return Ok(());
            }
            0x21 => {
                let label = byte(r)?;
                match label {
                    0xFE => sub_blocks(r, &mut io::sink())?,
                    0xFF => {
                        let size = byte(r)?;
                        let mut id = vec![0u8; usize::from(size)];
                        r.read_exact(&mut id).map_err(eof)?;
                        if id.starts_with(b"NETSCAPE2.0") || id.starts_with(b"ANIMEXTS1.0") {
                            w.write_all(&[0x21, 0xFF, size])?;
                            w.write_all(&id)?;
                            sub_blocks(r, w)?;
                        } else {
                            sub_blocks(r, &mut io::sink())?;
                        }
                    }
                    _ => {
                        w.write_all(&[0x21, label])?;
                        sub_blocks(r, w)?;
                    }
                }
            }
            0x2C => {
                images += 1;
                let descriptor = bytes::<9>(r)?;
                w.write_all(&[0x2C])?;
                w.write_all(&descriptor)?;
                if descriptor[8] & 0x80 != 0 {
                    let size = 3u64 << ((descriptor[8] & 0x07) + 1);
                    pass(r, w, size, |_| {})?;
                }
                let code_size = byte(r)?;
                w.write_all(&[code_size])?;
                sub_blocks(r, w)?;
            }
            _ => return Err(Bad::Damaged("an unknown GIF block")),
        }
    }
}

/// WebP: the RIFF container's chunks, within its stated size; `EXIF` and `XMP ` chunks are
/// dropped (and their flags cleared in `VP8X`), and the container's size is written anew.
fn webp(r: &mut impl Read, w: &mut (impl Write + Seek)) -> Result<(), Bad> {
    let head = bytes::<12>(r)?;
    if &head[..4] != b"RIFF" || &head[8..] != b"WEBP" {
        return Err(Bad::Damaged("no WebP header"));
    }
    let stated = u64::from(u32::from_le_bytes([head[4], head[5], head[6], head[7]]));
    if stated < 4 {
        return Err(Bad::Damaged("a RIFF size too small"));
    }
    w.write_all(b"RIFF\0\0\0\0WEBP")?;
    let mut read = 4u64;
    let mut written = 4u64;
    let mut image = false;
    while read < stated {
        let fourcc = bytes::<4>(r)?;
        let len = u64::from(u32::from_le_bytes(bytes::<4>(r)?));
        let padded = len + (len & 1);
        read += 8 + padded;
        if read > stated {
            return Err(Bad::Damaged("a chunk runs past the container"));
        }
        match &fourcc {
            b"EXIF" | b"XMP " => pass(r, &mut io::sink(), padded, |_| {})?,
            b"VP8X" if len == 10 => {
                let mut data = bytes::<10>(r)?;
                data[0] &= !(0x08 | 0x04);
                w.write_all(b"VP8X")?;
                w.write_all(&10u32.to_le_bytes())?;
                w.write_all(&data)?;
                written += 18;
            }
            _ => {
                if matches!(&fourcc, b"VP8 " | b"VP8L" | b"VP8X" | b"ANMF") {
                    image = true;
                }
                w.write_all(&fourcc)?;
                w.write_all(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes())?;
                pass(r, w, padded, |_| {})?;
                written += 8 + padded;
            }
        }
    }
    if !image {
        return Err(Bad::Damaged("no image data"));
    }
    let size = u32::try_from(written).map_err(|_| Bad::Damaged("too large"))?;
    w.seek(SeekFrom::Start(4))?;
    w.write_all(&size.to_le_bytes())?;
    w.seek(SeekFrom::End(0))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn cleaned(kind: Kind, input: &[u8]) -> Result<Vec<u8>, Bad> {
        let mut out = Cursor::new(Vec::new());
        clean(kind, &mut Cursor::new(input.to_vec()), &mut out)?;
        Ok(out.into_inner())
    }

    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
        out
    }

    #[test]
    fn kinds_are_told_by_their_bytes() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest"), Some(Kind::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some(Kind::Png));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some(Kind::Webp));
        assert_eq!(sniff(b"GIF89a..."), Some(Kind::Gif));
        assert_eq!(sniff(b"<svg xmlns="), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn png_text_chunks_and_trailing_data_are_dropped() {
        let mut file = b"\x89PNG\r\n\x1a\n".to_vec();
        file.extend(png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]));
        file.extend(png_chunk(b"tEXt", b"GPS\0 51.5,-0.1"));
        file.extend(png_chunk(b"IDAT", b"data"));
        file.extend(png_chunk(b"IEND", b""));
        file.extend_from_slice(b"PK\x03\x04 a zip appended");
        let out = cleaned(Kind::Png, &file).unwrap();
        assert!(!out.windows(4).any(|w| w == b"tEXt"));
        assert!(!out.windows(2).any(|w| w == b"PK"));
        assert!(out.ends_with(&png_chunk(b"IEND", b"")));
        // Cut short, or with a bad CRC, it is refused.
        assert!(matches!(
            cleaned(Kind::Png, &file[..file.len() - 40]),
            Err(Bad::Truncated)
        ));
        let mut bad = file.clone();
        bad[20] ^= 1;
        assert!(matches!(cleaned(Kind::Png, &bad), Err(Bad::Damaged(_))));
    }

    #[test]
    fn jpeg_exif_and_comments_are_dropped_and_a_cut_file_refused() {
        let mut file = vec![0xFF, 0xD8];
        file.extend([0xFF, 0xE1, 0x00, 0x08]);
        file.extend(b"Exif\0\0");
        file.extend([0xFF, 0xFE, 0x00, 0x05, b'h', b'i', b'!']);
        file.extend([0xFF, 0xC0, 0x00, 0x03, 0x08]);
        file.extend([0xFF, 0xDA, 0x00, 0x03, 0x01]);
        file.extend([0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        file.extend([0xFF, 0xD9]);
        file.extend(b"<html>appended</html>");
        let out = cleaned(Kind::Jpeg, &file).unwrap();
        assert!(!out.windows(4).any(|w| w == b"Exif"));
        assert!(!out.windows(3).any(|w| w == b"hi!"));
        assert!(out.ends_with(&[0x56, 0xFF, 0xD9]));
        assert!(matches!(
            cleaned(Kind::Jpeg, &file[..file.len() - 25]),
            Err(Bad::Truncated)
        ));
    }
}
