//! How an import is cut into transactions: all of it in one (a rehearsal, or `--strict`),
//! or batches the server's own writes can come between, each written again item by item
//! under savepoints when one of its items fails.

use std::io::BufReader;

use super::{Noted, Report, State, guid_of};
use crate::backup::progress::Progress;
use crate::db::AnyConnection;
use crate::domain::Error;
use crate::wordpress::repo;
use crate::wordpress::wxr::{self, Entry};

/// Items written per transaction: each item is a savepoint of it, so one that fails is
/// undone alone and reported.
const BATCH: usize = 250;

/// The longest a transaction of the import runs before it commits, so that the server's
/// own writes (on SQLite, one writer at a time) wait at most about this long.
const HOLD: std::time::Duration = std::time::Duration::from_millis(250);

/// Where the state stood when a transaction began: its counts, and the lengths of its lists.
struct Mark {
    counts: Report,
    lengths: [usize; 3],
}

/// The error that undoes a rehearsal (not a failure: nothing is logged).
fn rehearsal_over() -> Error {
    Error::new(crate::domain::Code::Conflict, "the rehearsal is over")
}

/// The error that undoes a transaction an item broke, to write it again (nothing is
/// logged).
fn written_again() -> Error {
    Error::new(
        crate::domain::Code::Conflict,
        "an item failed; written again",
    )
}

impl State {
    /// Every entry in one transaction, undone at the end for a dry run, or for `--strict`
    /// when an item failed.
    pub(super) fn whole(
        &mut self,
        conn: &mut AnyConnection,
        input: BufReader<std::fs::File>,
        progress: &mut Progress,
    ) -> anyhow::Result<()> {
        let mut rehearsed = false;
        let written = crate::seed::system_write(conn, |tx| {
            wxr::read(input, |entry| {
                self.entry(tx, &entry)
                    .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
                progress.add(u64::from(matches!(entry, Entry::Item(_))));
                Ok(())
            })
            .map_err(|e| Error::internal(e.to_string()))?;
            if self.options.dry_run || !self.report.failed.is_empty() {
                rehearsed = true;
                return Err(rehearsal_over());
            }
            Ok(())
        });
        match written {
            Err(_) if rehearsed && self.options.dry_run => Ok(()),
            Err(_) if rehearsed => {
                let Some(first) = self.report.failed.first() else {
                    anyhow::bail!("the import was rolled back; nothing was imported")
                };
                anyhow::bail!(
                    "{} item(s) cannot be imported (the first: {} {} {:?}: {}); with --strict \
                     nothing was imported",
                    self.report.failed.len(),
                    first.kind,
                    first.wordpress_id,
                    first.title,
                    first.reason
                )
            }
            other => other,
        }
    }

    /// The entries [`BATCH`] to a transaction, and for at most [`HOLD`] each: the server
    /// keeps writing between them. A transaction is first written without a savepoint per
    /// item (two round trips fewer each); when an item fails, it is undone and written again
    /// with them, so that only that item is left out. Files of the old site are always
    /// written guarded (they are stored before their rows).
    pub(super) fn batched(
        &mut self,
        conn: &mut AnyConnection,
        input: BufReader<std::fs::File>,
        progress: &mut Progress,
    ) -> anyhow::Result<()> {
        let mut pending = std::collections::VecDeque::with_capacity(BATCH);
        // The planner is told how large the tables grew now and then (each time four times
        // larger), or it keeps judging them by the empty tables it started with.
        let (mut written, mut next_count) = (0usize, 1_000usize);
        let always_guarded = self.library.active();
        self.guarded = always_guarded;
        let mut flush = |state: &mut Self, pending: &mut std::collections::VecDeque<Entry>| {
            while !pending.is_empty() {
                let started = std::time::Instant::now();
                state.noted.clear();
                let mark = state.mark();
                let mut taken = 0usize;
                let done = crate::seed::system_write(conn, |tx| {
                    let guids: Vec<String> = pending
                        .iter()
                        .filter_map(|entry| match entry {
                            Entry::Item(item) => guid_of(item),
                            _ => None,
                        })
                        .collect();
                    state.known = Some(repo::targets_of(tx.conn(), &guids)?);
                    while let Some(entry) = pending.get(taken) {
                        state.entry(tx, entry)?;
                        taken += 1;
                        if state.broken {
                            return Err(written_again());
                        }
                        if started.elapsed() > HOLD {
                            break;
                        }
                    }
                    Ok(())
                });
                state.known = None;
                if std::mem::take(&mut state.broken) {
                    state.back_to(mark);
                    state.guarded = true;
                    continue;
                }
                done?;
                state.guarded = always_guarded;
                let items = pending
                    .drain(..taken)
                    .filter(|e| matches!(e, Entry::Item(_)))
                    .count();
                progress.add(items as u64);
                written += taken;
                if written >= next_count {
                    crate::db::refresh_statistics(conn)?;
                    next_count = written * 4;
                }
            }
            anyhow::Ok(())
        };
        wxr::read(input, |entry| {
            pending.push_back(entry);
            if pending.len() >= BATCH {
                flush(self, &mut pending)?;
            }
            Ok(())
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        flush(self, &mut pending)?;
        Ok(crate::db::refresh_statistics(conn)?)
    }

    fn mark(&self) -> Mark {
        let r = &self.report;
        Mark {
            counts: Report {
                wxr_version: String::new(),
                site: String::new(),
                locale: String::new(),
                skipped: Vec::new(),
                failed: Vec::new(),
                sticky: Vec::new(),
                ..*r
            },
            lengths: [r.skipped.len(), r.failed.len(), r.sticky.len()],
        }
    }

    /// Forgets what the state learnt since `mark`, when the transaction is undone.
    fn back_to(&mut self, mark: Mark) {
        let (r, m) = (&mut self.report, mark.counts);
        r.authors_created = m.authors_created;
        r.categories_created = m.categories_created;
        r.tags_created = m.tags_created;
        r.articles_created = m.articles_created;
        r.articles_updated = m.articles_updated;
        r.articles_unchanged = m.articles_unchanged;
        r.attachments = m.attachments;
        let [skipped, failed, sticky] = mark.lengths;
        r.skipped.truncate(skipped);
        r.failed.truncate(failed);
        r.sticky.truncate(sticky);
        for noted in self.noted.drain(..) {
            match noted {
                Noted::Author(k) => drop(self.authors.remove(&k)),
                Noted::Category(k) => drop(self.categories.remove(&k)),
                Noted::Tag(k) => drop(self.tags.remove(&k)),
            }
        }
    }
}
