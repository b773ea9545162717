//! Waiting for what happens in the background (a mail the worker sends, a process that ends,
//! an event on another replica): poll until it is there, with a deadline, never a fixed sleep.

use std::future::Future;
use std::time::Duration;

/// How often [`eventually`] looks again.
const EVERY: Duration = Duration::from_millis(100);

/// Calls `check` until it answers `Some`, every 100 ms, and answers that; panics naming
/// `what` if `within` passes first (after one last look).
pub async fn eventually<T, F, Fut>(what: &str, within: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(found) = check().await {
            return found;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("{what}: not within {within:?}");
        }
        tokio::time::sleep(EVERY).await;
    }
}

/// Calls `check` every 100 ms until `enough` says its answer will do, or `within` passes, and
/// answers its last answer either way (for checks whose caller also asserts what is missing).
pub async fn settled<T, F, Fut>(within: Duration, mut check: F, enough: impl Fn(&T) -> bool) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = T>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let answer = check().await;
        if enough(&answer) || tokio::time::Instant::now() >= deadline {
            return answer;
        }
        tokio::time::sleep(EVERY).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn answers_once_the_check_does() {
        let mut looks = 0;
        let found = eventually("the third look", Duration::from_secs(5), || {
            looks += 1;
            let now = looks;
            async move { (now == 3).then_some(now) }
        })
        .await;
        assert_eq!(found, 3);
    }

    #[tokio::test]
    async fn settles_on_the_last_answer_at_its_deadline() {
        let mut looks = 0;
        let last = settled(
            Duration::from_millis(250),
            || {
                looks += 1;
                let now = looks;
                async move { now }
            },
            |n| *n > 1_000,
        )
        .await;
        assert!((2..10).contains(&last), "{last}");
    }

    #[tokio::test]
    #[should_panic(expected = "never: not within")]
    async fn gives_up_at_its_deadline() {
        eventually("never", Duration::from_millis(250), || async { None::<()> }).await;
    }
}
