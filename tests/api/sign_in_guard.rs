//! Neither step of signing in can be guessed faster by sending guesses together. The password:
//! every attempt is counted before it is checked, so an account's free failures are all a burst
//! gets. The second step: attempts are counted before codes are checked,
//! per challenge and per person, and a person whose second step locks is told by email.

use std::time::Duration;

use roster_shared::api::{DevMail, SignInOutcome};
use roster_tests::{
    ApiClient, Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp, engines, expect_error, expect_json,
    totp,
};
use serde_json::json;

engines!(
    concurrent_guesses_at_a_password_stay_within_the_free_failures,
    concurrent_guesses_on_one_challenge_stay_within_its_cap,
    wrong_codes_across_challenges_lock_the_second_step,
);

/// Wrong codes one challenge takes before signing in must start again.
const CHALLENGE_CAP: usize = 5;
/// Wrong codes, across challenges, that lock a person's second step.
const ACCOUNT_CAP: usize = 10;
const LOCKED_SUBJECT: &str = "Someone tried to sign in";

async fn challenge(client: &ApiClient) -> String {
    match expect_json(client.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await, 200).await {
        SignInOutcome::TotpRequired { challenge } => challenge,
        other => panic!("a code should be asked for: {other:?}"),
    }
}

async fn send_code(client: &ApiClient, challenge: &str, code: &str) -> reqwest::Response {
    client
        .post(
            "/api/v1/sign-in/totp",
            &json!({ "challenge": challenge, "code": code }),
        )
        .await
}

/// A code that is not the current one (the authenticator's codes from long ago).
fn wrong_code(secret: &str, n: usize) -> String {
    totp::code(secret, -1000 - n as i64)
}

/// The lock notices mailed to the Owner so far (waiting up to `wait` for at least one).
async fn lock_notices(app: &TestApp, wait: Duration) -> Vec<DevMail> {
    app.mails_to_within(OWNER_EMAIL, LOCKED_SUBJECT, 1, wait)
        .await
}

/// Sends every guess at once; answers how many were checked (`checked`: status and code) and
/// how many refused (`refused`), failing on any other answer.
async fn sent_together<F>(
    guesses: Vec<F>,
    checked: (u16, &str),
    refused: (u16, &str),
) -> (usize, usize)
where
    F: std::future::Future<Output = reqwest::Response> + Send + 'static,
{
    let mut running = tokio::task::JoinSet::new();
    for guess in guesses {
        running.spawn(async move {
            let response = guess.await;
            let status = response.status().as_u16();
            let body: roster_shared::api::ErrorBody = response.json().await.unwrap();
            (status, body.code)
        });
    }
    let (mut was_checked, mut was_refused) = (0, 0);
    while let Some(answer) = running.join_next().await {
        match answer.unwrap() {
            (status, code) if (status, code.as_str()) == checked => was_checked += 1,
            (status, code) if (status, code.as_str()) == refused => was_refused += 1,
            other => panic!("unexpected answer to a guess: {other:?}"),
        }
    }
    (was_checked, was_refused)
}

/// Wrong passwords an account takes before signing in must wait.
const PASSWORD_CAP: usize = 5;

async fn concurrent_guesses_at_a_password_stay_within_the_free_failures(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let attacker = app.new_client();
    let guesses = (0..4 * PASSWORD_CAP)
        .map(|n| {
            let attacker = attacker.clone();
            async move {
                attacker
                    .sign_in(OWNER_EMAIL, &format!("guess number {n}"))
                    .await
            }
        })
        .collect();
    let (checked, refused) = sent_together(
        guesses,
        (401, "invalid_credentials"),
        (429, "too_many_attempts"),
    )
    .await;
    assert_eq!(
        checked, PASSWORD_CAP,
        "exactly the account's free failures are checked, however many arrive at once"
    );
    assert_eq!(refused, 3 * PASSWORD_CAP);
    // The right password waits too: the account is what was guessed at.
    expect_error(
        app.new_client().sign_in(OWNER_EMAIL, OWNER_PASSWORD).await,
        429,
        "too_many_attempts",
    )
    .await;
    app.stop().await;
}

async fn concurrent_guesses_on_one_challenge_stay_within_its_cap(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let secret = app.enable_two_factor().await;
    let attacker = app.new_client();
    let challenge = challenge(&attacker).await;

    let guesses = (0..4 * CHALLENGE_CAP)
        .map(|n| {
            let attacker = attacker.clone();
            let challenge = challenge.clone();
            let code = wrong_code(&secret, n);
            async move { send_code(&attacker, &challenge, &code).await }
        })
        .collect();
    let (checked, refused) =
        sent_together(guesses, (401, "invalid_code"), (401, "challenge_expired")).await;
    assert_eq!(
        checked, CHALLENGE_CAP,
        "exactly the challenge's cap of codes is checked, however many arrive at once"
    );
    assert_eq!(refused, 3 * CHALLENGE_CAP);
    // The right code is no use on a challenge that has had its guesses.
    expect_error(
        send_code(&attacker, &challenge, &totp::code(&secret, 1)).await,
        401,
        "challenge_expired",
    )
    .await;
    // The person still signs in with a new challenge.
    let phone = app.new_client();
    let fresh = self::challenge(&phone).await;
    let outcome: SignInOutcome = expect_json(
        send_code(&phone, &fresh, &totp::code(&secret, 1)).await,
        200,
    )
    .await;
    assert!(matches!(outcome, SignInOutcome::SignedIn { .. }));
    app.stop().await;
}

async fn wrong_codes_across_challenges_lock_the_second_step(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let secret = app.enable_two_factor().await;
    let attacker = app.new_client();

    // Each right password buys a new challenge, but no new guesses.
    let mut guesses = 0;
    while guesses < ACCOUNT_CAP {
        let challenge = challenge(&attacker).await;
        for _ in 0..CHALLENGE_CAP.min(ACCOUNT_CAP - guesses) {
            expect_error(
                send_code(&attacker, &challenge, &wrong_code(&secret, guesses)).await,
                401,
                "invalid_code",
            )
            .await;
            guesses += 1;
        }
    }

    // The right password still opens a challenge, but even the right code now waits.
    let challenge = challenge(&attacker).await;
    let response = send_code(&attacker, &challenge, &totp::code(&secret, 1)).await;
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((14 * 60..=15 * 60).contains(&retry), "{retry}");
    let message = expect_error(response, 429, "too_many_attempts").await;
    assert!(message.contains("wrong codes"), "{message}");
    // From another device, too: the lock is the account's, not the client's.
    let phone = app.new_client();
    let other = self::challenge(&phone).await;
    expect_error(
        send_code(&phone, &other, &totp::code(&secret, 1)).await,
        429,
        "too_many_attempts",
    )
    .await;

    // The person hears about it once.
    let notices = lock_notices(&app, Duration::from_secs(10)).await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    let text = &notices[0].text;
    assert!(
        text.contains("entered your password correctly") && text.contains("10 times"),
        "{text}"
    );
    assert!(text.contains("change it"), "{text}");
    // Queued by the request whose code locked the step, so every one there is already counted.
    let queued: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE payload LIKE '%second_step_locked%'")
            .fetch_one(&app.db().await)
            .await
            .unwrap();
    assert_eq!(queued, 1);

    // A quarter of an hour later (the counter's clock moved back), the right code works.
    app.execute(
        "UPDATE sign_in_failures SET last_failure_at = last_failure_at - 16 * 60 * 1000 \
         WHERE key LIKE 'second-step:%'",
    )
    .await;
    let outcome: SignInOutcome = expect_json(
        send_code(&phone, &other, &totp::code(&secret, 1)).await,
        200,
    )
    .await;
    assert!(matches!(outcome, SignInOutcome::SignedIn { .. }));
    app.stop().await;
}
