//! Full-text search on articles, written once per engine: PostgreSQL's `tsvector` index and
//! SQLite's FTS5 table. The store asks for the three pieces a search needs and never sees
//! which engine answers.

use diesel::expression::BoxableExpression;
use diesel::sql_types::Bool;

use super::schema::articles::dsl as a;
use super::{Backend, MultiBackend};
use crate::domain::ArticleId;

/// A condition on an article row.
pub type Condition = Box<dyn BoxableExpression<a::articles, MultiBackend, SqlType = Bool>>;

/// A number computed per article row.
pub type Number =
    Box<dyn BoxableExpression<a::articles, MultiBackend, SqlType = diesel::sql_types::Double>>;
/// A piece of text computed per article row.
pub type Snippet = Box<
    dyn BoxableExpression<
            a::articles,
            MultiBackend,
            SqlType = diesel::sql_types::Nullable<diesel::sql_types::Text>,
        >,
>;

/// What was typed, written for each engine, and the languages searched.
#[derive(Debug, Clone)]
pub struct Query {
    /// In PostgreSQL's `websearch` syntax.
    pub websearch: String,
    /// In SQLite FTS5's syntax.
    pub fts5: String,
    /// The plain words to find in a body.
    pub probes: Vec<String>,
    /// Only stories in these languages (`None`: in any).
    pub locales: Option<Vec<String>>,
}

/// The languages stories are in, one index probe each (a loose scan of
/// `articles_locale_idx`), on PostgreSQL.
macro_rules! locales_in_use {
    () => {
        concat!(
            "WITH RECURSIVE seen(l) AS (SELECT min(locale) FROM articles ",
            "UNION ALL SELECT (SELECT min(locale) FROM articles WHERE locale > seen.l) ",
            "FROM seen WHERE seen.l IS NOT NULL) ",
            "SELECT l FROM seen WHERE l IS NOT NULL"
        )
    };
}

/// The engine-specific pieces of a search: does an article match, how well, and the piece
/// of its body around the match.
#[derive(Debug, Clone)]
pub struct SearchSql {
    backend: Backend,
    /// On PostgreSQL, the parsed query as `tsquery` text.
    tsquery: String,
    /// On PostgreSQL, whether the query holds a phrase that the newest stories seldom
    /// hold, so that its matches are read from the full-text index and sorted rather than
    /// found by walking the date index; see [`rare_phrase`].
    rare_phrase: bool,
    /// On SQLite, whether so many stories match that walking the date index and checking
    /// each against the hits beats reading every hit and sorting them.
    common: bool,
    fts5: String,
    probes: Vec<String>,
}

impl SearchSql {
    /// A search on the database behind `conn`: `websearch` is the query in PostgreSQL's
    /// `websearch` syntax, `fts5` in SQLite FTS5's, and `probes` the plain words to find in
    /// a body.
    ///
    /// On PostgreSQL the query is parsed here, once, and the statements that follow carry
    /// it as a `tsquery` constant: the planner then sees what is looked for and estimates
    /// from the index statistics how many stories hold it, so it walks the date index for
    /// a common word and the full-text index for a rare one. (Parsed inside a statement,
    /// the query is a value the planner cannot see, and it would guess the same share for
    /// every search.)
    ///
    /// SQLite's planner cannot tell either, so the hits are counted here (up to a bound:
    /// FTS5 counts from its index without reading stories) and the plan is chosen for it:
    /// a list of `wanted` stories reads every hit and sorts them when there are fewer than
    /// about `sqrt(wanted × stories)`, and walks the date index otherwise.
    ///
    /// Stories are indexed each with its language's configuration (`byline_locale_config`),
    /// so on PostgreSQL the query is parsed once per configuration of the languages
    /// searched (of every language stories are in, without `locales`) and matches a story
    /// when it matches under any of them.
    pub fn prepare(
        conn: &mut super::AnyConnection,
        query: Query,
        wanted: u32,
    ) -> diesel::QueryResult<Self> {
        use diesel::RunQueryDsl;
        use diesel::dsl::sql;
        use diesel::sql_types::{Nullable, Text};
        let Query {
            websearch,
            fts5,
            probes,
            locales,
        } = query;
        let backend = conn.backend();
        let (tsquery, rare_phrase, common) = match backend {
            Backend::Postgres => {
                let tsquery = diesel::select(
                    sql::<Text>(concat!(
                        "(SELECT coalesce(string_agg('(' || q || ')', ' | ' ORDER BY q), '') ",
                        "FROM (SELECT DISTINCT websearch_to_tsquery(c, byline_fold(",
                    ))
                    .bind::<Text, _>(websearch)
                    .sql(concat!(
                        "))::text AS q FROM (SELECT DISTINCT byline_locale_config(l) AS c ",
                        "FROM unnest(coalesce(string_to_array(",
                    ))
                    // Tags hold letters, digits and hyphens only.
                    .bind::<Nullable<Text>, _>(locales.map(|l| l.join(",")))
                    .sql(concat!(
                        ", ','), ARRAY(",
                        locales_in_use!(),
                        "))) AS l) AS configs) AS parsed ",
                        "WHERE q <> '')",
                    )),
                )
                .get_result::<String>(conn)?;
                let rare = rare_phrase(conn, &tsquery, wanted)?;
                (tsquery, rare, false)
            }
            Backend::Sqlite => (
                String::new(),
                false,
                many_hits(conn, "articles_fts", &fts5, wanted)?,
            ),
        };
        Ok(Self {
            backend,
            tsquery,
            rare_phrase,
            common,
            fts5,
            probes,
        })
    }

    /// The same search, tested on each row a statement reaches by other means (an exact
    /// title): a rare phrase's matches are then not read from the index first.
    pub fn row_by_row(&self) -> Self {
        Self {
            rare_phrase: false,
            ..self.clone()
        }
    }

    pub fn matches(&self) -> Condition {
        use diesel::dsl::sql;
        use diesel::sql_types::Text;
        match self.backend {
            // The matches of a rare phrase, read once from the full-text index into an
            // array (an init plan), are looked up by id; the planner cannot walk the date
            // index through them.
            Backend::Postgres if self.rare_phrase => Box::new(
                sql::<Bool>(
                    "articles.id = ANY(ARRAY(SELECT m.id FROM articles AS m WHERE m.search_vector @@ ",
                )
                .bind::<Text, _>(self.tsquery.clone())
                .sql("::tsquery))"),
            ),
            Backend::Postgres => Box::new(
                sql::<Bool>("articles.search_vector @@ ")
                    .bind::<Text, _>(self.tsquery.clone())
                    .sql("::tsquery"),
            ),
            // `+rowid` keeps SQLite from reading the stories by the hits' rowids, so that
            // it walks the date index and looks each story up among the hits.
            Backend::Sqlite => Box::new(
                sql::<Bool>(if self.common {
                    "+articles.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH "
                } else {
                    "articles.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH "
                })
                .bind::<Text, _>(self.fts5.clone())
                .sql(")"),
            ),
        }
    }

    /// Between 0 and 1, higher is better, for the rows of `among`. Title matches weigh
    /// most, then subtitle and excerpt, then body. Each engine's own score `r` is mapped to
    /// `r / (1 + r)` (ts_rank's normalization 32; the same sum on SQLite's BM25), so both
    /// give the same scale, though not the same numbers.
    pub fn rank(&self, among: &[ArticleId]) -> Number {
        use diesel::dsl::sql;
        use diesel::sql_types::{Double, Text};
        match self.backend {
            Backend::Postgres => Box::new(
                sql::<Double>("ts_rank(articles.search_vector, ")
                    .bind::<Text, _>(self.tsquery.clone())
                    .sql("::tsquery, 32)::float8"),
            ),
            // The scores of `among` are computed once per statement (a materialized,
            // uncorrelated CTE, looked up through an automatic index), in one pass over
            // the hits that scores only those rows (`+rowid` keeps FTS5 from seeking each
            // one, which costs more than the pass). A row that stopped matching scores 0.
            Backend::Sqlite => {
                let ids =
                    serde_json::to_string(&among.iter().map(ArticleId::as_str).collect::<Vec<_>>())
                        .unwrap_or_else(|_| "[]".to_owned());
                Box::new(
                    sql::<Double>("coalesce((WITH hits(k, score) AS MATERIALIZED (SELECT rowid, -bm25(articles_fts, 10.0, 4.0, 4.0, 1.0, 4.0, 4.0) FROM articles_fts WHERE articles_fts MATCH ")
                        .bind::<Text, _>(self.fts5.clone())
                        .sql(" AND +rowid IN (SELECT c.rowid FROM articles AS c WHERE c.id IN (SELECT value FROM json_each(")
                        .bind::<Text, _>(ids)
                        .sql(")))) SELECT score / (1.0 + score) FROM hits WHERE hits.k = articles.rowid), 0.0)"),
                )
            }
        }
    }

    /// A piece of the body around the best match, with marks. PostgreSQL builds it by
    /// parsing the text again, which costs about as much as indexing it; so when a word the
    /// search looks for shows up in the body, only a window of whole words around its first
    /// appearance is parsed (~400 characters: `ts_headline` keeps at most 35 words), else
    /// the whole body.
    ///
    /// The body is read from TOAST once (`|| ''` makes a plain copy the window works on),
    /// the first appearance is found with `strpos` on the spellings from `probe_spellings`
    /// rather than on a lower-cased copy of the whole body, and the cut ends are trimmed to
    /// whole words at the nearest space.
    pub fn highlight(&self) -> Snippet {
        use diesel::dsl::sql;
        use diesel::sql_types::{Nullable, Text};
        match self.backend {
            // With Chinese or Japanese, the characters of the text are set apart as the
            // index has them, so that the headline can mark them (`tidy_highlight` joins
            // them again).
            Backend::Postgres => Box::new(
                sql::<Nullable<Text>>(if self.has_cjk() {
                    "ts_headline(byline_locale_config(articles.locale), regexp_replace(("
                } else {
                    "ts_headline(byline_locale_config(articles.locale), ("
                })
                .sql(concat!(
                    "SELECT coalesce(",
                    "(SELECT CASE WHEN c.tail THEN left(c.t, length(c.t) - strpos(reverse(c.t), ' ')) ELSE c.t END ",
                    "FROM (SELECT CASE WHEN b.head > 1 THEN substr(b.t, strpos(b.t, ' ') + 1) ELSE b.t END AS t, b.tail ",
                    "FROM (SELECT substr(d.b, a.head, 400) AS t, a.head, a.head + 400 <= length(d.b) AS tail ",
                    "FROM (SELECT greatest(1, w.at - 150) AS head WHERE w.at IS NOT NULL) a) b) c), ",
                    "d.b) ",
                    "FROM (SELECT articles.body || '' AS b OFFSET 0) d, ",
                    "LATERAL (SELECT min(nullif(strpos(d.b, p), 0)) AS at FROM unnest(string_to_array(",
                ))
                    // Probes are alphanumeric: a space separates them safely.
                    .bind::<Text, _>(probe_spellings(&self.probes).join(" "))
                    .sql(if self.has_cjk() {
                        r", ' ')) AS p) w), '([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])', ' \1 ', 'g'), "
                    } else {
                        ", ' ')) AS p) w), "
                    })
                    .bind::<Text, _>(self.tsquery.clone())
                    // A phrase of characters is a cover that one fragment does not widen:
                    // with Chinese or Japanese, the words around the first match.
                    .sql(if self.has_cjk() {
                        "::tsquery, 'StartSel=\u{2}, StopSel=\u{3}, MaxWords=35, MinWords=15, MaxFragments=0')"
                    } else {
                        "::tsquery, 'StartSel=\u{2}, StopSel=\u{3}, MaxWords=35, MinWords=15, MaxFragments=1')"
                    }),
            ),
            // From the body; for a search with Chinese or Japanese, from `cjk_words`, where
            // such words are (`tidy_highlight` joins the characters again).
            Backend::Sqlite => Box::new(
                sql::<Nullable<Text>>(if self.has_cjk() {
                    "(SELECT snippet(articles_fts, 5, char(2), char(3), '…', 48) FROM articles_fts WHERE articles_fts MATCH "
                } else {
                    "(SELECT snippet(articles_fts, 3, char(2), char(3), '…', 30) FROM articles_fts WHERE articles_fts MATCH "
                })
                .bind::<Text, _>(self.fts5.clone())
                .sql(" AND articles_fts.rowid = articles.rowid)"),
            ),
        }
    }

    /// Whether the search looks for Chinese or Japanese words.
    fn has_cjk(&self) -> bool {
        self.fts5.chars().any(is_cjk)
    }

    /// A highlight as [`SearchSql::highlight`] read it, as the story wrote it: for a search
    /// with Chinese or Japanese, the characters set apart are joined again and their marks
    /// merged.
    pub fn tidy_highlight(&self, raw: String) -> String {
        if self.has_cjk() { join_cjk(&raw) } else { raw }
    }
}

/// Articles whose title has a word starting with each of `words` (plain alphanumeric words,
/// lower-cased), for typeahead: a prefix query on the index of titles (PostgreSQL's
/// `title_words`; SQLite's `articles_titles`). On
/// PostgreSQL the query is parsed first, as [`SearchSql::prepare`] does, so the planner sees it.
pub fn title_prefix(
    conn: &mut super::AnyConnection,
    words: &[String],
) -> diesel::QueryResult<Condition> {
    use diesel::RunQueryDsl;
    use diesel::dsl::sql;
    use diesel::sql_types::Text;
    match conn.backend() {
        Backend::Postgres => {
            // Each word a quoted lexeme, prefix-matched in the title's own vector. The
            // configuration stems it as it stemmed the title, so `markets` finds `market`.
            // Each word is folded before it is quoted: folding can turn a letter into a
            // quote (`ʼ` into `'`), which inside the quotes would end the lexeme early.
            let tsquery = diesel::select(
                sql::<Text>(concat!(
                    "(SELECT to_tsquery(byline_search_config(), coalesce(string_agg(",
                    "'''' || replace(replace(byline_fold(w), '\\', '\\\\'), '''', '''''') || ''':*', ",
                    "' & '), ''))::text FROM unnest(string_to_array(",
                ))
                // Words are alphanumeric: a space separates them safely.
                .bind::<Text, _>(words.join(" "))
                .sql(", ' ')) AS w)"),
            )
            .get_result::<String>(conn)?;
            Ok(Box::new(
                sql::<Bool>("articles.title_words @@ ")
                    .bind::<Text, _>(tsquery)
                    .sql("::tsquery"),
            ))
        }
        Backend::Sqlite => {
            let query = words
                .iter()
                .map(|w| format!("\"{}\" *", w.replace('"', "\"\"")))
                .collect::<Vec<_>>()
                .join(" AND ");
            // As for searches: walk the date index when titles with the prefix are many.
            let common = many_hits(conn, "articles_titles", &query, 10)?;
            Ok(Box::new(
                sql::<Bool>(if common {
                    "+articles.rowid IN (SELECT rowid FROM articles_titles WHERE articles_titles MATCH "
                } else {
                    "articles.rowid IN (SELECT rowid FROM articles_titles WHERE articles_titles MATCH "
                })
                .bind::<Text, _>(query)
                .sql(")"),
            ))
        }
    }
}

/// On SQLite: whether `query` has more hits in the FTS5 table `fts` than about
/// `sqrt(wanted × stories)`, past which a list of `wanted` stories is cheaper walked in date
/// order than read hit by hit and sorted. Counted from the index, up to that bound.
fn many_hits(
    conn: &mut super::AnyConnection,
    fts: &'static str,
    query: &str,
    wanted: u32,
) -> diesel::QueryResult<bool> {
    use diesel::RunQueryDsl;
    use diesel::dsl::sql;
    use diesel::sql_types::{BigInt, Text};
    let stories: i64 = diesel::select(sql::<BigInt>(
        "(SELECT coalesce(max(rowid), 0) FROM articles)",
    ))
    .get_result(conn)?;
    let bound = ((f64::from(wanted) * stories as f64).sqrt() as i64).max(1);
    let hits: i64 = diesel::select(
        sql::<BigInt>(&format!(
            "(SELECT count(*) FROM (SELECT 1 FROM {fts} WHERE {fts} MATCH "
        ))
        .bind::<Text, _>(query.to_owned())
        .sql(" LIMIT ")
        .bind::<BigInt, _>(bound + 1)
        .sql("))"),
    )
    .get_result(conn)?;
    Ok(hits > bound)
}

/// How many of the newest stories a phrase is looked for in, to tell how common it is.
const PHRASE_SAMPLE: i64 = 250;

/// On PostgreSQL: whether a query with a phrase in it is cheaper answered from the
/// full-text index than by walking the date index, for a list of `wanted` stories.
///
/// The planner estimates a phrase as its words all present anywhere in a story, so for a
/// phrase of two common words it walks the date index, reading each story's vector, until
/// it has `wanted` matches: through the whole table when the words are seldom neighbours.
/// Here both plans are costed from the newest [`PHRASE_SAMPLE`] stories: the walk reads
/// about `wanted × sample ÷ phrase hits` stories (at most all of them), the index rechecks
/// every story holding all the words (`stories × word hits ÷ sample`). A phrase of two
/// words most stories hold, seldom side by side, costs about the table either way; the
/// search's time bound (`db::bounded`) stops it.
fn rare_phrase(
    conn: &mut super::AnyConnection,
    tsquery: &str,
    wanted: u32,
) -> diesel::QueryResult<bool> {
    use diesel::RunQueryDsl;
    use diesel::sql_types::{BigInt, Text};
    let Some(words) = without_phrases(tsquery) else {
        return Ok(false);
    };
    // One pass over the sample for both counts, and the planner's count of the stories.
    let sample = super::per_backend(
        conn,
        |pg| {
            diesel::sql_query(concat!(
                "SELECT count(*) FILTER (WHERE s.v @@ $1::tsquery) AS hits, ",
                "count(*) FILTER (WHERE s.v @@ $2::tsquery) AS word_hits, ",
                "(SELECT greatest(reltuples, 0)::int8 FROM pg_class ",
                "WHERE oid = 'articles'::regclass) AS stories ",
                "FROM (SELECT search_vector AS v FROM articles ",
                "ORDER BY published_sort DESC, id DESC LIMIT $3) s",
            ))
            .bind::<Text, _>(tsquery)
            .bind::<Text, _>(&words)
            .bind::<BigInt, _>(PHRASE_SAMPLE)
            .get_result::<Sample>(pg)
            .map(Some)
        },
        |_| Ok(None),
    )?;
    Ok(sample.is_some_and(|s| index_is_cheaper(s.hits, s.word_hits, s.stories, wanted)))
}

/// What [`rare_phrase`] counts.
#[derive(diesel::QueryableByName)]
struct Sample {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    hits: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    word_hits: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    stories: i64,
}

/// The costing of [`rare_phrase`], in stories read: `hits` and `word_hits` of the phrase and
/// of its words among the newest [`PHRASE_SAMPLE`] stories, out of `stories`.
fn index_is_cheaper(hits: i64, word_hits: i64, stories: i64, wanted: u32) -> bool {
    let (sample, stories) = (PHRASE_SAMPLE as f64, stories.max(PHRASE_SAMPLE) as f64);
    // No hit in the sample says the phrase is rarer than one in `sample`, not how much
    // rarer; the walk then has no bound but the table, while the index's is known. So it
    // counts as a quarter of a hit.
    let hits = if hits == 0 { 0.25 } else { hits as f64 };
    let walked = (f64::from(wanted) * sample / hits).min(stories);
    let rechecked = stories * (word_hits.max(1) as f64) / sample;
    rechecked < walked
}

/// A `tsquery` (as PostgreSQL prints it) with each phrase operator (`<->`, `<N>`) turned
/// into `&`: every word of the phrase, anywhere in a story. `None` when it has no phrase.
/// Quoted lexemes are copied as they are (a quote inside one is doubled).
fn without_phrases(tsquery: &str) -> Option<String> {
    let mut out = String::with_capacity(tsquery.len());
    let (mut quoted, mut found) = (false, false);
    let mut chars = tsquery.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
            out.push(c);
        } else if quoted {
            out.push(c);
        } else if c == '<' {
            // `<->` or `<N>`: skip to the closing `>`.
            for d in chars.by_ref() {
                if d == '>' {
                    break;
                }
            }
            out.push('&');
            found = true;
        } else {
            out.push(c);
        }
    }
    found.then_some(out)
}

/// The spellings a probe is looked for in: as typed in lower case, capitalized, and in
/// capitals. A body that has the word only in some other mix of cases is parsed whole.
fn probe_spellings(probes: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(probes.len() * 3);
    for p in probes {
        let mut chars = p.chars();
        let capitalized: String = chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default();
        for spelling in [p.clone(), capitalized, p.to_uppercase()] {
            if !out.contains(&spelling) {
                out.push(spelling);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{index_is_cheaper, probe_spellings, without_phrases};

    #[test]
    fn phrases_become_their_words() {
        assert_eq!(without_phrases("'oil' & 'price'"), None);
        assert_eq!(
            without_phrases("'suppli' <-> 'cut' & !( 'gas' <2> 'field' )").as_deref(),
            Some("'suppli' & 'cut' & !( 'gas' & 'field' )")
        );
        // A lexeme may hold what looks like an operator; it is copied as it is.
        assert_eq!(
            without_phrases("'a<->b''' <-> 'c'").as_deref(),
            Some("'a<->b''' & 'c'")
        );
    }

    #[test]
    fn a_phrase_the_newest_stories_lack_is_read_from_the_index() {
        // Two words in one story in ten, seldom neighbours: nowhere in the sample.
        assert!(index_is_cheaper(0, 25, 1_000_000, 1_000));
        // Words in most stories, the phrase not in the sample: for a page of 21, walking
        // (about 21,000 stories) beats rechecking 800,000 ...
        assert!(!index_is_cheaper(0, 200, 1_000_000, 21));
        // ... but not rechecking the 11,200 of 100,000 stories that hold words one story
        // in nine has (`"suco mobe"` of the benchmark: 21 matches, found by walking 94,957).
        assert!(index_is_cheaper(0, 28, 100_000, 21));
        // A phrase in half the newest stories: walking finds 1,000 in 2,000 stories.
        assert!(!index_is_cheaper(125, 150, 1_000_000, 1_000));
        // A phrase of rare words: few stories hold the words at all.
        assert!(index_is_cheaper(0, 0, 1_000_000, 21));
        // A common phrase, for a page of 21: walking reads about 210 stories.
        assert!(!index_is_cheaper(25, 75, 1_000_000, 21));
        // A small site: either way reads little, and the index is taken.
        assert!(index_is_cheaper(3, 40, 50, 1_000));
    }

    #[test]
    fn probes_are_looked_for_in_lower_case_capitalized_and_capitals() {
        let probes = ["zeppel".to_owned(), "élan".to_owned(), "42".to_owned()];
        assert_eq!(
            probe_spellings(&probes),
            ["zeppel", "Zeppel", "ZEPPEL", "élan", "Élan", "ÉLAN", "42"]
        );
    }
}

/// Whether `c` is a kana or a CJK ideograph: writing without spaces between words. The
/// ranges are those of the SQLite triggers of migration `2026-12-08-000002_cjk_search`
/// and of `byline_fold` on PostgreSQL.
pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}')
}

/// `text` with each kana and CJK ideograph set apart by spaces, so that a tokenizer takes
/// each for a word: a word of Chinese or Japanese is then found as its characters in
/// sequence. Other text is left as it is.
pub fn split_cjk(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    for c in text.chars() {
        if is_cjk(c) {
            out.push(' ');
            out.push(c);
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// Undoes [`split_cjk`] on a piece of its output with highlight marks (`\u{2}` and
/// `\u{3}`) around words: the space set on each side of a character goes, and the marks
/// of characters in sequence become one.
pub fn join_cjk(split: &str) -> String {
    const START: char = '\u{2}';
    const END: char = '\u{3}';
    let mut out = String::with_capacity(split.len());
    let mut space_after = false;
    for c in split.chars() {
        if is_cjk(c) {
            // The space before it, perhaps behind a mark.
            let marks = out.len() - out.trim_end_matches([START, END]).len();
            let at = out.len() - marks;
            if out[..at].ends_with(' ') {
                out.remove(at - 1);
            }
            out.push(c);
            space_after = true;
        } else if c == ' ' && space_after {
            space_after = false;
        } else {
            if c != START && c != END {
                space_after = false;
            }
            out.push(c);
        }
    }
    out.replace("\u{3}\u{2}", "")
}

/// A story whose `cjk_words` is to be written again (SQLite).
#[derive(diesel::QueryableByName)]
struct PendingCjk {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pending: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    text: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    words: Option<String>,
}

/// On SQLite: writes the `cjk_words` of the stories the triggers queued in
/// `articles_cjk_pending` (their text with Chinese and Japanese characters set apart; empty
/// without such text), which FTS5 indexes as one more column. Run inside each content write
/// before it commits (`Writes::run_from`, a site file's import) and at start-up, so a story
/// is searchable by such words on the next request; with nothing queued it is one lookup in
/// an empty table. Nothing to do on PostgreSQL, whose trigger splits the text itself.
pub fn write_cjk_words(conn: &mut super::AnyConnection) -> diesel::QueryResult<()> {
    use diesel::RunQueryDsl;
    use diesel::sql_types::{BigInt, Text};
    const BATCH: i64 = 100;
    let super::AnyConnection::Sqlite(conn) = conn else {
        return Ok(());
    };
    loop {
        let pending: Vec<PendingCjk> = diesel::sql_query(concat!(
            "SELECT p.article_rowid AS pending, ",
            "a.title || char(10) || coalesce(a.subtitle, '') || char(10) || ",
            "coalesce(a.excerpt, '') || char(10) || a.body || char(10) || a.tag_names AS text, ",
            "a.cjk_words AS words ",
            "FROM articles_cjk_pending AS p LEFT JOIN articles AS a ON a.rowid = p.article_rowid ",
            "ORDER BY p.article_rowid LIMIT ?",
        ))
        .bind::<BigInt, _>(BATCH)
        .load(conn)?;
        let done = (pending.len() as i64) < BATCH;
        for row in pending {
            if let (Some(text), Some(words)) = (row.text, row.words) {
                let wanted = if text.chars().any(is_cjk) {
                    split_cjk(&text)
                } else {
                    String::new()
                };
                if wanted != words {
                    diesel::sql_query("UPDATE articles SET cjk_words = ? WHERE rowid = ?")
                        .bind::<Text, _>(wanted)
                        .bind::<BigInt, _>(row.pending)
                        .execute(conn)?;
                }
            }
            diesel::sql_query("DELETE FROM articles_cjk_pending WHERE article_rowid = ?")
                .bind::<BigInt, _>(row.pending)
                .execute(conn)?;
        }
        if done {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod cjk_tests {
    use super::*;

    #[test]
    fn split_text_joins_back_with_marks_merged() {
        let text = "東京で地震、JICA セミナー in Astana 2019";
        assert_eq!(join_cjk(&split_cjk(text)), text);
        let marked = split_cjk("気象庁によると、地震の規模")
            .replace(" 地 ", " \u{2}地\u{3} ")
            .replace(" 震 ", " \u{2}震\u{3} ");
        assert_eq!(join_cjk(&marked), "気象庁によると、\u{2}地震\u{3}の規模");
        assert_eq!(
            join_cjk("…plain \u{2}text\u{3} here"),
            "…plain \u{2}text\u{3} here"
        );
    }
}
