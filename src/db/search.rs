//! Full-text search on articles, written once per engine: PostgreSQL's `tsvector` index and
//! SQLite's FTS5 table. The store asks for the three pieces a search needs and never sees
//! which engine answers.

use diesel::expression::BoxableExpression;
use diesel::sql_types::Bool;

use super::schema::articles::dsl as a;
use super::{Backend, MultiBackend};

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
    websearch: String,
    fts5: String,
    probes: Vec<String>,
}

impl SearchSql {
    /// A search for this backend: `websearch` is the query in PostgreSQL's `websearch`
    /// syntax, `fts5` in SQLite FTS5's, and `probes` the plain words to find in a body.
    pub fn new(backend: Backend, websearch: String, fts5: String, probes: Vec<String>) -> Self {
        Self {
            backend,
            websearch,
            fts5,
            probes,
        }
    }

    pub fn matches(&self) -> Condition {
        use diesel::dsl::sql;
        use diesel::sql_types::Text;
        match self.backend {
            Backend::Postgres => Box::new(
                sql::<Bool>("articles.search_vector @@ (SELECT websearch_to_tsquery(byline_search_config(), byline_fold(")
                    .bind::<Text, _>(self.websearch.clone())
                    .sql(")))"),
            ),
            Backend::Sqlite => Box::new(
                sql::<Bool>("articles.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ")
                    .bind::<Text, _>(self.fts5.clone())
                    .sql(")"),
            ),
        }
    }

    // On PostgreSQL the query is parsed in a sub-select: the planner runs it once per
    // statement, where a bare call to the (stable, not immutable) functions would be
    // re-evaluated for every row ranked.

    /// Between 0 and 1, higher is better. Title matches weigh most, then subtitle and
    /// excerpt, then body. Each engine's own score `r` is mapped to `r / (1 + r)` (ts_rank's
    /// normalization 32; the same sum on SQLite's BM25), so both give the same scale, though
    /// not the same numbers.
    pub fn rank(&self) -> Number {
        use diesel::dsl::sql;
        use diesel::sql_types::{Double, Text};
        match self.backend {
            Backend::Postgres => Box::new(
                sql::<Double>("ts_rank(articles.search_vector, (SELECT websearch_to_tsquery(byline_search_config(), byline_fold(")
                    .bind::<Text, _>(self.websearch.clone())
                    .sql("))), 32)::float8"),
            ),
            // The hits and their scores are gathered once per statement (a materialized,
            // uncorrelated CTE, looked up through an automatic index) rather than by a new
            // full-text query for every row ranked.
            Backend::Sqlite => Box::new(
                sql::<Double>("(WITH hits(k, score) AS MATERIALIZED (SELECT rowid, -bm25(articles_fts, 10.0, 4.0, 4.0, 1.0, 4.0) FROM articles_fts WHERE articles_fts MATCH ")
                    .bind::<Text, _>(self.fts5.clone())
                    .sql(") SELECT score / (1.0 + score) FROM hits WHERE hits.k = articles.rowid)"),
            ),
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
                    .sql("(SELECT websearch_to_tsquery(byline_search_config(), byline_fold(")
                    .bind::<Text, _>(self.websearch.clone())
                    .sql("))), 'StartSel=\u{2}, StopSel=\u{3}, MaxWords=35, MinWords=15, MaxFragments=1')"),
            ),
            Backend::Sqlite => Box::new(
                sql::<Nullable<Text>>("(SELECT snippet(articles_fts, 3, char(2), char(3), '…', 30) FROM articles_fts WHERE articles_fts MATCH ")
                    .bind::<Text, _>(self.fts5.clone())
                    .sql(" AND articles_fts.rowid = articles.rowid)"),
            ),
        }
    }
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
