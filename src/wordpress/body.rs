//! WordPress post bodies (classic editor HTML, block editor HTML with its `<!-- wp:… -->`
//! comments, and `[caption]` shortcodes) to Byline Markdown. The conversion itself is
//! htmd's; this module prepares what WordPress writes that HTML converters do not know:
//! paragraphs made of blank lines, captions as shortcodes, and embeds that have no text
//! of their own (which would otherwise vanish), kept as links.

/// Tags that start a block: a chunk of classic-editor text starting with one is not
/// wrapped in a paragraph.
const BLOCKS: [&str; 22] = [
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "blockquote",
    "pre",
    "table",
    "figure",
    "div",
    "hr",
    "dl",
    "section",
    "address",
    "form",
    "iframe",
    "video",
];

/// Elements whose address is all a reader would get: kept as a link to it.
const EMBEDS: [&str; 5] = ["iframe", "video", "audio", "embed", "object"];

/// The body as Markdown.
pub fn to_markdown(html: &str) -> String {
    let html = without_comments(html);
    let html = captions(&html);
    let html = embeds_as_links(&html);
    let html = paragraphs(&html);
    thread_local! {
        static CONVERTER: htmd::HtmlToMarkdown = htmd::HtmlToMarkdown::builder()
            .skip_tags(vec!["script", "style", "noscript"])
            .build();
    }
    CONVERTER
        .with(|c| c.convert(&html))
        .map(|md| md.trim().to_owned())
        .unwrap_or(html)
}

/// The Markdown with the address of each link and image replaced where `new_address`
/// gives another (the old site's pictures by the imported media's).
pub fn with_addresses(
    markdown: &str,
    mut new_address: impl FnMut(&str) -> Option<String>,
) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut rest = markdown;
    while let Some(at) = rest.find("](") {
        let start = at + 2;
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let (open, address, close) = match tail.strip_prefix('<') {
            Some(inner) => match inner.find('>') {
                Some(end) => ("<", &inner[..end], ">"),
                None => ("", "", ""),
            },
            None => {
                let end = tail
                    .find(|c: char| c.is_whitespace() || c == ')')
                    .unwrap_or(tail.len());
                ("", &tail[..end], "")
            }
        };
        match new_address(address) {
            Some(new) if !address.is_empty() => {
                out.push_str(open);
                out.push_str(&new);
                out.push_str(close);
            }
            _ => {
                out.push_str(open);
                out.push_str(address);
                out.push_str(close);
            }
        }
        rest = &tail[open.len() + address.len() + close.len()..];
    }
    out.push_str(rest);
    out
}

/// Removes HTML comments, the block editor's markers among them.
fn without_comments(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        match rest[start..].find("-->") {
            Some(end) => rest = &rest[start + end + 3..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// `[caption …]<img …> Text[/caption]` (or `caption="Text"`) as a figure with a caption.
fn captions(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("[caption") {
        let Some(open_end) = rest[start..].find(']').map(|i| start + i) else {
            break;
        };
        let Some(close) = rest[open_end..].find("[/caption]").map(|i| open_end + i) else {
            break;
        };
        out.push_str(&rest[..start]);
        let attributes = &rest[start + "[caption".len()..open_end];
        let inner = &rest[open_end + 1..close];
        // The picture (an image, perhaps in a link) ends at the last `>`; the text after
        // it is the caption, unless an attribute gives it.
        let (picture, text) = match inner.rfind('>') {
            Some(i) => (&inner[..=i], inner[i + 1..].trim()),
            None => ("", inner.trim()),
        };
        let text = attribute(attributes, "caption").unwrap_or_else(|| text.to_owned());
        out.push_str("<figure>");
        out.push_str(picture);
        if !text.is_empty() {
            out.push_str("<figcaption>");
            out.push_str(&text);
            out.push_str("</figcaption>");
        }
        out.push_str("</figure>");
        rest = &rest[close + "[/caption]".len()..];
    }
    out.push_str(rest);
    out
}

/// The value of `name="…"` in a shortcode's or tag's attributes.
fn attribute(attributes: &str, name: &str) -> Option<String> {
    let mut rest = attributes;
    while let Some(at) = rest.find(name) {
        let before = rest[..at].chars().next_back();
        let after = &rest[at + name.len()..];
        let after = after.trim_start();
        if before.is_none_or(char::is_whitespace)
            && let Some(value) = after.strip_prefix('=')
        {
            let value = value.trim_start();
            let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            let body = &value[1..];
            return body.find(quote).map(|end| body[..end].to_owned());
        }
        rest = &rest[at + name.len()..];
    }
    None
}

/// Embedded players and frames, which hold no text, as links to what they show.
fn embeds_as_links(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    'scan: while let Some(lt) = rest.find('<') {
        let tail = &rest[lt + 1..];
        for tag in EMBEDS {
            let opens = starts_with_tag(tail, tag)
                && tail
                    .as_bytes()
                    .get(tag.len())
                    .is_some_and(|b| b.is_ascii_whitespace() || *b == b'>');
            if !opens {
                continue;
            }
            let Some(end) = tail.find('>') else {
                break 'scan;
            };
            let src = attribute(&tail[..end], "src").or_else(|| attribute(&tail[..end], "data"));
            out.push_str(&rest[..lt]);
            if let Some(src) = src {
                out.push_str(&format!("<p><a href=\"{src}\">{src}</a></p>"));
            }
            // Skip to the closing tag when there is one (`<embed>` has none).
            let after_open = &tail[end + 1..];
            let closing = format!("</{tag}>");
            let skip = find_ignore_case(after_open, &closing).map_or(0, |i| i + closing.len());
            rest = &after_open[skip..];
            continue 'scan;
        }
        out.push_str(&rest[..=lt]);
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// Whether `text` starts with the tag name `tag`, in any case (compared as bytes, so a
/// multi-byte character in `text` is never cut).
fn starts_with_tag(text: &str, tag: &str) -> bool {
    text.as_bytes()
        .get(..tag.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(tag.as_bytes()))
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Classic-editor text, whose paragraphs are blank lines and whose line breaks are
/// newlines, as HTML paragraphs. Text that already has paragraphs is left as it is.
fn paragraphs(html: &str) -> String {
    if find_ignore_case(html, "<p>").is_some() || find_ignore_case(html, "<p ").is_some() {
        return html.to_owned();
    }
    let normalized = html.replace("\r\n", "\n");
    let mut out = String::with_capacity(html.len() + 64);
    for chunk in normalized.split("\n\n") {
        let chunk = chunk.trim();
        if chunk.is_empty() {
            continue;
        }
        let block = chunk.strip_prefix('<').is_some_and(|tag| {
            BLOCKS.iter().any(|b| {
                starts_with_tag(tag, b)
                    && tag
                        .as_bytes()
                        .get(b.len())
                        .is_none_or(|c| !c.is_ascii_alphanumeric())
            })
        });
        if block {
            out.push_str(chunk);
        } else {
            out.push_str("<p>");
            out.push_str(&chunk.replace('\n', "<br>"));
            out.push_str("</p>");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{to_markdown, with_addresses};

    #[test]
    fn link_and_image_addresses_are_replaced_where_asked() {
        let md = "![a photo](http://old/p.jpg \"t\") and [full](<http://old/p big.jpg>) [x](http://else/)";
        let got = with_addresses(md, |a| {
            a.starts_with("http://old/")
                .then(|| "/media/1/p.jpg".to_owned())
        });
        assert_eq!(
            got,
            "![a photo](/media/1/p.jpg \"t\") and [full](</media/1/p.jpg>) [x](http://else/)"
        );
        assert_eq!(with_addresses("a ](", |_| None), "a ](");
    }

    #[test]
    fn classic_paragraphs_and_line_breaks_become_markdown_paragraphs() {
        let md = to_markdown("First <strong>bold</strong> line\nsecond line\n\nNext paragraph.");
        assert_eq!(md, "First **bold** line  \nsecond line\n\nNext paragraph.");
    }

    #[test]
    fn block_editor_markers_go_and_the_content_stays() {
        let html = "<!-- wp:heading -->\n<h2>Harvest</h2>\n<!-- /wp:heading -->\n\n\
                    <!-- wp:paragraph -->\n<p>Wheat <em>exports</em> rose.</p>\n<!-- /wp:paragraph -->\n\n\
                    <!-- wp:list -->\n<ul><li>Astana</li><li>Almaty</li></ul>\n<!-- /wp:list -->";
        let md = to_markdown(html);
        assert!(
            md.starts_with("## Harvest\n\nWheat *exports* rose."),
            "{md}"
        );
        assert!(md.contains("Astana") && md.contains("Almaty"), "{md}");
        assert!(!md.contains("wp:"), "{md}");
    }

    #[test]
    fn captions_become_figures_with_their_text_and_links_stay_links() {
        let html = "[caption id=\"attachment_6\" align=\"alignright\" width=\"300\"]\
                    <a href=\"https://example.com/big.jpg\"><img src=\"https://example.com/small.jpg\" alt=\"Grain\" /></a> \
                    The port of Aktau[/caption]\n\nSee <a href=\"https://example.com/report\">the report</a>.";
        let md = to_markdown(html);
        assert!(
            md.contains("![Grain](https://example.com/small.jpg)"),
            "{md}"
        );
        assert!(md.contains("The port of Aktau"), "{md}");
        assert!(
            md.contains("[the report](https://example.com/report)"),
            "{md}"
        );
        let given =
            to_markdown("[caption caption=\"From above\"]<img src=\"/a.png\" alt=\"\">[/caption]");
        assert!(given.contains("From above"), "{given}");
    }

    #[test]
    fn embeds_and_unknown_shortcodes_stay_visible() {
        let html = "<p>Watch:</p><iframe width=\"560\" src=\"https://www.youtube.com/embed/x1\"></iframe>\
                    <p>[gallery ids=\"1,2,3\"]</p><script>alert(1)</script>";
        let md = to_markdown(html);
        assert!(md.contains("https://www.youtube.com/embed/x1"), "{md}");
        assert!(md.contains("gallery ids="), "{md}");
        assert!(!md.contains("alert"), "{md}");
    }

    #[test]
    fn text_of_any_script_near_a_tag_is_never_cut_mid_character() {
        let md = to_markdown("<p>T\u{322}w\u{334}o roads</p><\u{e9}t\u{e9}>\n\n<\u{1d560}>x");
        assert!(md.contains("roads"), "{md}");
    }

    #[test]
    fn quotes_code_and_tables_keep_their_shape() {
        let html = "<blockquote><p>Prices held.</p></blockquote><pre><code>let x = 1;</code></pre>\
                    <table><thead><tr><th>Crop</th><th>Tonnes</th></tr></thead>\
                    <tbody><tr><td>Wheat</td><td>12</td></tr></tbody></table>";
        let md = to_markdown(html);
        assert!(md.contains("> Prices held."), "{md}");
        assert!(md.contains("```\nlet x = 1;\n```"), "{md}");
        assert!(md.contains("| Crop") && md.contains("| Wheat"), "{md}");
    }
}
