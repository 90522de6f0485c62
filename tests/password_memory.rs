//! Password hashing gives its working memory back. A process of its own, so that no other
//! test allocates while this one reads the resident size (Linux only).

#[test]
fn hashing_on_many_threads_does_not_keep_its_memory() {
    let Some(before) = resident_kib() else {
        eprintln!("skipped: no /proc/self/status");
        return;
    };
    for _ in 0..6 {
        std::thread::spawn(|| byline::auth::password::hash("a password of some length"))
            .join()
            .unwrap()
            .unwrap();
    }
    let after = resident_kib().unwrap();
    // One argon2 run touches 19 MiB; six threads keeping theirs would add 114 MiB.
    assert!(
        after < before + 19 * 1024,
        "resident size went from {before} KiB to {after} KiB"
    );
}

fn resident_kib() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
