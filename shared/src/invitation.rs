//! The invitation lifecycle and what it makes of a person's status.
//!
//! An invitation sent at `t` can be accepted until `t + 14 days` (exclusive): at that instant
//! it is Expired. Once the invitee accepts and creates their profile it is Accepted, and the
//! person becomes Active at their first sign-in. Re-inviting (a pending or expired invitation)
//! opens a fresh 14-day window from the moment it is sent again.

use crate::text_enum::text_enum;
use serde::{Deserialize, Serialize};

use crate::time::{DAY_MS, Timestamp};

/// How long an invitation stays valid.
pub const INVITATION_VALIDITY_DAYS: i64 = 14;
pub const INVITATION_VALIDITY_MS: i64 = INVITATION_VALIDITY_DAYS * DAY_MS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum InvitationStatus {
    Pending,
    Expired,
    Accepted,
}

text_enum! {
    /// How a person appears in the Users list; an unknown stored text is an error, never a
    /// default.
    #[derive(PartialOrd, Ord)]
    pub enum PersonStatus ("a status") {
        /// Has signed in at least once.
        Active = "active",
        /// Invited (or accepted) but not signed in yet, within the invitation's window.
        Pending = "pending",
        /// Invited, never accepted, and the window has passed.
        Expired = "expired",
    }
}

impl PersonStatus {
    pub fn label(self) -> &'static str {
        match self {
            PersonStatus::Active => "Active",
            PersonStatus::Pending => "Pending",
            PersonStatus::Expired => "Expired",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvitationError {
    #[error("this invitation expired on {}; ask for a new one", .expired_at.format_date())]
    Expired { expired_at: Timestamp },
    #[error("this invitation has already been accepted")]
    AlreadyAccepted,
}

/// When an invitation was sent and whether it was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationWindow {
    pub sent_at: Timestamp,
    pub accepted_at: Option<Timestamp>,
}

impl InvitationWindow {
    pub fn sent(at: Timestamp) -> Self {
        InvitationWindow {
            sent_at: at,
            accepted_at: None,
        }
    }

    /// The first instant at which the invitation is no longer valid.
    pub fn expires_at(&self) -> Timestamp {
        self.sent_at.plus_millis(INVITATION_VALIDITY_MS)
    }

    pub fn status(&self, now: Timestamp) -> InvitationStatus {
        if self.accepted_at.is_some() {
            InvitationStatus::Accepted
        } else if now >= self.expires_at() {
            InvitationStatus::Expired
        } else {
            InvitationStatus::Pending
        }
    }

    /// Whether the invitation can be accepted at `now`.
    pub fn check_acceptable(&self, now: Timestamp) -> Result<(), InvitationError> {
        match self.status(now) {
            InvitationStatus::Pending => Ok(()),
            InvitationStatus::Accepted => Err(InvitationError::AlreadyAccepted),
            InvitationStatus::Expired => Err(InvitationError::Expired {
                expired_at: self.expires_at(),
            }),
        }
    }

    /// Sends it again: a fresh window from `now`. Refused once accepted.
    pub fn reissue(&self, now: Timestamp) -> Result<InvitationWindow, InvitationError> {
        if self.accepted_at.is_some() {
            return Err(InvitationError::AlreadyAccepted);
        }
        Ok(InvitationWindow::sent(now))
    }

    /// The invitee accepts at `now`.
    pub fn accept(&self, now: Timestamp) -> Result<InvitationWindow, InvitationError> {
        self.check_acceptable(now)?;
        Ok(InvitationWindow {
            accepted_at: Some(now),
            ..*self
        })
    }
}

/// A person's status from their invitation (if any is open) and their first sign-in.
pub fn person_status(
    invitation: Option<InvitationStatus>,
    first_sign_in: Option<Timestamp>,
) -> PersonStatus {
    if first_sign_in.is_some() {
        return PersonStatus::Active;
    }
    match invitation {
        Some(InvitationStatus::Expired) => PersonStatus::Expired,
        _ => PersonStatus::Pending,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const T: Timestamp = Timestamp::from_millis(1_700_000_000_000);

    #[test]
    fn a_status_is_written_as_its_text_and_read_back_only_from_it() {
        crate::text_enum::assert_texts_round_trip(PersonStatus::ALL, "a status");
        let unknown = PersonStatus::try_from("archived".to_owned()).unwrap_err();
        assert!(unknown.contains("archived"), "{unknown}");
    }

    #[test]
    fn valid_for_exactly_fourteen_days() {
        let invitation = InvitationWindow::sent(T);
        let deadline = T.plus_millis(14 * DAY_MS);
        assert_eq!(invitation.expires_at(), deadline);
        assert_eq!(invitation.status(T), InvitationStatus::Pending);
        assert_eq!(
            invitation.status(deadline.plus_millis(-1)),
            InvitationStatus::Pending
        );
        assert_eq!(invitation.status(deadline), InvitationStatus::Expired);
        assert_eq!(
            invitation.check_acceptable(deadline),
            Err(InvitationError::Expired {
                expired_at: deadline
            })
        );
    }

    #[test]
    fn accepted_then_active_at_first_sign_in() {
        let accepted = InvitationWindow::sent(T)
            .accept(T.plus_millis(DAY_MS))
            .unwrap();
        let much_later = T.plus_millis(100 * DAY_MS);
        assert_eq!(accepted.status(much_later), InvitationStatus::Accepted);
        assert_eq!(
            accepted.accept(much_later),
            Err(InvitationError::AlreadyAccepted)
        );
        assert_eq!(
            person_status(Some(InvitationStatus::Accepted), None),
            PersonStatus::Pending
        );
        assert_eq!(
            person_status(Some(InvitationStatus::Accepted), Some(much_later)),
            PersonStatus::Active
        );
        assert_eq!(
            person_status(Some(InvitationStatus::Expired), None),
            PersonStatus::Expired
        );
        assert_eq!(person_status(None, None), PersonStatus::Pending);
    }

    #[test]
    fn reinviting_opens_a_fresh_window() {
        let expired = InvitationWindow::sent(T);
        let later = T.plus_millis(20 * DAY_MS);
        assert_eq!(expired.status(later), InvitationStatus::Expired);
        let again = expired.reissue(later).unwrap();
        assert_eq!(again.status(later), InvitationStatus::Pending);
        assert_eq!(again.expires_at(), later.plus_millis(14 * DAY_MS));
        let accepted = expired.reissue(later).unwrap().accept(later).unwrap();
        assert_eq!(
            accepted.reissue(later),
            Err(InvitationError::AlreadyAccepted)
        );
    }

    #[test]
    fn the_expiry_message_names_the_date() {
        let error = InvitationWindow::sent(Timestamp::from_millis(0))
            .check_acceptable(Timestamp::from_millis(30 * DAY_MS))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "this invitation expired on 15 Jan 1970; ask for a new one"
        );
    }

    proptest! {
        #[test]
        fn status_is_monotonic_in_time(sent in 0i64..4_000_000_000_000, a in 0i64..40 * DAY_MS, b in 0i64..40 * DAY_MS) {
            let invitation = InvitationWindow::sent(Timestamp::from_millis(sent));
            let (early, late) = (a.min(b), a.max(b));
            let early = invitation.status(Timestamp::from_millis(sent + early));
            let late = invitation.status(Timestamp::from_millis(sent + late));
            // Once expired, never pending again (without a re-invitation).
            prop_assert!(!(early == InvitationStatus::Expired && late == InvitationStatus::Pending));
        }
    }
}
