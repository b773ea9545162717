//! `AuditAction`: what an audit log entry records. Written by the server as the change is made,
//! stored as its text, read back only as one of these.

use crate::text_enum::text_enum;

text_enum! {
    /// The kind of change an audit log entry records.
    pub enum AuditAction ("an audit action") {
        /// The operator created an organisation (`roster account create`).
        OrganisationCreated = "organisation.created",
        AccountCreated = "account.created",
        AccountRenamed = "account.renamed",
        AccountArchived = "account.archived",
        AccountRestored = "account.restored",
        ApiTokenCreated = "api_token.created",
        ApiTokenRevoked = "api_token.revoked",
        /// An Owner mapped a group an identity provider pushed to a role on accounts.
        GroupMapped = "group.mapped",
        GroupUnmapped = "group.unmapped",
        InvitationSent = "invitation.sent",
        InvitationResent = "invitation.resent",
        InvitationAccepted = "invitation.accepted",
        InvitationLinkCopied = "invitation.link_copied",
        InvitationRevoked = "invitation.revoked",
        /// Maintenance found the invitation past its 14 days.
        InvitationExpired = "invitation.expired",
        AccessGranted = "access.granted",
        AccessChanged = "access.changed",
        AccessRemoved = "access.removed",
        /// One entry for a bulk action's changes to many people.
        AccessChangedInBulk = "access.changed_in_bulk",
        PersonRemoved = "person.removed",
        /// Someone signed in (with a password, a passkey or single sign-on): one entry in each
        /// organisation they belong to.
        SignedIn = "person.signed_in",
        /// An Owner entered or replaced the organisation's identity provider.
        SsoProviderSet = "sso.provider_set",
        SsoDomainAdded = "sso.domain_added",
        /// A domain's DNS record was found, or the operator vouched for it.
        SsoDomainVerified = "sso.domain_verified",
        SsoDomainRemoved = "sso.domain_removed",
        /// The provider became required, or stopped being required.
        SsoPolicyChanged = "sso.policy_changed",
        /// An Owner let people join without an invitation, changed how, or stopped it.
        SsoJoinChanged = "sso.join_changed",
        /// Someone joined through the identity provider without an invitation.
        SsoJoined = "sso.joined",
        /// Someone would have joined that way, but no seat was free.
        SsoJoinRefused = "sso.join_refused",
        WebhookAdded = "webhook.added",
        /// An endpoint's address, events or state changed, or its secret was rotated.
        WebhookChanged = "webhook.changed",
        WebhookRemoved = "webhook.removed",
        SeatsPurchased = "seats.purchased",
        SeatsRemoved = "seats.removed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_stored_as_its_text_and_read_back_from_it_only() {
        crate::text_enum::assert_texts_round_trip(AuditAction::ALL, "an audit action");
        assert_eq!(
            AuditAction::parse("invitation.sent"),
            Some(AuditAction::InvitationSent)
        );
    }
}
