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

/// The engine-specific pieces of a search: does an article match, how well, and the piece
/// of its body around the match.
#[derive(Debug, Clone)]
pub struct SearchSql {
    backend: Backend,
    /// On PostgreSQL, the parsed query as `tsquery` text.
    tsquery: String,
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
    pub fn prepare(
        conn: &mut super::AnyConnection,
        websearch: String,
        fts5: String,
        probes: Vec<String>,
        wanted: u32,
    ) -> diesel::QueryResult<Self> {
        use diesel::RunQueryDsl;
        use diesel::dsl::sql;
        use diesel::sql_types::Text;
        let backend = conn.backend();
        let (tsquery, common) = match backend {
            Backend::Postgres => {
                let tsquery = diesel::select(
                    sql::<Text>("websearch_to_tsquery(byline_search_config(), byline_fold(")
                        .bind::<Text, _>(websearch)
                        .sql("))::text"),
                )
                .get_result::<String>(conn)?;
                (tsquery, false)
            }
            Backend::Sqlite => (
                String::new(),
                many_hits(conn, "articles_fts", &fts5, wanted)?,
            ),
        };
        Ok(Self {
            backend,
            tsquery,
            common,
            fts5,
            probes,
        })
    }

    pub fn matches(&self) -> Condition {
        use diesel::dsl::sql;
        use diesel::sql_types::Text;
        match self.backend {
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
                    sql::<Double>("coalesce((WITH hits(k, score) AS MATERIALIZED (SELECT rowid, -bm25(articles_fts, 10.0, 4.0, 4.0, 1.0, 4.0) FROM articles_fts WHERE articles_fts MATCH ")
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
            Backend::Postgres => Box::new(
                sql::<Nullable<Text>>(concat!(
                    "ts_headline(byline_search_config(), ",
                    "(SELECT coalesce(",
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
                    .sql(", ' ')) AS p) w), ")
                    .bind::<Text, _>(self.tsquery.clone())
                    .sql("::tsquery, 'StartSel=\u{2}, StopSel=\u{3}, MaxWords=35, MinWords=15, MaxFragments=1')"),
            ),
            Backend::Sqlite => Box::new(
                sql::<Nullable<Text>>("(SELECT snippet(articles_fts, 3, char(2), char(3), '…', 30) FROM articles_fts WHERE articles_fts MATCH ")
                    .bind::<Text, _>(self.fts5.clone())
                    .sql(" AND articles_fts.rowid = articles.rowid)"),
            ),
        }
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
    use super::probe_spellings;

    #[test]
    fn probes_are_looked_for_in_lower_case_capitalized_and_capitals() {
        let probes = ["zeppel".to_owned(), "élan".to_owned(), "42".to_owned()];
        assert_eq!(
            probe_spellings(&probes),
            ["zeppel", "Zeppel", "ZEPPEL", "élan", "Élan", "ÉLAN", "42"]
        );
    }
}
