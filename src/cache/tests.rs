//! The cache's entries, exactness and forms, without HTTP.

use super::entry::{HOT_READS, HOT_WINDOW_MS, WARM_READS};
use super::*;

fn hints(resources: &[&str], list: bool) -> Hints {
    Hints {
        resources: resources.iter().map(|s| (*s).to_owned()).collect(),
        list,
        until: None,
    }
}

fn fill(cache: &ResponseCache, key: &str, h: &Hints) -> bool {
    let t = cache.ticket();
    let body = Bytes::from_static(b"{}");
    cache
        .fill(t, key.to_owned(), h, vec![], body, None)
        .is_some()
}

#[test]
fn a_change_makes_what_showed_it_stale_and_nothing_else() {
    let cache = ResponseCache::new(1 << 20);
    assert!(fill(&cache, "/a", &hints(&["a"], false)));
    assert!(fill(&cache, "/b", &hints(&["b"], false)));
    assert!(fill(&cache, "/list", &hints(&[], true)));
    cache.invalidate(["a"], false);
    assert!(cache.get("/a").is_none());
    assert!(cache.get("/b").is_some());
    assert!(cache.get("/list").is_some());
    cache.invalidate([], true);
    assert!(cache.get("/list").is_none());
}

#[test]
fn a_read_that_began_before_a_change_does_not_fill() {
    let cache = ResponseCache::new(1 << 20);
    let before = cache.ticket();
    cache.invalidate(["x"], true);
    let body = Bytes::from_static(b"old");
    let hints = hints(&["x"], false);
    let stored = cache.fill(before, "/x".to_owned(), &hints, vec![], body, None);
    assert!(stored.is_none());
    assert!(cache.get("/x").is_none());
}

#[test]
fn an_entry_expires_at_its_moment() {
    let cache = ResponseCache::new(1 << 20);
    let mut h = hints(&[], true);
    h.until = Some(chrono::Utc::now().naive_utc() + chrono::Duration::milliseconds(50));
    assert!(fill(&cache, "/soon", &h));
    assert!(cache.get("/soon").is_some());
    std::thread::sleep(Duration::from_millis(80));
    assert!(cache.get("/soon").is_none());
    h.until = Some(chrono::Utc::now().naive_utc() - chrono::Duration::seconds(1));
    assert!(!fill(&cache, "/past", &h));
}

#[test]
fn messages_from_other_nodes_invalidate_and_own_ones_do_not() {
    let cache = ResponseCache::new(1 << 20);
    assert!(fill(&cache, "/a", &hints(&["a"], false)));
    assert!(fill(&cache, "/list", &hints(&["z"], true)));
    let change = Invalidation {
        keys: vec!["a".to_owned()],
        ..Invalidation::default()
    };
    receive(&cache, &message(cache.node(), &change));
    assert!(cache.get("/a").is_some());
    receive(&cache, &message("other", &change));
    assert!(cache.get("/a").is_none());
    assert!(
        cache.get("/list").is_some(),
        "a change in place leaves lists"
    );
    let lists = Invalidation {
        lists: true,
        ..Invalidation::default()
    };
    receive(&cache, &message("other", &lists));
    assert!(cache.get("/list").is_none(), "every list");
    assert!(fill(&cache, "/list", &hints(&["z"], true)));
    let due = Invalidation {
        due: Some(chrono::Utc::now().naive_utc()),
        ..Invalidation::default()
    };
    receive(&cache, &message("other", &due));
    assert!(cache.get("/list").is_none(), "a new due moment");
    assert!(fill(&cache, "/b", &hints(&["b"], false)));
    receive(&cache, "other *");
    assert!(cache.get("/b").is_none());
}

#[test]
fn the_next_due_moment_is_kept_until_content_changes() {
    let cache = ResponseCache::new(1 << 20);
    assert_eq!(cache.known_due(), None);
    // A moment already past (a schedule moved away with no change) is read again.
    let past = Some(chrono::Utc::now().naive_utc() - chrono::Duration::seconds(1));
    cache.remember_due(cache.list_generation(), past);
    assert_eq!(cache.known_due(), None);
    let due = Some(chrono::Utc::now().naive_utc() + chrono::Duration::hours(1));
    let generation = cache.list_generation();
    cache.remember_due(generation, due);
    assert_eq!(cache.known_due(), Some(due));
    cache.invalidate(["a"], true);
    assert_eq!(cache.known_due(), None, "a change of content forgets it");
    // A read that began before a change does not keep what it found.
    let before = cache.list_generation();
    cache.invalidate(["b"], true);
    cache.remember_due(before, due);
    assert_eq!(cache.known_due(), None);
}

#[test]
fn a_packed_entry_weighs_its_packed_size_and_new_forms_are_not_evictions() {
    let cache = ResponseCache::new(1 << 20);
    let body = Bytes::from("x".repeat(10_000));
    let h = hints(&["a"], false);
    let first = cache
        .fill(cache.ticket(), "/a".to_owned(), &h, vec![], body, None)
        .unwrap();
    assert!(first.wants_packing());
    assert!(!first.wants_packing(), "asked once");
    let plain = cache.weight();
    cache.packed("/a", &first, Bytes::from_static(b"packed"));
    assert_eq!(plain - cache.weight(), 10_000 - 6);
    let held = cache.get("/a").unwrap();
    assert!(held.body.plain.is_none());
    assert_eq!(held.body.len, 10_000);
    // The gzip and brotli forms made from the first entry join the packed one.
    let (gzip, brotli) = (Bytes::from_static(b"gz"), Bytes::from_static(b"br"));
    cache.compressed("/a", &first, gzip.clone(), brotli.clone());
    let held = cache.get("/a").unwrap();
    assert!(held.body.plain.is_none() && held.body.zstd.is_some());
    assert_eq!(held.compressed, Some((gzip.clone(), brotli.clone())));
    // A form made from an entry that was since replaced is dropped.
    cache.invalidate(["a"], false);
    assert!(fill(&cache, "/a", &h));
    cache.packed("/a", &first, Bytes::from_static(b"old"));
    cache.compressed("/a", &first, gzip, brotli);
    let held = cache.get("/a").unwrap();
    assert_eq!(held.body.plain.as_deref(), Some(&b"{}"[..]));
    assert!(held.body.zstd.is_none());
    assert!(held.compressed.is_none());
    assert_eq!(
        cache.evictions(),
        0,
        "replacing an entry is not evicting one"
    );
    assert_eq!(cache.len(), 1);
}

/// `body` stored under `/a` and packed (as the one byte `z`), as the cache now holds it.
fn packed_at_a(cache: &ResponseCache, body: &Bytes) -> Arc<Entry> {
    let h = hints(&["a"], false);
    let t = cache.ticket();
    let entry = cache.fill(t, "/a".to_owned(), &h, vec![], body.clone(), None);
    cache.packed("/a", &entry.unwrap(), Bytes::from_static(b"z"));
    cache.get("/a").unwrap()
}

#[test]
fn an_entry_unpacked_often_keeps_its_plain_body_too() {
    let cache = ResponseCache::new(1 << 20);
    let body = Bytes::from("y".repeat(4_000));
    let packed = packed_at_a(&cache, &body);
    // A read now and then never makes it warm: each window starts the count again.
    for n in 0..HOT_READS * 2 {
        let at = u64::from(n) * (HOT_WINDOW_MS + 1);
        assert_eq!(packed.unpacked_read(at), None);
    }
    let heat: Vec<Option<Heat>> = (0..HOT_READS + 5)
        .map(|n| packed.unpacked_read(100_000 + u64::from(n)))
        .collect();
    assert_eq!(heat.iter().filter(|h| h.is_some()).count(), 2, "once each");
    assert_eq!(heat[WARM_READS as usize - 1], Some(Heat::Warm));
    assert_eq!(heat[HOT_READS as usize - 1], Some(Heat::Hot));
    let weight = cache.weight();
    cache.unpacked("/a", &packed, body.clone(), Heat::Warm);
    assert_eq!(cache.weight() - weight, 4_000);
    let held = cache.get("/a").unwrap();
    assert_eq!(held.body.plain.as_ref(), Some(&body));
    assert_eq!(held.body.zstd.as_deref(), Some(&b"z"[..]));
    assert!(!held.wants_packing(), "it stays packed for zstd clients");

    // Not for a warm entry when the cache is three quarters full; for a hot one, yes.
    let cache = ResponseCache::new(64 << 10);
    let packed = packed_at_a(&cache, &body);
    let mut n = 0;
    while cache.weight() + 4_000 <= 48 << 10 && n < 10_000 {
        n += 1;
        assert!(fill(&cache, &format!("/{n}"), &hints(&[], false)));
        // Read, it stays.
        assert!(cache.get("/a").is_some());
    }
    cache.unpacked("/a", &packed, body.clone(), Heat::Warm);
    assert!(cache.get("/a").unwrap().body.plain.is_none());
    cache.unpacked("/a", &packed, body.clone(), Heat::Hot);
    assert_eq!(cache.get("/a").unwrap().body.plain, Some(body));
}

#[test]
fn entries_pushed_out_to_make_room_are_counted() {
    let cache = ResponseCache::new(64 << 10);
    for n in 0..400 {
        assert!(fill(&cache, &format!("/{n}"), &hints(&[], false)));
    }
    assert!(cache.evictions() > 0);
    assert!(cache.weight() <= 64 << 10);
}

#[test]
fn an_off_cache_stores_nothing() {
    let cache = ResponseCache::new(0);
    assert!(!fill(&cache, "/a", &hints(&["a"], false)));
    assert!(cache.get("/a").is_none());
}
