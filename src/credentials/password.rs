//! Password hashing with argon2id at OWASP's recommended cost (19 MiB, 2 passes, 1 lane).

use argon2::password_hash::{
    self, Decimal, Ident, ParamsString, PasswordHash, PasswordHasher, PasswordVerifier, Salt,
    SaltString,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// The shortest password accepted, in characters.
pub const MIN_LEN: usize = 12;
/// The longest password accepted, in characters; longer ones are refused before hashing.
pub const MAX_LEN: usize = 1024;

fn params() -> Params {
    // Fixed, valid parameters: Params::new only fails on out-of-range values.
    Params::new(19 * 1024, 2, 1, None).unwrap_or_default()
}

/// Argon2's working memory is asked for with room to spare. glibc serves an allocation of
/// 32 MiB or more with pages of its own, which go back to the system when freed; a 19 MiB one
/// comes from the thread's heap, and the heap kept it: measured, twenty logins took the
/// server from 36 to 154 MiB. Only the pages argon2 touches (19 MiB) are ever resident.
const OWN_PAGES_BYTES: usize = 33 * 1024 * 1024;

/// Argon2 with working memory that is returned to the system after each run (see
/// [`OWN_PAGES_BYTES`]). Verification comes with the trait: it recomputes the hash with the
/// stored parameters and compares in constant time.
struct ReusingArgon2;

impl PasswordHasher for ReusingArgon2 {
    type Params = Params;

    fn hash_password_customized<'a>(
        &self,
        password: &[u8],
        algorithm: Option<Ident<'a>>,
        version: Option<Decimal>,
        params: Params,
        salt: impl Into<Salt<'a>>,
    ) -> password_hash::Result<PasswordHash<'a>> {
        let algorithm = algorithm
            .map(Algorithm::try_from)
            .transpose()?
            .unwrap_or_default();
        let version = version
            .map(Version::try_from)
            .transpose()?
            .unwrap_or_default();
        let salt = salt.into();
        let mut salt_buffer = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_buffer)?;
        let blocks = params.block_count();
        let length = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        let argon2 = Argon2::new(algorithm, version, params.clone());
        let mut memory: Vec<Block> =
            Vec::with_capacity(blocks.max(OWN_PAGES_BYTES / std::mem::size_of::<Block>()));
        memory.resize(blocks, Block::default());
        let hash = password_hash::Output::init_with(length, |out| {
            Ok(argon2.hash_password_into_with_memory(password, salt_bytes, out, &mut memory)?)
        })?;
        Ok(PasswordHash {
            algorithm: algorithm.ident(),
            version: Some(version.into()),
            params: ParamsString::try_from(&params)?,
            salt: Some(salt),
            hash: Some(hash),
        })
    }
}

/// Hashes a password into a PHC string. Slow on purpose: call it through [`Hasher::run`].
pub fn hash(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| e.to_string())?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    ReusingArgon2
        .hash_password_customized(
            password.as_bytes(),
            Some(Algorithm::Argon2id.ident()),
            Some(Version::V0x13.into()),
            params(),
            &salt,
        )
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks a password against a stored hash, in time that does not depend on where they differ.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => ReusingArgon2
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// Password checks that may wait for the password thread. A queue this long drains in about
/// a second; past it a request answers 503 at once instead of waiting behind a flood.
pub const QUEUE: usize = 16;

/// Why a password job did not run to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// The queue is full.
    Busy,
    /// The thread is gone, or the job panicked.
    Failed,
}

/// The thread that hashes and verifies a server's passwords. Logins queue for it in order:
/// at most one argon2 run's memory (19 MiB) is in use at a time, and a flood of logins
/// cannot take more than one core. The thread ends when the last handle is dropped.
pub struct Hasher {
    queue: std::sync::mpsc::SyncSender<Job>,
}

impl Hasher {
    /// Starts the thread.
    pub fn start() -> std::io::Result<Self> {
        let (queue, receiver) = std::sync::mpsc::sync_channel::<Job>(QUEUE);
        std::thread::Builder::new()
            .name("byline-passwords".into())
            .spawn(move || {
                for job in receiver {
                    // A panicking job drops its answer channel; the caller reports it.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                }
            })?;
        Ok(Self { queue })
    }

    /// Runs `f` on the password thread and waits for it without blocking the caller's
    /// thread. A full queue is refused at once.
    pub async fn run<T, F>(&self, f: F) -> Result<T, Unavailable>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(f());
        });
        self.queue.try_send(job).map_err(|e| match e {
            std::sync::mpsc::TrySendError::Full(_) => Unavailable::Busy,
            std::sync::mpsc::TrySendError::Disconnected(_) => Unavailable::Failed,
        })?;
        answered.await.map_err(|_| Unavailable::Failed)
    }
}

/// A hash of a random password, verified against when the email is unknown so that a wrong
/// email costs as much time as a wrong password.
pub fn dummy_hash() -> String {
    let mut random = [0u8; 24];
    let _ = getrandom::fill(&mut random);
    hash(&format!("{random:?}")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_password_thread_answers_and_survives_a_panic() {
        let hasher = Hasher::start().unwrap();
        assert_eq!(hasher.run(|| 2 + 2).await, Ok(4));
        let panicked: Result<(), _> = hasher.run(|| panic!("on purpose")).await;
        assert_eq!(panicked, Err(Unavailable::Failed));
        let first = hasher.run(|| std::thread::current().id()).await;
        let second = hasher.run(|| std::thread::current().id()).await;
        assert!(first.is_ok());
        assert_eq!(first, second, "one thread does all the hashing");
        assert_ne!(first, Ok(std::thread::current().id()));

        // A full queue is refused at once.
        use futures_util::FutureExt;
        let (release, gate) = std::sync::mpsc::channel::<()>();
        let gate = std::sync::Arc::new(std::sync::Mutex::new(gate));
        let mut refused = None;
        for n in 0..QUEUE + 3 {
            let gate = std::sync::Arc::clone(&gate);
            let polled = hasher
                .run(move || {
                    let _ = gate.lock().map(|g| g.recv());
                })
                .now_or_never();
            if let Some(Err(e)) = polled {
                refused = Some((n, e));
                break;
            }
        }
        let (n, e) = refused.expect("the queue is bounded");
        assert_eq!(e, Unavailable::Busy);
        assert!(n >= QUEUE, "refused after {n} jobs");
        drop(release);
        let mut again = hasher.run(|| 3).await;
        for _ in 0..100 {
            if again != Err(Unavailable::Busy) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            again = hasher.run(|| 3).await;
        }
        assert_eq!(again, Ok(3), "the thread drains and serves again");
    }

    #[test]
    fn hashes_verify_and_are_salted() {
        let a = hash("correct horse battery").unwrap();
        let b = hash("correct horse battery").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert!(verify("correct horse battery", &a));
        assert!(!verify("correct horse batterY", &a));
        assert!(!verify("anything", "not a hash"));
        // A hash made by the stock implementation verifies, and the other way round.
        let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
        let stock = Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
            .hash_password(b"correct horse battery", &salt)
            .unwrap()
            .to_string();
        assert!(verify("correct horse battery", &stock));
        assert!(!verify("correct horse battery!", &stock));
        let ours = PasswordHash::new(&a).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery", &ours)
                .is_ok()
        );
    }
}
