//! The archive style of synthetic stories (`byline seed --archive N`), for measuring search
//! at scale: words drawn from a Zipf law over a 50,000-word vocabulary, stories of 300 to
//! 1,500 words, dates over ten years, and a query mix drawn from the same law.
//!
//! The vocabulary is made, not borrowed: word `k` (0 is the most frequent) spells `k + 100`
//! in base 100 with one consonant-vowel syllable per digit, so every word is two or three
//! syllables, unique, and pronounceable ("kaba", "strolumi"). A stemmer merges a few of
//! them; that changes the counts a little and nothing else.

/// Words in the vocabulary.
pub const SIZE: usize = 50_000;
/// The Zipf exponent: the word of rank `r` turns up in proportion to `1 / r^EXPONENT`.
const EXPONENT: f64 = 1.07;

const CONSONANTS: [&str; 20] = [
    "b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "st",
    "tr", "kl",
];
const VOWELS: [&str; 5] = ["a", "e", "i", "o", "u"];

/// The word of rank `k` (0-based).
pub fn word(k: usize) -> String {
    let mut n = k + 100;
    let mut out = String::new();
    while n > 0 {
        let digit = n % 100;
        out.push_str(CONSONANTS[digit / 5]);
        out.push_str(VOWELS[digit % 5]);
        n /= 100;
    }
    out
}

/// A small deterministic generator (the same as the news style's).
pub struct Rng(pub u64);

impl Rng {
    /// The next 31 random bits.
    pub fn bits(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.bits() % n.max(1) as u64) as usize
    }

    /// A number in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        self.bits() as f64 / (1u64 << 31) as f64
    }
}

/// The vocabulary with its Zipf law.
pub struct Vocabulary {
    words: Vec<String>,
    /// `cumulative[k]`: the probability of a rank at most `k`.
    cumulative: Vec<f64>,
}

impl Default for Vocabulary {
    fn default() -> Self {
        let weights: Vec<f64> = (1..=SIZE)
            .map(|r| 1.0 / (r as f64).powf(EXPONENT))
            .collect();
        let sum: f64 = weights.iter().sum();
        let mut acc = 0.0;
        let cumulative = weights
            .iter()
            .map(|w| {
                acc += w / sum;
                acc
            })
            .collect();
        Self {
            words: (0..SIZE).map(word).collect(),
            cumulative,
        }
    }
}

impl Vocabulary {
    /// A rank drawn from the law.
    pub fn rank(&self, rng: &mut Rng) -> usize {
        let x = rng.unit();
        self.cumulative.partition_point(|c| *c < x).min(SIZE - 1)
    }

    /// A word drawn from the law.
    pub fn draw(&self, rng: &mut Rng) -> &str {
        &self.words[self.rank(rng)]
    }

    /// `n` words as a sentence: capitalized, ending in a full stop.
    fn sentence(&self, rng: &mut Rng, n: usize) -> String {
        let words: Vec<&str> = (0..n).map(|_| self.draw(rng)).collect();
        let mut s = capitalized(&words.join(" "));
        s.push('.');
        s
    }

    /// A title of 5 to 10 words, without a full stop.
    pub fn title(&self, rng: &mut Rng) -> String {
        let n = 5 + rng.below(6);
        let words: Vec<&str> = (0..n).map(|_| self.draw(rng)).collect();
        capitalized(&words.join(" "))
    }

    /// A body of 300 to 1,500 words: paragraphs of three to six sentences of 8 to 24 words.
    pub fn body(&self, rng: &mut Rng) -> String {
        let target = 300 + rng.below(1_201);
        let mut paragraphs = Vec::new();
        let mut words = 0;
        while words < target {
            let mut sentences = Vec::new();
            for _ in 0..3 + rng.below(4) {
                let n = (8 + rng.below(17)).min(target.saturating_sub(words).max(1));
                sentences.push(self.sentence(rng, n));
                words += n;
                if words >= target {
                    break;
                }
            }
            paragraphs.push(sentences.join(" "));
        }
        paragraphs.join("\n\n")
    }

    /// `n` searches drawn from the same law, in turn: one common word (ranks 1 to 50), one
    /// rare word (ranks 5,000 to 50,000), two words, a two-word phrase, and a word that is
    /// in no story.
    pub fn queries(&self, n: usize, rng: &mut Rng) -> Vec<String> {
        (0..n)
            .map(|i| match i % 5 {
                0 => self.words[rng.below(50)].clone(),
                1 => self.words[5_000 + rng.below(SIZE - 5_000)].clone(),
                2 => format!("{} {}", self.draw(rng), self.draw(rng)),
                3 => format!("\"{} {}\"", self.draw(rng), self.draw(rng)),
                _ => format!("qux{}", word(rng.below(SIZE))),
            })
            .collect()
    }
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The story a search of the archive must find first: a wire report from Astana, filed
/// under Market with no byline, as the relevance checks of `bench/search` expect.
pub const KNOWN_TITLE: &str = "JICA seminar in Astana weighs two decades of aid to Kazakhstan";
/// Its body.
pub const KNOWN_BODY: &str = "ASTANA, Feb 8 - Japan's development agency JICA held a seminar \
in Astana on Friday to look back on the official development assistance Japan has given \
Kazakhstan since the 1990s and at what comes next.\n\n\
Officials of both governments and of the agency spoke about loans for roads, power and \
water, about training for engineers and doctors, and about how the money was spent. Several \
speakers said that aid was turning into partnership as Kazakhstan's economy grew.\n\n\
The agency said it would keep supporting projects in health, the environment and regional \
transport, and that Kazakh specialists would help it work with neighbouring countries.";
/// Its publication time.
pub const KNOWN_DATE: &str = "2019-02-08T09:30:00";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_unique_and_drawn_by_rank() {
        let mut all: Vec<String> = (0..SIZE).map(word).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), SIZE);
        let vocabulary = Vocabulary::default();
        let mut rng = Rng(7);
        let draws: Vec<usize> = (0..20_000).map(|_| vocabulary.rank(&mut rng)).collect();
        let top = draws.iter().filter(|r| **r == 0).count();
        let tenth = draws.iter().filter(|r| **r == 9).count();
        // Rank 1 about 10^1.07 times as often as rank 10.
        assert!(top > 8 * tenth && top < 16 * tenth, "{top} {tenth}");
    }

    #[test]
    fn stories_are_news_length_and_the_mix_is_fixed() {
        let vocabulary = Vocabulary::default();
        let mut rng = Rng(42);
        for _ in 0..20 {
            let n = vocabulary.body(&mut rng).split_whitespace().count();
            assert!((300..=1_530).contains(&n), "{n}");
        }
        let a = vocabulary.queries(10, &mut Rng(1));
        assert_eq!(a, vocabulary.queries(10, &mut Rng(1)));
        assert!(a[3].starts_with('"') && a[4].starts_with("qux"));
    }
}
