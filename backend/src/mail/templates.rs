//! The emails Roster sends, each as a subject, a plain-text part and an HTML part.
//!
//! Every value that comes from people (names, account names, addresses) is escaped in the
//! HTML part; the text part is plain text and needs none. The HTML is table-based with inline
//! styles because that is what mail clients render reliably.

use roster_shared::role::Role;
use roster_shared::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rendered {
    pub(crate) subject: String,
    pub(crate) text: String,
    pub(crate) html: String,
}

/// An account and the role given on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Grant {
    pub(crate) account: String,
    pub(crate) role: Role,
}

pub(crate) struct Invitation<'a> {
    pub(crate) inviter: &'a str,
    pub(crate) organisation: &'a str,
    pub(crate) grants: &'a [Grant],
    pub(crate) sign_in_url: &'a str,
    pub(crate) email: &'a str,
    pub(crate) accept_url: &'a str,
    pub(crate) expires_at: Timestamp,
    /// A fresh invitation for someone invited before (expired or pending).
    pub(crate) reinvite: bool,
}

pub(crate) struct AccessGranted<'a> {
    pub(crate) granter: &'a str,
    pub(crate) name: &'a str,
    pub(crate) grants: &'a [Grant],
    pub(crate) sign_in_url: &'a str,
    pub(crate) email: &'a str,
}

pub(crate) struct EmailChangeConfirmation<'a> {
    pub(crate) name: &'a str,
    pub(crate) new_email: &'a str,
    pub(crate) confirm_url: &'a str,
    pub(crate) expires_at: Timestamp,
}

pub(crate) struct EmailChangeNotice<'a> {
    pub(crate) name: &'a str,
    pub(crate) old_email: &'a str,
    pub(crate) new_email: &'a str,
}

pub(crate) struct SecondStepLocked<'a> {
    pub(crate) name: &'a str,
    pub(crate) failures: i64,
    pub(crate) lock_minutes: i64,
    pub(crate) sign_in_url: &'a str,
}

pub(crate) struct PasswordReset<'a> {
    pub(crate) name: &'a str,
    pub(crate) email: &'a str,
    pub(crate) reset_url: &'a str,
    pub(crate) expires_at: Timestamp,
}

pub(crate) struct PasswordChanged<'a> {
    pub(crate) name: &'a str,
    pub(crate) email: &'a str,
    pub(crate) forgot_url: &'a str,
    pub(crate) how: super::PasswordChange,
}

pub(crate) struct WebhookDisabled<'a> {
    pub(crate) name: &'a str,
    pub(crate) organisation: &'a str,
    pub(crate) url: &'a str,
    pub(crate) reason: &'a str,
    pub(crate) settings_url: &'a str,
}

pub(crate) struct Test<'a> {
    pub(crate) name: &'a str,
    pub(crate) transport: &'a str,
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

fn grants_text(grants: &[Grant]) -> String {
    grants
        .iter()
        .map(|g| format!("  - {}: {}\n", g.account, g.role.label()))
        .collect()
}

fn grants_html(grants: &[Grant]) -> String {
    let rows: String = grants
        .iter()
        .map(|g| {
            format!(
                r#"<tr><td style="padding:6px 12px 6px 0;border-bottom:1px solid #e4e6f0">{}</td><td style="padding:6px 0;border-bottom:1px solid #e4e6f0;font-weight:600">{}</td></tr>"#,
                escape(&g.account),
                escape(g.role.label())
            )
        })
        .collect();
    format!(
        r#"<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;margin:8px 0 20px"><tr><th align="left" style="padding:6px 12px 6px 0;color:#4b5270;font-weight:600">Account</th><th align="left" style="padding:6px 0;color:#4b5270;font-weight:600">Role</th></tr>{rows}</table>"#
    )
}

fn button(url: &str, label: &str) -> String {
    format!(
        r#"<table role="presentation" cellpadding="0" cellspacing="0" style="margin:8px 0 20px"><tr><td style="border-radius:6px;background:#3346d3"><a href="{url}" style="display:inline-block;padding:12px 22px;color:#ffffff;font-weight:700;text-decoration:none;border-radius:6px">{label}</a></td></tr></table>"#,
        url = escape(url),
        label = escape(label)
    )
}

/// The frame every email shares; `body` is already-escaped HTML.
fn layout(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{title}</title></head>
<body style="margin:0;padding:0;background:#f6f7fb;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#161a2b;font-size:15px;line-height:1.5">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border:1px solid #d9dcea;border-radius:10px">
<tr><td style="padding:20px 28px;border-bottom:1px solid #e4e6f0;font-weight:700;font-size:17px;color:#3346d3">Roster</td></tr>
<tr><td style="padding:24px 28px">{body}</td></tr>
</table>
<p style="color:#6b7190;font-size:12px;margin:16px 0 0">You received this email because of an action in Roster. If it was not meant for you, you can ignore it.</p>
</td></tr></table>
</body></html>"#,
        title = escape(title)
    )
}

/// A link written out in full. Links carry a long token with no place to break, so the text
/// may break anywhere: otherwise it widens the card past the screen in mail clients.
fn link(url: &str) -> String {
    format!(
        r#"<a href="{url}" style="color:#2433a8;word-break:break-all;overflow-wrap:anywhere">{url}</a>"#,
        url = escape(url)
    )
}

fn paragraph(text: &str) -> String {
    format!(r#"<p style="margin:0 0 14px">{text}</p>"#)
}

pub(crate) fn invitation(mail: &Invitation<'_>) -> Rendered {
    let subject = if mail.reinvite {
        format!(
            "Reminder: {} invited you to {} on Roster",
            mail.inviter, mail.organisation
        )
    } else {
        format!(
            "{} invited you to {} on Roster",
            mail.inviter, mail.organisation
        )
    };
    let expires = mail.expires_at.format_date_time();
    let lead = if mail.reinvite {
        format!(
            "{} sent you a new invitation to {} on Roster. Earlier invitation links no longer matter; use this one.",
            mail.inviter, mail.organisation
        )
    } else {
        format!(
            "{} invited you to {} on Roster, where your team manages who has access to which accounts.",
            mail.inviter, mail.organisation
        )
    };
    let text = format!(
        "Hello,\n\n{lead}\n\nYou will have access to:\n{grants}\nAccept the invitation (valid until {expires}):\n{accept}\n\nAfterwards, sign in at {sign_in} with this email address: {email}\n",
        grants = grants_text(mail.grants),
        accept = mail.accept_url,
        sign_in = mail.sign_in_url,
        email = mail.email,
    );
    let body = [
        paragraph("Hello,"),
        paragraph(&escape(&lead)),
        paragraph("You will have access to:"),
        grants_html(mail.grants),
        button(mail.accept_url, "Accept Invitation Now"),
        paragraph(&format!("Or open this link: {}", link(mail.accept_url))),
        paragraph(&format!(
            "This invitation is valid until <strong>{}</strong>.",
            escape(&expires)
        )),
        paragraph(&format!(
            "Afterwards, sign in at {} with this email address: <strong>{email}</strong>",
            link(mail.sign_in_url),
            email = escape(mail.email)
        )),
    ]
    .concat();
    Rendered {
        html: layout(&subject, &body),
        subject,
        text,
    }
}

pub(crate) fn access_granted(mail: &AccessGranted<'_>) -> Rendered {
    let subject = format!("{} gave you access on Roster", mail.granter);
    let text = format!(
        "Hello {name},\n\n{granter} gave you access to:\n{grants}\nSign in at {sign_in} with {email} to use it.\n",
        name = mail.name,
        granter = mail.granter,
        grants = grants_text(mail.grants),
        sign_in = mail.sign_in_url,
        email = mail.email,
    );
    let body = [
        paragraph(&format!("Hello {},", escape(mail.name))),
        paragraph(&format!("{} gave you access to:", escape(mail.granter))),
        grants_html(mail.grants),
        button(mail.sign_in_url, "Sign in to Roster"),
        paragraph(&format!(
            "Sign in with <strong>{}</strong>.",
            escape(mail.email)
        )),
    ]
    .concat();
    Rendered {
        html: layout(&subject, &body),
        subject,
        text,
    }
}

pub(crate) fn email_change_confirmation(mail: &EmailChangeConfirmation<'_>) -> Rendered {
    let subject = "Confirm your new email address for Roster".to_owned();
    let expires = mail.expires_at.format_date_time();
    let text = format!(
        "Hello {name},\n\nYou asked to use {new} for Roster from now on. Confirm it by opening this link (valid until {expires}):\n{url}\n\nUntil you confirm, nothing changes. If you did not ask for this, ignore this email.\n",
        name = mail.name,
        new = mail.new_email,
        url = mail.confirm_url,
    );
    let body = [
        paragraph(&format!("Hello {},", escape(mail.name))),
        paragraph(&format!(
            "You asked to use <strong>{}</strong> for Roster from now on, also to sign in.",
            escape(mail.new_email)
        )),
        button(mail.confirm_url, "Confirm email address"),
        paragraph(&format!(
            "Or open this link: {}",
            link(mail.confirm_url)
        )),
        paragraph(&format!(
            "The link is valid until <strong>{}</strong>. Until you confirm, nothing changes. If you did not ask for this, ignore this email.",
            escape(&expires)
        )),
    ]
    .concat();
    Rendered {
        html: layout(&subject, &body),
        subject,
        text,
    }
}

pub(crate) fn email_change_notice(mail: &EmailChangeNotice<'_>) -> Rendered {
    let subject = "Your Roster email address is being changed".to_owned();
    let text = format!(
        "Hello {name},\n\nSomeone signed in as you asked to change your Roster email address from {old} to {new}. The change happens only once it is confirmed from {new}.\n\nIf this was not you, sign in, change your password, and sign out of other devices.\n",
        name = mail.name,
        old = mail.old_email,
        new = mail.new_email,
    );
    let body = [
        paragraph(&format!("Hello {},", escape(mail.name))),
        paragraph(&format!(
            "Someone signed in as you asked to change your Roster email address from <strong>{}</strong> to <strong>{}</strong>. The change happens only once it is confirmed from the new address.",
            escape(mail.old_email),
            escape(mail.new_email)
        )),
        paragraph("If this was not you, sign in, change your password, and sign out of your other devices."),
    ]
    .concat();
    Rendered {
        html: layout(&subject, &body),
        subject,
        text,
    }
}

pub(crate) fn test(mail: &Test<'_>) -> Rendered {
    let subject = "Roster test email".to_owned();
    let text = format!(
        "Hello {name},\n\nThis is a test email from Roster, delivered through {transport}. Email delivery works.\n",
        name = mail.name,
        transport = mail.transport,
    );
    let body = [
        paragraph(&format!("Hello {},", escape(mail.name))),
        paragraph(&format!(
            "This is a test email from Roster, delivered through {}. Email delivery works.",
            escape(mail.transport)
        )),
    ]
    .concat();
    Rendered {
        html: layout(&subject, &body),
        subject,
        text,
    }
}

pub(crate) fn second_step_locked(mail: &SecondStepLocked<'_>) -> Rendered {
    let subject = "Someone tried to sign in to your Roster account".to_owned();
    let text = format!(
        "Hello {name},\n\nSomeone entered your password correctly but then failed the second sign-in step (the code from your authenticator app) {failures} times. Signing in to your account is paused for {minutes} minutes.\n\nIf this was you, wait and try again with the current code or a recovery code.\n\nIf this was not you, your password is known to someone else: change it now. Sign in at {sign_in} and change it under Sign-in & Security, or use \"Forgot password?\" on the sign-in page.\n",
        name = mail.name,
        failures = mail.failures,
        minutes = mail.lock_minutes,
        sign_in = mail.sign_in_url,
    );
    let body = [
        paragraph(&format!("Hello {},", escape(mail.name))),
        paragraph(&format!(
            "Someone entered your password correctly but then failed the second sign-in step (the code from your authenticator app) <strong>{} times</strong>. Signing in to your account is paused for {} minutes.",
            mail.failures, mail.lock_minutes
        )),
        paragraph("If this was you, wait and try again with the current code or a recovery code."),
        paragraph("<strong>If this was not you, your password is known to someone else: change it now.</strong> Sign in and change it under Sign-in &amp; Security, or use &ldquo;Forgot password?&rdquo; on the sign-in page."),
        button(mail.sign_in_url, "Sign in to Roster"),
    ]
    .concat();
    Rendered {
        html: layout(&subject, &body),
        subject,
        text,
    }
}

pub(crate) fn webhook_disabled(mail: &WebhookDisabled<'_>) -> Rendered {
    let subject = format!("A webhook endpoint of {} was turned off", mail.organisation);
    let text = format!(
        "Hello {name},\n\nThe webhook endpoint {url} of {organisation} answered no delivery for about three days, so Roster turned it off. {reason}\n\nEvents since then are kept: once the receiver works again, turn the endpoint on under Settings > Webhooks ({settings}). The deliveries waiting go out in order, and the ones given up can be replayed from there.\n",
        name = mail.name,
        url = mail.url,
        organisation = mail.organisation,
        reason = mail.reason,
        settings = mail.settings_url,
    );
    let body = [
        paragraph(&format!("Hello {},", escape(mail.name))),
        paragraph(&format!(
            "The webhook endpoint <strong>{}</strong> of {} answered no delivery for about three days, so Roster turned it off. {}",
            escape(mail.url),
            escape(mail.organisation),
            escape(mail.reason)
        )),
        paragraph("Events since then are kept: once the receiver works again, turn the endpoint on under Settings &rsaquo; Webhooks. The deliveries waiting go out in order, and the ones given up can be replayed from there."),
        button(mail.settings_url, "Open Webhooks"),
    ]
    .concat();
    Rendered {
        html: layout(&subject, &body),
        subject,
        text,
    }
}

pub(crate) fn password_reset(mail: &PasswordReset<'_>) -> Rendered {
    let subject = "Choose a new password for Roster".to_owned();
    let expires = mail.expires_at.format_date_time();
    let text = format!(
        "Hello {name},\n\nSomeone (hopefully you) asked for a link to choose a new password for {email} on Roster. Choose one here (the link works once, until {expires}):\n{url}\n\nChoosing a new password signs you out on every device. If you did not ask for this, ignore this email: your password stays as it is.\n",
        name = mail.name,
        email = mail.email,
        url = mail.reset_url,
    );
    let body = [
        paragraph(&format!("Hello {},", escape(mail.name))),
        paragraph(&format!(
            "Someone (hopefully you) asked for a link to choose a new password for <strong>{}</strong> on Roster.",
            escape(mail.email)
        )),
        button(mail.reset_url, "Choose a new password"),
        paragraph(&format!(
            "Or open this link: {}",
            link(mail.reset_url)
        )),
        paragraph(&format!(
            "The link works once, until <strong>{}</strong>. Choosing a new password signs you out on every device.",
            escape(&expires)
        )),
        paragraph("If you did not ask for this, ignore this email: your password stays as it is."),
    ]
    .concat();
    Rendered {
        html: layout(&subject, &body),
        subject,
        text,
    }
}

pub(crate) fn password_changed(mail: &PasswordChanged<'_>) -> Rendered {
    use super::PasswordChange;
    let subject = "Your Roster password was changed".to_owned();
    let (how_text, how_html, not_you) = match mail.how {
        PasswordChange::ResetLink => (
            "with a link from a \"Forgot password?\" email, and every device signed in as you was signed out",
            "with a link from a &ldquo;Forgot password?&rdquo; email, and every device signed in as you was signed out",
            "someone can read your email: secure your mailbox, then choose a new password",
        ),
        PasswordChange::SignedIn => (
            "on Sign-in & Security, and every other device signed in as you was signed out",
            "on Sign-in &amp; Security, and every other device signed in as you was signed out",
            "someone is signed in as you and knew your password: choose a new password",
        ),
    };
    let text = format!(
        "Hello {name},\n\nThe password for {email} on Roster was just changed {how_text}.\n\nIf this was you, there is nothing else to do.\n\nIf this was not you, {not_you} at {forgot}, and tell your Roster administrator.\n",
        name = mail.name,
        email = mail.email,
        forgot = mail.forgot_url,
    );
    let body = [
        paragraph(&format!("Hello {},", escape(mail.name))),
        paragraph(&format!(
            "The password for <strong>{}</strong> on Roster was just changed {how_html}.",
            escape(mail.email)
        )),
        paragraph("If this was you, there is nothing else to do."),
        paragraph(&format!(
            "<strong>If this was not you,</strong> {not_you}, and tell your Roster administrator."
        )),
        button(mail.forgot_url, "Choose a new password"),
    ]
    .concat();
    Rendered {
        html: layout(&subject, &body),
        subject,
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(inviter: &str, reinvite: bool) -> Rendered {
        invitation(&Invitation {
            inviter,
            organisation: "Acme <EU>",
            grants: &[
                Grant {
                    account: "Acme <EU>".into(),
                    role: Role::Basic,
                },
                Grant {
                    account: "Support & Sales".into(),
                    role: Role::Admin,
                },
            ],
            sign_in_url: "https://roster.example/sign-in",
            email: "ana@example.com",
            accept_url: "https://roster.example/invitations/accept#token=abc",
            expires_at: Timestamp::from_millis(1_796_000_000_000),
            reinvite,
        })
    }

    #[test]
    fn invitations_list_accounts_roles_links_and_expiry_in_both_parts() {
        let mail = sample("Olivia Owner", false);
        assert_eq!(
            mail.subject,
            "Olivia Owner invited you to Acme <EU> on Roster"
        );
        for part in [&mail.text, &mail.html] {
            assert!(part.contains("https://roster.example/invitations/accept#token=abc"));
            assert!(part.contains("https://roster.example/sign-in"));
            assert!(part.contains("ana@example.com"));
            assert!(part.contains("30 Nov 2026, 00:53 UTC"), "{part}");
            assert!(part.contains("Admin") && part.contains("Basic"));
        }
        assert!(mail.html.contains("Accept Invitation Now"));
        assert!(mail.text.contains("  - Support & Sales: Admin"));
        assert!(mail.html.contains("Support &amp; Sales"));
    }

    #[test]
    fn what_people_typed_is_escaped_in_html() {
        let mail = sample("<script>alert(1)</script>", false);
        assert!(!mail.html.contains("<script>"));
        assert!(mail.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!mail.html.contains("Acme <EU>"));
        assert!(mail.html.contains("Acme &lt;EU&gt;"));
    }

    #[test]
    fn reinvitations_say_so() {
        let mail = sample("Olivia", true);
        assert!(mail.subject.starts_with("Reminder:"));
        assert!(mail.text.contains("new invitation"));
    }

    #[test]
    fn email_change_mails() {
        let confirm = email_change_confirmation(&EmailChangeConfirmation {
            name: "Ana",
            new_email: "ana@new.example",
            confirm_url: "https://r.example/email/confirm#token=x",
            expires_at: Timestamp::from_millis(0),
        });
        assert!(
            confirm
                .text
                .contains("https://r.example/email/confirm#token=x")
        );
        assert!(confirm.html.contains("ana@new.example"));
        let notice = email_change_notice(&EmailChangeNotice {
            name: "Ana",
            old_email: "ana@old.example",
            new_email: "ana@new.example",
        });
        assert!(notice.text.contains("ana@old.example") && notice.text.contains("ana@new.example"));
        let granted = access_granted(&AccessGranted {
            granter: "Olivia",
            name: "Ana",
            grants: &[Grant {
                account: "Acme".into(),
                role: Role::Reporting,
            }],
            sign_in_url: "https://r.example/sign-in",
            email: "ana@example.com",
        });
        assert!(granted.text.contains("Acme: Reporting"));
    }

    #[test]
    fn a_locked_second_step_says_what_happened_and_what_to_do() {
        let mail = second_step_locked(&SecondStepLocked {
            name: "Ana <3",
            failures: 10,
            lock_minutes: 15,
            sign_in_url: "https://r.example/sign-in",
        });
        for part in [&mail.text, &mail.html] {
            assert!(part.contains("entered your password correctly"), "{part}");
            assert!(part.contains("10 times") && part.contains("15 minutes"));
            assert!(part.contains("change it now"));
        }
        assert!(mail.html.contains("Ana &lt;3") && !mail.html.contains("Ana <3"));
    }

    #[test]
    fn password_reset_mails() {
        let reset = password_reset(&PasswordReset {
            name: "Ana",
            email: "ana@example.com",
            reset_url: "https://r.example/reset-password#token=x",
            expires_at: Timestamp::from_millis(1_796_000_000_000),
        });
        for part in [&reset.text, &reset.html] {
            assert!(part.contains("https://r.example/reset-password#token=x"));
            assert!(part.contains("ana@example.com"));
            assert!(part.contains("30 Nov 2026, 00:53 UTC"), "{part}");
            assert!(part.contains("ignore this email"));
        }
        for (how, says) in [
            (super::super::PasswordChange::ResetLink, "Forgot password?"),
            (super::super::PasswordChange::SignedIn, "Sign-in &"),
        ] {
            let changed = password_changed(&PasswordChanged {
                name: "Ana",
                email: "ana@example.com",
                forgot_url: "https://r.example/forgot-password",
                how,
            });
            assert_eq!(changed.subject, "Your Roster password was changed");
            for part in [&changed.text, &changed.html] {
                assert!(part.contains("signed out") && part.contains("ana@example.com"));
                assert!(part.contains("https://r.example/forgot-password"));
                assert!(part.contains(says), "{part}");
            }
        }
    }
}
