//! The screens that load on demand: each is its own route, and with the `split` feature (the
//! release build, `make web`) its code is cut out of the main module into a chunk the browser
//! fetches the first time the screen opens.
//!
//! Why: the first visit (the sign-in page) should not download every screen of the app. The
//! main module keeps the shell (header, account switcher, live events), the sign-in page and
//! the settings layout; everything else arrives when asked for, and the service worker keeps
//! the chunks for offline use afterwards.
//!
//! Without `split` (tests, debug builds) the same routes render from the one module, so the
//! split is only a packaging step: the behaviour is the same.
//!
//! `wasm_split` (Leptos's splitter, re-exported as `leptos::wasm_split`) expands to an import
//! of the chunk's loader and an export of the screen's function, both `extern` items: the
//! only `unsafe` this crate has, and only in that generated code.
#![cfg_attr(feature = "split", allow(unsafe_code))]

use leptos::prelude::*;
use leptos_router::LazyRoute;

use crate::components::guard::RequireSignIn;
use crate::pages::accept::AcceptPage;
use crate::pages::api_reference::ApiReferencePage;
use crate::pages::audit::AuditPage;
use crate::pages::email_confirm::EmailConfirmPage;
use crate::pages::forgot_password::ForgotPasswordPage;
use crate::pages::import::ImportPage;
use crate::pages::mailbox::MailboxPage;
use crate::pages::new_user::NewUserPage;
use crate::pages::person::PersonPage;
use crate::pages::profile::{ProfilePage, ProfileTab};
use crate::pages::provisioning::ProvisioningPage;
use crate::pages::reset_password::ResetPasswordPage;
use crate::pages::seats::SeatsPage;
use crate::pages::security::SecurityPage;
use crate::pages::setup::SetupPage;
use crate::pages::single_sign_on::SingleSignOnPage;
use crate::pages::sub_accounts::SubAccountsPage;
use crate::pages::tokens::TokensPage;
use crate::pages::users::UsersPage;
use crate::pages::webhooks::{WebhookEndpointPage, WebhooksPage};

/// `screen!(Route, group => function, view)`: a route type whose view is `function`, cut out
/// with the other screens of `group` into that group's module in a `split` build (the file is
/// named `split_<group>`).
///
/// Screens are grouped, not split one by one: the splitter puts code that several groups
/// share into chunks of its own, one per combination of groups, and a screen fetches its
/// group's module and every chunk it shares. Seventeen single screens came out as 215 files
/// (88 fetched to open the Users list); five groups as 31 files, 16 per group, which cost the
/// Users list three rounds of requests. Three groups (an account's settings, the person's own
/// pages, the pages used without an account) make 7 files, at most 4 per screen.
///
/// `ahead = expr` runs `expr` when the route opens, before the screen's code has arrived: the
/// place to ask for the screen's first data (see `api::prefetch`).
macro_rules! screen {
    ($(#[$doc:meta])* $route:ident, $group:ident => $function:ident, $view:expr
        $(, ahead = $ahead:expr)?) => {
        $(#[$doc])*
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $($ahead;)?
                Self
            }

            async fn view(_: Self) -> AnyView {
                // `fallible`: a chunk that cannot be fetched (offline, a server restarted on
                // a new release) is an error to show, not a panic that stops the app.
                #[cfg_attr(
                    feature = "split",
                    leptos::wasm_split::wasm_split(
                        $group,
                        wasm_split_path = ::leptos::wasm_split,
                        fallible
                    )
                )]
                fn $function() -> Result<AnyView, Unavailable> {
                    Ok($view.into_any())
                }
                #[cfg(feature = "split")]
                let screen = $function().await;
                #[cfg(not(feature = "split"))]
                let screen = $function();
                screen.unwrap_or_else(|Unavailable| unavailable())
            }
        }
    };
}

/// A screen's chunk could not be fetched.
pub struct Unavailable;

#[cfg(feature = "split")]
impl From<leptos::wasm_split::SplitLoaderError> for Unavailable {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        Unavailable
    }
}

/// Shown instead of a screen whose code did not arrive; opening it again fetches it again.
fn unavailable() -> AnyView {
    view! {
        <div class="card" role="alert" data-test="screen-unavailable">
            <h2>"This screen could not be loaded"</h2>
            <p>"Roster could not fetch it from the server. Check the connection and try again."</p>
            <button type="button" class="button" on:click=|_| {
                let _ = window().location().reload();
            }>"Try again"</button>
        </div>
    }
    .into_any()
}

screen!(
    /// `/setup`: the first-run page.
    Setup,
    public => setup,
    view! { <SetupPage/> }
);
screen!(
    /// `/security`: Sign-in & Security.
    Security,
    me => security,
    view! { <RequireSignIn><SecurityPage/></RequireSignIn> }
);
screen!(
    /// `/profile`: the person's own profile.
    Profile,
    me => profile,
    view! { <RequireSignIn><ProfilePage tab=ProfileTab::Home/></RequireSignIn> }
);
screen!(
    /// `/profile/notifications`.
    ProfileNotifications,
    me => profile_notifications,
    view! { <RequireSignIn><ProfilePage tab=ProfileTab::Notifications/></RequireSignIn> }
);
screen!(
    /// `/profile/devices`.
    ProfileDevices,
    me => profile_devices,
    view! { <RequireSignIn><ProfilePage tab=ProfileTab::Devices/></RequireSignIn> }
);
screen!(
    /// `/dev/mailbox`: the development mailbox.
    Mailbox,
    public => mailbox,
    view! { <MailboxPage/> }
);
screen!(
    /// `/invitations/accept`.
    Accept,
    public => accept,
    view! { <AcceptPage/> }
);
screen!(
    /// `/email/confirm`.
    EmailConfirm,
    public => email_confirm,
    view! { <EmailConfirmPage/> }
);
screen!(
    /// `/forgot-password`: asking for a link to choose a new password.
    ForgotPassword,
    public => forgot_password,
    view! { <ForgotPasswordPage/> }
);
screen!(
    /// `/reset-password`: choosing a new password with the mailed link.
    ResetPassword,
    public => reset_password,
    view! { <ResetPasswordPage/> }
);
screen!(
    /// `/api-reference`.
    ApiReference,
    public => api_reference,
    view! { <ApiReferencePage/> }
);
screen!(
    /// `/accounts/:id/users`: the Users list.
    Users,
    settings => users,
    view! { <UsersPage/> },
    ahead = crate::pages::users::ask_ahead()
);
screen!(
    /// `/accounts/:id/users/new`: New User.
    NewUser,
    settings => new_user,
    view! { <NewUserPage/> }
);
screen!(
    /// `/accounts/:id/people/:user`: one person.
    Person,
    settings => person,
    view! { <PersonPage/> }
);
screen!(
    /// `/accounts/:id/sub-accounts`.
    SubAccounts,
    settings => sub_accounts,
    view! { <SubAccountsPage/> }
);
screen!(
    /// `/accounts/:id/audit`.
    Audit,
    settings => audit,
    view! { <AuditPage/> }
);
screen!(
    /// `/accounts/:id/users/import`.
    Import,
    settings => import,
    view! { <ImportPage/> }
);
screen!(
    /// `/accounts/:id/seats`.
    Seats,
    settings => seats,
    view! { <SeatsPage/> }
);
screen!(
    /// `/accounts/:id/tokens`: API tokens.
    Tokens,
    settings => tokens,
    view! { <TokensPage/> }
);
screen!(
    /// `/accounts/:id/provisioning`: what the groups an identity provider pushes give.
    Provisioning,
    settings => provisioning,
    view! { <ProvisioningPage/> }
);
screen!(
    /// `/accounts/:id/single-sign-on`: the organisation's identity provider and domains.
    SingleSignOn,
    settings => single_sign_on,
    view! { <SingleSignOnPage/> }
);
screen!(
    /// `/accounts/:id/webhooks`: the organisation's webhook endpoints.
    Webhooks,
    settings => webhooks,
    view! { <WebhooksPage/> }
);
screen!(
    /// `/accounts/:id/webhooks/:endpoint`: one endpoint and its deliveries.
    WebhookEndpoint,
    settings => webhook_endpoint,
    view! { <WebhookEndpointPage/> }
);
