//! Slugs: readable ASCII names for URLs, made from titles in any script.

/// The longest slug accepted or generated.
pub const MAX_LEN: usize = 200;

/// The pattern a slug follows, as the OpenAPI document states it.
pub const PATTERN: &str = "^[a-z0-9]+(-[a-z0-9]+)*$";

/// Whether `s` has the shape of a slug (lowercase ASCII letters and digits in words joined
/// by single hyphens), whatever its length.
pub fn is_shaped(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// True for lowercase ASCII letters and digits in hyphen-separated runs, at most
/// [`MAX_LEN`] long, and not shaped like a UUID.
pub fn is_valid(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_LEN
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && !looks_like_uuid(s)
}

/// True when `s` has the shape of a UUID: 32 hex digits, bare or in 8-4-4-4-12 groups.
pub fn looks_like_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    match b.len() {
        32 => b.iter().all(u8::is_ascii_hexdigit),
        36 => b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        }),
        _ => false,
    }
}

/// The slug a new row gets: the one chosen, or one made from its name; `fallback` when the
/// name has nothing to make one of (only punctuation, say).
pub fn chosen_or_made(chosen: Option<String>, name: &str, fallback: &str) -> String {
    chosen.unwrap_or_else(|| from_title(name, MAX_LEN).unwrap_or_else(|| fallback.to_owned()))
}

/// Makes a slug from a human title: transliterated to ASCII, lowercased, words joined by
/// hyphens, cut at a word boundary to fit `max_len`. Returns `None` when nothing readable
/// remains (a title of only punctuation, say).
pub fn from_title(title: &str, max_len: usize) -> Option<String> {
    let mut words = Words::default();
    let mut kana = String::new();
    for ch in title.chars() {
        if kana_romaji(ch).is_some() || ch == '\u{30FC}' {
            kana.push(ch);
            continue;
        }
        if !kana.is_empty() {
            words.push_word(&romanize_kana(&kana));
            kana.clear();
        }
        if ch.is_ascii() {
            words.push_text(ch.encode_utf8(&mut [0; 4]));
        } else if is_cjk(ch) {
            // Scripts written without spaces still come out as separate words.
            words.push_word(any_ascii::any_ascii_char(ch));
        } else {
            words.push_text(any_ascii::any_ascii_char(ch));
        }
    }
    if !kana.is_empty() {
        words.push_word(&romanize_kana(&kana));
    }
    let mut slug = truncate_at_word(&words.out, max_len);
    if looks_like_uuid(&slug) {
        // A title that is itself an id would make a slug indistinguishable from one.
        slug = truncate_at_word(&format!("{slug}-x"), max_len + 2);
    }
    (!slug.is_empty()).then_some(slug)
}

/// Builds a slug from transliterated pieces: letters and digits kept, anything else a break.
#[derive(Default)]
struct Words {
    out: String,
    pending_hyphen: bool,
}

impl Words {
    fn push_text(&mut self, text: &str) {
        for c in text.chars() {
            if c.is_ascii_alphanumeric() {
                if self.pending_hyphen && !self.out.is_empty() {
                    self.out.push('-');
                }
                self.pending_hyphen = false;
                self.out.push(c.to_ascii_lowercase());
            } else if c != '\'' && c != '\u{2019}' {
                // Apostrophes vanish ("Editor's note" -> "editors-note"); anything else splits.
                self.pending_hyphen = true;
            }
        }
    }

    fn push_word(&mut self, word: &str) {
        self.pending_hyphen = true;
        self.push_text(word);
        self.pending_hyphen = true;
    }
}

/// Hepburn romaji of the hiragana block U+3041..=U+3096, in code point order; katakana
/// U+30A1..=U+30F6 maps onto the same table. Small kana are handled by [`romanize_kana`].
const KANA: [&str; 86] = [
    "a", "a", "i", "i", "u", "u", "e", "e", "o", "o", "ka", "ga", "ki", "gi", "ku", "gu", "ke",
    "ge", "ko", "go", "sa", "za", "shi", "ji", "su", "zu", "se", "ze", "so", "zo", "ta", "da",
    "chi", "ji", "", "tsu", "zu", "te", "de", "to", "do", "na", "ni", "nu", "ne", "no", "ha", "ba",
    "pa", "hi", "bi", "pi", "fu", "bu", "pu", "he", "be", "pe", "ho", "bo", "po", "ma", "mi", "mu",
    "me", "mo", "ya", "ya", "yu", "yu", "yo", "yo", "ra", "ri", "ru", "re", "ro", "wa", "wa", "i",
    "e", "o", "n", "vu", "ka", "ke",
];

fn kana_index(ch: char) -> Option<usize> {
    match ch as u32 {
        c @ 0x3041..=0x3096 => Some((c - 0x3041) as usize),
        c @ 0x30A1..=0x30F6 => Some((c - 0x30A1) as usize),
        _ => None,
    }
}

fn kana_romaji(ch: char) -> Option<&'static str> {
    kana_index(ch).map(|i| KANA[i])
}

/// Romanizes a run of kana, joining small kana to the syllable before them (ニュース ->
/// "nyusu", きょう -> "kyou") and doubling the consonant after a small tsu (がっこう ->
/// "gakkou"). The long-vowel mark is dropped.
fn romanize_kana(run: &str) -> String {
    let mut out = String::new();
    let mut double_next = false;
    for ch in run.chars() {
        let Some(i) = kana_index(ch) else { continue };
        let small = matches!(i, 0 | 2 | 4 | 6 | 8 | 66 | 68 | 70 | 34);
        match (i, small) {
            (34, _) => double_next = true,
            (66 | 68 | 70, true) if out.ends_with('i') => {
                out.pop();
                let vowel = &KANA[i][1..];
                if out.ends_with("sh") || out.ends_with("ch") || out.ends_with('j') {
                    out.push_str(vowel);
                } else {
                    out.push('y');
                    out.push_str(vowel);
                }
            }
            (0 | 2 | 4 | 6 | 8, true) if out.ends_with('u') && out.len() > 1 => {
                out.pop();
                out.push_str(KANA[i]);
            }
            _ => {
                let romaji = KANA[i];
                if double_next {
                    match romaji.as_bytes().first() {
                        Some(b'c') => out.push('t'),
                        Some(c) if !b"aiueon".contains(c) => out.push(*c as char),
                        _ => {}
                    }
                    double_next = false;
                }
                out.push_str(romaji);
            }
        }
    }
    out
}

fn is_cjk(ch: char) -> bool {
    matches!(ch as u32,
        0x3040..=0x30FF   // Hiragana, Katakana
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xAC00..=0xD7AF // Hangul syllables
        | 0xF900..=0xFAFF)
}

fn truncate_at_word(slug: &str, max_len: usize) -> String {
    if slug.len() <= max_len {
        return slug.to_owned();
    }
    let cut = &slug[..max_len];
    match cut.rfind('-') {
        Some(i) if i > 0 => cut[..i].to_owned(),
        _ => cut.trim_end_matches('-').to_owned(),
    }
}

/// Room kept for a numeric suffix: a dash and up to ten digits.
const SUFFIX_ROOM: usize = 11;

/// What every suffixed form of `base` starts with: `base` itself, cut at a word so that any
/// suffix fits within [`MAX_LEN`]. Taken slugs are looked up by this stem, so a long base
/// finds its own suffixed forms.
pub fn stem(base: &str) -> String {
    truncate_at_word(base, MAX_LEN - SUFFIX_ROOM)
}

/// `base` itself when free, else `stem-N` with the smallest free N from 2 up. `taken` holds
/// the slugs in use that are `base` or start with `stem-`.
pub fn first_free(base: &str, taken: &[String]) -> String {
    // A set: a title used thousands of times must not cost thousands squared.
    let taken: std::collections::HashSet<&str> = taken.iter().map(String::as_str).collect();
    if is_valid(base) && !taken.contains(base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| with_suffix(base, n))
        .find(|candidate| !taken.contains(candidate.as_str()))
        .unwrap_or_else(|| base.to_owned())
}

/// `base` with a numeric suffix, on the [`stem`] so the result stays within [`MAX_LEN`].
pub fn with_suffix(base: &str, n: u32) -> String {
    format!("{}-{n}", stem(base))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_in_many_scripts_give_readable_slugs() {
        let cases = [
            ("Market", "market"),
            ("Markets & Economy", "markets-economy"),
            ("Café au lait, São Paulo", "cafe-au-lait-sao-paulo"),
            ("Новости экономики", "novosti-ekonomiki"),
            ("Қазақстан жаңалықтары", "qazaqstan-zhangalyqtary"),
            ("Editor's note", "editors-note"),
            ("  --  spaced   out --", "spaced-out"),
        ];
        for (title, want) in cases {
            assert_eq!(from_title(title, MAX_LEN).as_deref(), Some(want), "{title}");
        }
        assert_eq!(
            from_title("ニュース速報", MAX_LEN).as_deref(),
            Some("nyusu-su-bao")
        );
        assert_eq!(
            from_title("きょうのがっこう", MAX_LEN).as_deref(),
            Some("kyounogakkou")
        );
        assert_eq!(from_title("ファイル", MAX_LEN).as_deref(), Some("fairu"));
        assert_eq!(from_title("しゃしん", MAX_LEN).as_deref(), Some("shashin"));
        let japanese = from_title("東京の天気", MAX_LEN).unwrap();
        assert!(is_valid(&japanese), "{japanese}");
        assert!(japanese.contains('-'), "words are separated: {japanese}");
        assert_eq!(from_title("!!! ???", MAX_LEN), None);
    }

    #[test]
    fn slug_rules() {
        assert!(is_valid("world-news-2024"));
        for bad in ["", "-a", "a-", "a--b", "Caps", "a_b", "a b", "é"] {
            assert!(!is_valid(bad), "{bad}");
        }
        assert!(!is_valid("0192f0a4-5b6c-7d8e-9fab-0123456789ab"));
        assert!(!is_valid("0192f0a45b6c7d8e9fab0123456789ab"));
        assert!(!is_valid(&"a".repeat(201)));
        assert!(is_valid(&"a".repeat(200)));
    }

    #[test]
    fn long_titles_are_cut_at_a_word() {
        let title = "word ".repeat(100);
        let slug = from_title(&title, MAX_LEN).unwrap();
        assert!(slug.len() <= MAX_LEN && slug.ends_with("word"), "{slug}");
        let suffixed = with_suffix(&slug, 12);
        assert!(
            suffixed.len() <= MAX_LEN && suffixed.ends_with("-12"),
            "{suffixed}"
        );
    }

    #[test]
    fn the_longest_base_finds_its_own_suffixed_forms() {
        let base = "a".repeat(MAX_LEN);
        let mut taken = vec![base.clone()];
        for _ in 0..3 {
            let next = first_free(&base, &taken);
            assert!(next.starts_with(&format!("{}-", stem(&base))), "{next}");
            assert!(is_valid(&next) && !taken.contains(&next), "{next}");
            taken.push(next);
        }
        assert!(with_suffix(&base, u32::MAX).len() <= MAX_LEN);
        let many: Vec<String> = std::iter::once("story".to_owned())
            .chain((2..20_000).map(|n| format!("story-{n}")))
            .collect();
        assert_eq!(first_free("story", &many), "story-20000");
    }

    #[test]
    fn uuid_titles_do_not_give_uuid_slugs() {
        let slug = from_title("0192F0A4-5B6C-7D8E-9FAB-0123456789AB", MAX_LEN).unwrap();
        assert!(is_valid(&slug), "{slug}");
    }
}
