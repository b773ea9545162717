//! The queries behind the Users list: a page at any depth, counts, and the people of a page's
//! access.
//!
//! A page is read by seeking (keyset pagination): it starts just after (or before) the row
//! that ended the page before, found by its sort key in an index of `tree_members`, so page
//! 2,000 costs what page 1 costs. Each order is one or more *segments*, each a range of one
//! index read in its order: the status order is each status in turn, the last sign-in order
//! is the people who signed in, then those who never did (last either way).

use roster_shared::api::{PeopleSort, SortOrder};
use roster_shared::invitation::PersonStatus;
use roster_shared::role::Role;
use roster_shared::time::Timestamp;
use sqlx::{Any, Executor, FromRow};

use super::Db;
use super::batch::Sql;

/// What the list shows of a person, their access and their invitation's email with them.
#[derive(Debug, Clone, FromRow)]
pub(crate) struct PersonListRow {
    pub(crate) user_id: i64,
    /// When they accepted the organisation's invitation; until then `name` is `None` and
    /// `email` is the invited address (see [`PERSON_SQL`]).
    pub(crate) accepted_at: Option<i64>,
    pub(crate) name: Option<String>,
    pub(crate) email: String,
    pub(crate) last_sign_in_at: Option<i64>,
    pub(crate) invitation_id: Option<i64>,
    pub(crate) invitation_sent_at: Option<i64>,
    pub(crate) invitation_expires_at: Option<i64>,
    #[sqlx(try_from = "String")]
    pub(crate) status: PersonStatus,
    /// The sort keys (lower-case name, or address while there is none; lower-case address).
    name_key: String,
    email_key: String,
    /// Their roles on the organisation's accounts, and what their open invitation offers (see
    /// [`write_access`]).
    #[sqlx(try_from = "Option<String>")]
    pub(crate) held: Grants,
    #[sqlx(try_from = "Option<String>")]
    pub(crate) offered: Grants,
    /// How their invitation's newest email fared, `status:attempts`.
    delivery: Option<String>,
}

impl PersonListRow {
    /// Their access in the organisation: roles held, then roles offered.
    pub(crate) fn access(&self) -> impl Iterator<Item = AccessRow> + '_ {
        let row = |pending: i64| {
            move |&(account_id, role): &(i64, Role)| AccessRow {
                user_id: self.user_id,
                account_id,
                role,
                pending,
            }
        };
        (self.held.0.iter().map(row(0))).chain(self.offered.0.iter().map(row(1)))
    }

    /// The status and attempts of their invitation's newest email, if one was queued.
    pub(crate) fn delivery(&self) -> Option<(&str, i64)> {
        let (status, attempts) = self.delivery.as_deref()?.rsplit_once(':')?;
        Some((status, attempts.parse().ok()?))
    }
}

/// Roles on accounts, read from one column of `account:role` pairs separated by commas: a
/// page's people come with their access in the page's own query, not in one more.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Grants(pub(crate) Vec<(i64, Role)>);

/// A [`Grants`] column that does not read as one.
#[derive(Debug, thiserror::Error)]
#[error("not a list of account:role pairs: {0}")]
pub(crate) struct NotGrants(String);

impl TryFrom<Option<String>> for Grants {
    type Error = NotGrants;

    fn try_from(text: Option<String>) -> Result<Grants, NotGrants> {
        let Some(text) = text.filter(|t| !t.is_empty()) else {
            return Ok(Grants::default());
        };
        text.split(',')
            .map(|pair| {
                let (account, role) = pair.split_once(':')?;
                Some((account.parse().ok()?, Role::parse(role).ok()?))
            })
            .collect::<Option<Vec<_>>>()
            .map(Grants)
            .ok_or_else(|| NotGrants(roster_shared::excerpt::excerpt(&text)))
    }
}

/// A filter over an organisation's people.
#[derive(Clone, Copy)]
pub(crate) struct PeopleFilter<'a> {
    pub(crate) root_id: i64,
    /// How many people the organisation has, accepted and invited: its kept count, read with
    /// the organisation (`db::accounts::organisation_of`) at the start of the request. The
    /// total when nothing is filtered, without a statement of its own (at random depths a page
    /// is then three statements, not four: 6 % more pages per second on SQLite).
    pub(crate) people: i64,
    /// Only people with access (or offered access) on these accounts; `None`: the whole
    /// organisation (the list of a top-level account).
    pub(crate) accounts: Option<&'a [i64]>,
    /// Lower-case text matched against the start of the name, of a later word of it, or of
    /// the email address.
    pub(crate) search: Option<&'a str>,
    pub(crate) status: Option<PersonStatus>,
    pub(crate) role: Option<Role>,
    /// Only people whose last sign-in (as the organisation sees it) is missing, or before this
    /// when set: `Some(None)` never signed in, `Some(Some(t))` not since `t`.
    pub(crate) signed_in_before: Option<Option<Timestamp>>,
    pub(crate) now: Timestamp,
}

impl PeopleFilter<'_> {
    fn is_everyone(&self) -> bool {
        self.accounts.is_none()
            && self.search.is_none()
            && self.status.is_none()
            && self.role.is_none()
            && self.signed_in_before.is_none()
    }
}

/// A row's place in one order of the list: what a page starts after or ends before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PersonKey {
    /// Which segment of the order the row is in (see the module's documentation).
    pub(crate) segment: u8,
    /// The row's value of the segment's sort column (`None` where the segment sorts by person
    /// only: the people who never signed in).
    pub(crate) value: Option<KeyValue>,
    pub(crate) user_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyValue {
    Text(String),
    Number(i64),
}

/// Where a page is: the first page, the rows after a key (Next) or the rows before it
/// (Previous).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seek {
    First,
    After(PersonKey),
    Before(PersonKey),
}

/// A page of people in the list's order, and whether there are rows either side of it.
pub(crate) struct PeopleSlice {
    pub(crate) rows: Vec<PersonListRow>,
    pub(crate) more_before: bool,
    pub(crate) more_after: bool,
    /// The page asked for (before a key) ran into the start of the list: these are the first
    /// rows instead.
    pub(crate) restarted: bool,
}

/// The status at `now` as SQL (the `roster_shared::invitation::person_status` rule over the
/// columns migration 0014 keeps).
fn write_status(sql: &mut Sql<'_>, now: Timestamp) {
    sql.push(
        "CASE WHEN t.phase = 0 THEN 'active' WHEN t.phase = 1 THEN 'pending' \
         WHEN t.invitation_expires_at > ",
    )
    .bind(now.millis())
    .push(" THEN 'pending' ELSE 'expired' END");
}

/// The identity's name and address as the organisation may see them. People are global, but
/// an organisation sees who they are only once they have accepted its invitation: until then,
/// the address it invited and nothing else (not the name or activity they keep for other
/// organisations, nor the address they may have moved to since). The identity's name and
/// address are copied onto the row (`identity_name`, `identity_email`, kept by triggers:
/// migration 0017), so a page reads no users row; the last sign-in it sees is kept there too
/// (`seen_sign_in_at`, NULL until they accept).
const PERSON_SQL: &str = "t.accepted_at, CASE WHEN t.accepted_at IS NULL THEN NULL ELSE t.identity_name END AS name, \
     CASE WHEN t.accepted_at IS NULL THEN COALESCE(i.email, t.identity_email) ELSE t.identity_email END AS email, \
     t.seen_sign_in_at AS last_sign_in_at, t.name_key, t.email_key";

/// The columns `held`, `offered` and `delivery` of a [`PersonListRow`]: the access is kept on
/// the person's row (migration 0017), the invitation's newest email status is a subquery of one
/// invitation by key, so it costs what the page's own rows cost (and nothing for the rows a
/// page's keys were chosen among).
fn write_access(sql: &mut Sql<'_>) {
    sql.push(
        ", t.held, t.offered, \
         (SELECT o.status || ':' || CAST(o.attempts AS TEXT) FROM outbox o \
         WHERE o.invitation_id = t.invitation_id ORDER BY o.id DESC LIMIT 1) AS delivery",
    );
}

/// One index range of a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Everyone,
    /// Accepted and signed in.
    Active,
    /// Accepted, never signed in.
    AcceptedNotSignedIn,
    /// Invited, the invitation still open at `now`.
    InvitedOpen,
    /// Invited, the invitation run out at `now`.
    InvitedExpired,
    /// Invited, open or run out.
    Invited,
    SignedIn,
    NeverSignedIn,
    /// Signed in, last before this.
    SignedInBefore(Timestamp),
}

impl Part {
    fn write(self, sql: &mut Sql<'_>, now: Timestamp) {
        match self {
            Part::Everyone => {}
            Part::Active => {
                sql.push(" AND t.phase = 0");
            }
            Part::AcceptedNotSignedIn => {
                sql.push(" AND t.phase = 1");
            }
            Part::InvitedOpen => {
                sql.push(" AND t.phase = 2 AND t.invitation_expires_at > ")
                    .bind(now.millis());
            }
            Part::InvitedExpired => {
                sql.push(" AND t.phase = 2 AND (t.invitation_expires_at IS NULL OR t.invitation_expires_at <= ")
                    .bind(now.millis())
                    .push(")");
            }
            Part::Invited => {
                sql.push(" AND t.phase = 2");
            }
            Part::SignedIn => {
                sql.push(" AND t.seen_sign_in_at IS NOT NULL");
            }
            Part::NeverSignedIn => {
                sql.push(" AND t.seen_sign_in_at IS NULL");
            }
            Part::SignedInBefore(before) => {
                sql.push(" AND t.seen_sign_in_at < ").bind(before.millis());
            }
        }
    }
}

/// The parts whose rows have `status` (each a range of `tree_members_phase`).
fn status_parts(status: PersonStatus) -> &'static [Part] {
    match status {
        PersonStatus::Active => &[Part::Active],
        PersonStatus::Pending => &[Part::AcceptedNotSignedIn, Part::InvitedOpen],
        PersonStatus::Expired => &[Part::InvitedExpired],
    }
}

/// A sort column of a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Name,
    Email,
    SignIn,
}

impl Column {
    fn sql(self) -> &'static str {
        match self {
            Column::Name => "t.name_key",
            Column::Email => "t.email_key",
            Column::SignIn => "t.seen_sign_in_at",
        }
    }
}

/// Part of an order: rows of `parts`, by `column` (when there is one) then person, the same
/// direction for both so one index range is read in order.
struct Segment {
    parts: &'static [Part],
    column: Option<Column>,
    descending: bool,
    /// The status of its rows, for the status order.
    status: Option<PersonStatus>,
}

/// The segments of an order, in order.
fn segments(sort: PeopleSort, order: SortOrder) -> Vec<Segment> {
    let descending = order == SortOrder::Desc;
    let whole = |column| {
        vec![Segment {
            parts: &[Part::Everyone],
            column: Some(column),
            descending,
            status: None,
        }]
    };
    match sort {
        PeopleSort::Name => whole(Column::Name),
        PeopleSort::Email => whole(Column::Email),
        // People who never signed in come last either way, by when they were added.
        PeopleSort::LastSignIn => vec![
            Segment {
                parts: &[Part::SignedIn],
                column: Some(Column::SignIn),
                descending,
                status: None,
            },
            Segment {
                parts: &[Part::NeverSignedIn],
                column: None,
                descending: false,
                status: None,
            },
        ],
        // By the status's name (Active, Expired, Pending), each by name.
        PeopleSort::Status => {
            let mut statuses = vec![
                PersonStatus::Active,
                PersonStatus::Expired,
                PersonStatus::Pending,
            ];
            if descending {
                statuses.reverse();
            }
            statuses
                .into_iter()
                .map(|status| Segment {
                    parts: status_parts(status),
                    column: Some(Column::Name),
                    descending: false,
                    status: Some(status),
                })
                .collect()
        }
    }
}

/// The key of `row` in the order of `sort` and `order`.
pub(crate) fn key_of(row: &PersonListRow, sort: PeopleSort, order: SortOrder) -> PersonKey {
    let segments = segments(sort, order);
    let segment = segments
        .iter()
        .position(|s| match sort {
            PeopleSort::Status => s.status == Some(row.status),
            PeopleSort::LastSignIn => {
                (s.column == Some(Column::SignIn)) == row.last_sign_in_at.is_some()
            }
            PeopleSort::Name | PeopleSort::Email => true,
        })
        .unwrap_or(0);
    let value = match segments[segment].column {
        Some(Column::Name) => Some(KeyValue::Text(row.name_key.clone())),
        Some(Column::Email) => Some(KeyValue::Text(row.email_key.clone())),
        Some(Column::SignIn) => row.last_sign_in_at.map(KeyValue::Number),
        None => None,
    };
    PersonKey {
        segment: u8::try_from(segment).unwrap_or(0),
        value,
        user_id: row.user_id,
    }
}

/// Up to this many candidates of a search (from the text index) or of an access filter (from
/// the grants), the people a page shows are read from them and put in order: at most this many
/// rows read. Beyond it, the list is read in its order and each row checked: the candidates
/// are then at least this dense, so a page is found within about 50 × people ÷ `DRIVE_AT`
/// rows (2,000 at 100,000 people).
const DRIVE_AT: i64 = 2_500;

/// Where the people of a filter are looked for first (see [`DRIVE_AT`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Candidates {
    /// The people the engine's search index finds ([`TextQuery`]).
    Search,
    /// The memberships and offered grants of the accounts (and role) filtered by.
    Access,
}

/// SQLite's text index rows of an organisation's people: a range of rowids.
fn search_rowids(root_id: i64) -> (i64, i64) {
    let base = root_id << 32;
    (base, base | 0xFFFF_FFFF)
}

/// The text-index query of a search: its words, as the index splits them (letters and digits),
/// as one phrase whose last word is a prefix: `ana lo` is `"ana lo"*`, `zoe.zh` is
/// `"zoe zh"*`. Every person the search's rule matches has these words in this order, so the
/// index finds a superset that the rule then narrows. `None` when the search has no word
/// (`@`, `.`): then the rule alone is applied.
fn search_phrase(search: &str) -> Option<String> {
    let words: Vec<&str> = search
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    // Two words find few enough candidates; more would make the index read every row's
    // positions for words most addresses share ("northwind", "example"). Every word but the
    // last is whole in a match, so a phrase of the first two is whole too.
    match words.as_slice() {
        [] => None,
        [one] => Some(format!("\"{one}\"*")),
        [one, two] => Some(format!("\"{one} {two}\"*")),
        [one, two, ..] => Some(format!("\"{one} {two}\"")),
    }
}

/// A search as the engine's search index is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TextQuery {
    /// SQLite: a phrase of FTS5's `people_search` ([`search_phrase`]).
    Phrase(String),
    /// PostgreSQL: the search itself, the start of rows of `people_starts` (migration 0020):
    /// the matches exactly, no rule needed to narrow them.
    Start(String),
}

/// How the people of a filter are read: decided once per filter by how many candidates its
/// indexes hold ([`Plan::decide`]), then used for its count and each of its pages.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The search as the engine's search index is asked.
    phrase: Option<TextQuery>,
    /// The candidates pages are read from, when they are few.
    candidates: Option<Candidates>,
    /// The candidates are more than [`DRIVE_AT`]: the total is counted only that far, as for
    /// a search read in the list's order (an exact count would check each of them), and a page
    /// by name or address is looked for in the first [`WALK_WINDOW`] rows of its index first.
    many: bool,
    /// Every candidate is someone whose name starts with the search: the matches are then one
    /// range of the name index, read there in order (the list by name) and counted there.
    name_prefix: bool,
    /// How many people the search matches, when its index finds exactly the matches
    /// (PostgreSQL's `people_starts`) and they were all counted; `Some(0)` too when SQLite's
    /// text index finds no candidate (then no one matches).
    matches: Option<i64>,
    /// "Never signed in" or "not signed in since" alone: who never signed in and who last
    /// signed in before, when the latter are at most [`DRIVE_AT`] (see [`Inactive`]).
    inactive: Option<Inactive>,
    /// Only accounts (and a role), or only a role: their people, counted up to [`DRIVE_AT`]
    /// when the plan was made (see [`Plan::write_access_counted`], and the role's index).
    access: Option<AccessCount>,
}

/// The people with some access, counted from their memberships and grants, up to
/// [`DRIVE_AT`] rows.
#[derive(Debug, Clone, Copy)]
struct AccessCount {
    /// How many people the rows read are (someone with several roles has several rows).
    people: i64,
    /// How many rows were read: more than [`DRIVE_AT`] when there are more.
    rows: i64,
}

/// The people of "not signed in since" alone, counted once for its total and its pages.
#[derive(Debug, Clone, Copy)]
struct Inactive {
    /// Everyone but the Active, from the kept counts (a person's first and last sign-in are
    /// set together; an organisation does not see an invited person's).
    never: i64,
    /// Those whose last sign-in is before the filter's time: few (at most [`DRIVE_AT`]), so a
    /// page reads all of them from the sign-in index and puts them in order.
    before: i64,
}

impl Inactive {
    /// The counts of "never signed in" (`since` is `None`) or "not signed in since" in one
    /// statement; `None` when more than [`DRIVE_AT`] signed in before `since` (a page then
    /// reads the name index in order: they are dense enough in it).
    async fn few(
        db: &Db,
        root_id: i64,
        since: Option<Timestamp>,
    ) -> sqlx::Result<Option<Inactive>> {
        let never = "COALESCE((SELECT c.accepted - c.signed_in + c.invited FROM member_counts c \
             WHERE c.root_id = $1), 0)";
        let (never, before): (i64, i64) = match since {
            None => {
                sqlx::query_as(&format!("SELECT {never}, 0"))
                    .bind(root_id)
                    .fetch_one(db.reader())
                    .await?
            }
            Some(before) => {
                sqlx::query_as(&format!(
                    "SELECT {never}, (SELECT COUNT(*) FROM (SELECT 1 FROM tree_members t \
                 WHERE t.root_id = $1 AND t.seen_sign_in_at < $2 LIMIT {}) AS b)",
                    DRIVE_AT + 1
                ))
                .bind(root_id)
                .bind(before.millis())
                .fetch_one(db.reader())
                .await?
            }
        };
        Ok((before <= DRIVE_AT).then_some(Inactive { never, before }))
    }
}

/// How many rows of an index a search with many candidates reads in order for a page before
/// it reads the page from its candidates instead: its matches are at least 2.5 % of the
/// organisation, usually found within a few hundred rows (at most a millisecond).
const WALK_WINDOW: usize = 4_000;

/// Up to this many people a search's text index finds, pages are read from them (each found
/// by key, checked, and the page's ones put in order by SQLite's sorter, about 2 µs each).
/// A search's matches cluster in every order (names starting "ma" are halfway down the list
/// by name), so reading the list in order and checking each row would first read every row
/// before them.
const SEARCH_DRIVE_AT: i64 = 10_000;

impl Plan {
    pub(crate) async fn decide(db: &Db, filter: &PeopleFilter<'_>) -> sqlx::Result<Plan> {
        let mut plan = Plan {
            phrase: filter.search.and_then(|search| {
                if db.dialect().is_sqlite() {
                    search_phrase(search).map(TextQuery::Phrase)
                } else {
                    Some(TextQuery::Start(search.to_owned()))
                }
            }),
            candidates: None,
            many: false,
            name_prefix: false,
            matches: None,
            inactive: None,
            access: None,
        };
        if let Some(since) = filter.signed_in_before
            && (PeopleFilter {
                signed_in_before: None,
                ..*filter
            })
            .is_everyone()
        {
            plan.inactive = Inactive::few(db, filter.root_id, since).await?;
            return Ok(plan);
        }
        if plan.phrase.is_some() {
            // The names starting with the search are counted beside its candidates, up to
            // one more than the candidates read from them can be (see below).
            let (found, names) = db
                .both(
                    plan.people_found(db, filter, SEARCH_DRIVE_AT + 1),
                    name_range_count(db, filter, SEARCH_DRIVE_AT + 2),
                )
                .await?;
            if found <= SEARCH_DRIVE_AT {
                let exact = matches!(plan.phrase, Some(TextQuery::Start(_)));
                plan.matches = (exact || found == 0).then_some(found);
                plan.candidates = Some(Candidates::Search);
                // The names starting with the search all match it, so all are candidates:
                // as many of them as candidates, and they are the matches.
                plan.name_prefix = names == found;
                plan.many = !plan.name_prefix && found > DRIVE_AT;
                return Ok(plan);
            }
        }
        if let Some(accounts) = filter.accounts
            && (PeopleFilter {
                accounts: None,
                role: None,
                ..*filter
            })
            .is_everyone()
        {
            // Only the accounts (and a role). One account's members (with the role) are as
            // many different people, all on the list: when one account alone has more than
            // DRIVE_AT, the list is broad, known from the kept counts (migration 0025) without
            // counting the memberships and grants of them all.
            if broadest_account(db, accounts, filter.role).await? > DRIVE_AT {
                plan.access = Some(AccessCount {
                    people: DRIVE_AT + 1,
                    rows: DRIVE_AT + 1,
                });
                return Ok(plan);
            }
            // Else their people counted once, for the plan and the total.
            let mut sql =
                Sql::new("SELECT COUNT(DISTINCT user_id), COUNT(*) FROM (SELECT c.user_id");
            plan.write_access_counted(&mut sql, filter);
            sql.push(&format!(" LIMIT {}) AS c", DRIVE_AT + 1));
            let counted: Vec<(i64, i64)> = sql.fetch_all(db.reader()).await?;
            let (people, rows) = counted.first().copied().unwrap_or_default();
            plan.access = Some(AccessCount { people, rows });
            if rows <= DRIVE_AT {
                plan.candidates = Some(Candidates::Access);
            }
            return Ok(plan);
        }
        if let Some(role) = filter.role
            && (PeopleFilter {
                role: None,
                ..*filter
            })
            .is_everyone()
        {
            // Only a role, on the whole list: its people counted once in the role's own index
            // (migration 0024), for the plan and the total. A row is a person.
            let mut sql = Sql::new("SELECT COUNT(*) FROM (SELECT 1 FROM tree_members t");
            if db.dialect().is_sqlite() {
                // SQLite's planner prefers the covering address index for `root_id = ?`, and
                // so read all 100,000 rows to count the one Owner (8.6 ms); named, the role's
                // index reads only its people (5 µs).
                sql.push(" INDEXED BY ").push(role_index(role));
            }
            sql.push(" WHERE t.root_id = ");
            sql.bind(filter.root_id).push(&format!(
                " AND (t.roles & {}) <> 0 LIMIT {}) AS c",
                role_bit(role),
                DRIVE_AT + 1
            ));
            let people: i64 = sql.fetch_value(db.reader()).await?;
            plan.access = Some(AccessCount {
                people,
                rows: people,
            });
            if people <= DRIVE_AT {
                plan.candidates = Some(Candidates::Access);
            }
            return Ok(plan);
        }
        if (filter.accounts.is_some() || filter.role.is_some())
            && plan
                .up_to(db, filter, Candidates::Access, DRIVE_AT + 1)
                .await?
                <= DRIVE_AT
        {
            plan.candidates = Some(Candidates::Access);
        }
        Ok(plan)
    }

    /// How many people the search's index finds, counted up to `most` rows of it (`most` when
    /// there are more: a person may come twice, so the rows read may be fewer people, but not
    /// all of them were read). Exact below `most`: all its candidates are then counted, each
    /// once, which the name-prefix decision relies on.
    async fn people_found(
        &self,
        db: &Db,
        filter: &PeopleFilter<'_>,
        most: i64,
    ) -> sqlx::Result<i64> {
        let mut sql = Sql::new("SELECT COUNT(*), COUNT(DISTINCT user_id) FROM (");
        self.write_candidates(&mut sql, filter, Candidates::Search);
        sql.push(&format!(" LIMIT {most}) AS c"));
        let counted: Vec<(i64, i64)> = sql.fetch_all(db.reader()).await?;
        let (rows, people) = counted.first().copied().unwrap_or_default();
        Ok(if rows >= most { most } else { people })
    }

    /// How many `candidates` there are, counted up to `most`.
    async fn up_to(
        &self,
        db: &Db,
        filter: &PeopleFilter<'_>,
        candidates: Candidates,
        most: i64,
    ) -> sqlx::Result<i64> {
        let mut sql = Sql::new("SELECT COUNT(*) FROM (");
        self.write_candidates(&mut sql, filter, candidates);
        sql.push(&format!(" LIMIT {most}) AS c"));
        sql.fetch_value(db.reader()).await
    }

    /// A subquery of candidates, `user_id` (possibly repeated, possibly more than match) and,
    /// for [`Candidates::Access`], `invitation_id` (the grant's invitation, NULL for a membership).
    fn write_candidates(
        &self,
        sql: &mut Sql<'_>,
        filter: &PeopleFilter<'_>,
        candidates: Candidates,
    ) {
        match candidates {
            Candidates::Search => match &self.phrase {
                Some(TextQuery::Start(search)) => {
                    // One range of the table's key (its text compares by its bytes, and no
                    // character sorts after U+10FFFF); someone whose name and address both
                    // start with the search comes twice.
                    sql.push("SELECT s.user_id FROM people_starts s WHERE s.root_id = ")
                        .bind(filter.root_id)
                        .push(" AND s.start_key >= ")
                        .bind(search.clone())
                        .push(" AND s.start_key < ")
                        .bind(format!("{search}\u{10FFFF}"));
                }
                phrase => {
                    let phrase = match phrase {
                        Some(TextQuery::Phrase(phrase)) => phrase.clone(),
                        _ => String::new(),
                    };
                    let (low, high) = search_rowids(filter.root_id);
                    sql.push("SELECT rowid - ")
                        .bind(low)
                        .push(" AS user_id FROM people_search WHERE people_search MATCH ")
                        .bind(phrase)
                        .push(" AND rowid BETWEEN ")
                        .bind(low)
                        .push(" AND ")
                        .bind(high);
                }
            },
            Candidates::Access => {
                // Each with the invitation whose grant it is (NULL for a membership): the
                // grant counts only while that invitation is the person's open one.
                let tables = [
                    ("memberships m", "m.user_id", "NULL"),
                    (
                        "invitation_grants m JOIN invitations i ON i.id = m.invitation_id",
                        "i.user_id",
                        "m.invitation_id",
                    ),
                ];
                for (n, (table, person, invitation)) in tables.into_iter().enumerate() {
                    if n > 0 {
                        sql.push(" UNION ALL ");
                    }
                    sql.push("SELECT ")
                        .push(person)
                        .push(" AS user_id, ")
                        .push(invitation)
                        .push(" AS invitation_id FROM ");
                    match filter.accounts {
                        Some(accounts) => {
                            sql.push(table)
                                .push(" WHERE m.account_id IN (")
                                .list(accounts.iter().copied())
                                .push(")");
                        }
                        None => {
                            sql.push(table)
                                .push(" JOIN accounts a ON a.id = m.account_id WHERE a.root_id = ")
                                .bind(filter.root_id);
                        }
                    }
                    if let Some(role) = filter.role {
                        sql.push(" AND m.role = ").bind(role.as_str());
                    }
                }
            }
        }
    }

    /// ` FROM … WHERE …` of the people with the access `filter` asks for (its accounts, and
    /// role), one row per membership or grant (`c.user_id`), for counting them.
    fn write_access_counted(&self, sql: &mut Sql<'_>, filter: &PeopleFilter<'_>) {
        // Each candidate is someone with the access asked for, once the grant's
        // invitation is theirs: checked on the candidate itself, not again by looking
        // up their memberships and grants (four lookups per person counted, 2,500 of
        // them: 45 ms on PostgreSQL). Their row is then one lookup by key per
        // candidate, in a subquery that PostgreSQL keeps a lookup (see [`ONE_ROW`]):
        // joined, it hashed the whole organisation's rows first (37 ms).
        let others = PeopleFilter {
            accounts: None,
            role: None,
            ..*filter
        };
        sql.push(" FROM (");
        self.write_candidates(sql, filter, Candidates::Access);
        sql.push(") AS c WHERE ");
        if others.is_everyone() {
            // Someone with a membership on the organisation's accounts is on its list:
            // only a grant's invitation needs looking up (most candidates are
            // memberships: 2,500 lookups were 5 ms of a sub-account's count on
            // PostgreSQL at 100,000 people).
            sql.push("c.invitation_id IS NULL OR ");
        }
        sql.push("EXISTS (SELECT 1 FROM tree_members t WHERE ");
        write_people_where(sql, &others);
        sql.push(
            " AND t.user_id = c.user_id \
             AND (c.invitation_id IS NULL OR c.invitation_id = t.invitation_id)",
        )
        .push(ONE_ROW)
        .push(")");
    }

    /// `FROM … WHERE …` of the people `filter` matches, `joins` following `tree_members t`:
    /// from the candidates when they are few (read first, then each person found by key:
    /// `CROSS JOIN` keeps SQLite from reading tree_members in order and checking each row
    /// against them instead), else from tree_members.
    fn write_from_where(&self, sql: &mut Sql<'_>, filter: &PeopleFilter<'_>, joins: &str) {
        self.write_from_where_of(sql, filter, joins, self.candidates);
    }

    /// `FROM … WHERE …` of rows read in the order of `column`: from the name index's range
    /// when the matches are the names starting with the search and the order is by name,
    /// else as the plan reads them.
    fn write_walk_from_where(
        &self,
        sql: &mut Sql<'_>,
        filter: &PeopleFilter<'_>,
        column: Option<Column>,
    ) {
        if self.name_prefix && column == Some(Column::Name) {
            self.write_from_where_of(sql, filter, "", None);
            write_name_range(sql, filter);
        } else {
            self.write_from_where(sql, filter, "");
        }
    }

    fn write_from_where_of(
        &self,
        sql: &mut Sql<'_>,
        filter: &PeopleFilter<'_>,
        joins: &str,
        candidates: Option<Candidates>,
    ) {
        sql.push(" FROM ");
        if let Some(candidates) = candidates {
            // A person holds several roles, and may match a search at two places (name and
            // address); SQLite's text index has each person once.
            let once = matches!(self.phrase, Some(TextQuery::Phrase(_)));
            sql.push(if candidates == Candidates::Access || !once {
                "(SELECT DISTINCT user_id FROM ("
            } else {
                "(SELECT user_id FROM ("
            });
            self.write_candidates(sql, filter, candidates);
            sql.push(") AS d) AS c CROSS JOIN ");
        }
        sql.push("tree_members t").push(joins).push(" WHERE ");
        write_people_where(sql, filter);
        if candidates.is_some() {
            sql.push(" AND t.user_id = c.user_id");
        }
    }
}

/// ` AND` the name starts with `filter`'s search: one range of the name index (text compares
/// by its UTF-8 bytes, and no character sorts after U+10FFFF).
fn write_name_range(sql: &mut Sql<'_>, filter: &PeopleFilter<'_>) {
    let search = filter.search.unwrap_or_default();
    sql.push(" AND t.name_key >= ")
        .bind(search.to_owned())
        .push(" AND t.name_key < ")
        .bind(format!("{search}\u{10FFFF}"));
}

/// The most members (with `role`, else in all roles) that one of `accounts` has: kept counts
/// of memberships (migration 0025).
async fn broadest_account(db: &Db, accounts: &[i64], role: Option<Role>) -> sqlx::Result<i64> {
    let mut sql = Sql::new(
        "SELECT COALESCE(MAX(members), 0) FROM (SELECT CAST(SUM(members) AS BIGINT) AS members \
         FROM account_members WHERE account_id IN (",
    );
    sql.list(accounts.iter().copied()).push(")");
    if let Some(role) = role {
        sql.push(" AND role = ").bind(role.as_str());
    }
    sql.push(" GROUP BY account_id) AS a");
    sql.fetch_value(db.reader()).await
}

/// How many people's names start with `filter`'s search (its other conditions aside),
/// counted in the name index up to `most`.
async fn name_range_count(db: &Db, filter: &PeopleFilter<'_>, most: i64) -> sqlx::Result<i64> {
    let mut sql = Sql::new("SELECT COUNT(*) FROM (SELECT 1 FROM tree_members t WHERE t.root_id = ");
    sql.bind(filter.root_id);
    write_name_range(&mut sql, filter);
    sql.push(&format!(" LIMIT {most}) AS c"));
    sql.fetch_value(db.reader()).await
}

/// A statement of the list of `filter`, starting with `text`: with a search, on PostgreSQL,
/// planned for its pattern each time (see [`Sql::planned_for_its_values`]).
fn list_sql<'q>(db: &Db, filter: &PeopleFilter<'_>, text: &str) -> Sql<'q> {
    let mut sql = Sql::new(text);
    if filter.search.is_some() && !db.dialect().is_sqlite() {
        sql.planned_for_its_values();
    }
    sql
}

/// How many people a filter matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Total {
    pub(crate) count: i64,
    /// More match than were counted: a broad search or access filter is counted up to
    /// [`DRIVE_AT`] (`count` is then that many).
    pub(crate) at_least: bool,
}

/// Ends a per-person `EXISTS` check: with an `OFFSET`, PostgreSQL keeps it a lookup by key
/// for each row read. Without it, PostgreSQL may read every membership of the accounts into a
/// hash table first ("hashed SubPlan"), planned as if every row of the organisation were
/// checked: a sub-account's first page at 100,000 people read 39,000 memberships (27 ms)
/// where 101 lookups (0.6 ms) decide it.
const ONE_ROW: &str = " LIMIT 1 OFFSET 0";

/// The conditions of `filter` after `t.root_id = …` (each `AND …`).
fn write_people_where(sql: &mut Sql<'_>, filter: &PeopleFilter<'_>) {
    sql.push("t.root_id = ").bind(filter.root_id);
    if let Some(accounts) = filter.accounts {
        sql.push(
            " AND (EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = t.user_id \
               AND m.account_id IN (",
        )
        .list(accounts.iter().copied())
        .push(")")
        .push(ONE_ROW)
        .push(
            ") OR EXISTS (SELECT 1 FROM invitation_grants g \
               WHERE g.invitation_id = t.invitation_id AND g.account_id IN (",
        )
        .list(accounts.iter().copied())
        .push(")")
        .push(ONE_ROW)
        .push("))");
    }
    if let Some(search) = filter.search {
        // The search's rule: the name or the address starts with it, or the rest of the name
        // after a space does. PostgreSQL's people_starts (migration 0020) holds exactly these
        // places, and a search's total is counted there: change both together.
        let escaped = search
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let prefix = format!("{escaped}%");
        sql.push(" AND (t.name_key LIKE ")
            .bind(prefix.clone())
            .push(" ESCAPE '\\' OR t.email_key LIKE ")
            .bind(prefix)
            .push(" ESCAPE '\\' OR t.name_key LIKE ")
            .bind(format!("% {escaped}%"))
            .push(" ESCAPE '\\')");
    }
    if let Some(status) = filter.status {
        match status_parts(status) {
            [part] => part.write(sql, filter.now),
            parts => {
                // ` AND a OR b`, as `AND ((1=1 AND a) OR (1=1 AND b))`.
                sql.push(" AND (");
                for (n, part) in parts.iter().enumerate() {
                    sql.push(if n == 0 { "(1 = 1" } else { " OR (1 = 1" });
                    part.write(sql, filter.now);
                    sql.push(")");
                }
                sql.push(")");
            }
        }
    }
    match filter.signed_in_before {
        None => {}
        Some(None) => {
            sql.push(" AND t.seen_sign_in_at IS NULL");
        }
        Some(Some(before)) => {
            sql.push(" AND (t.seen_sign_in_at IS NULL OR t.seen_sign_in_at < ")
                .bind(before.millis())
                .push(")");
        }
    }
    if let Some(role) = filter.role {
        // The roles held anywhere in the organisation or offered, kept on the row (migration
        // 0016) and in its indexes: the whole list's filter, and a sub-account's first check.
        sql.push(&format!(" AND (t.roles & {}) <> 0", role_bit(role)));
        if let Some(accounts) = filter.accounts {
            sql.push(
                " AND (EXISTS (SELECT 1 FROM memberships m \
                   WHERE m.user_id = t.user_id AND m.role = ",
            )
            .bind(role.as_str())
            .push(" AND m.account_id IN (")
            .list(accounts.iter().copied())
            .push(")")
            .push(ONE_ROW)
            .push(
                ") OR EXISTS (SELECT 1 FROM invitation_grants g \
                   WHERE g.invitation_id = t.invitation_id AND g.role = ",
            )
            .bind(role.as_str())
            .push(" AND g.account_id IN (")
            .list(accounts.iter().copied())
            .push(")")
            .push(ONE_ROW)
            .push("))");
        }
    }
}

/// SQLite's partial index of the people holding or offered `role` (migration 0024;
/// PostgreSQL's are by name and by address, 0026).
fn role_index(role: Role) -> &'static str {
    match role {
        Role::Owner => "tree_members_owners",
        Role::Admin => "tree_members_admins",
        Role::Basic => "tree_members_basic",
        Role::Reporting => "tree_members_reporting",
    }
}

/// `role`'s bit in `tree_members.roles` (migration 0016).
fn role_bit(role: Role) -> u8 {
    match role {
        Role::Owner => 1,
        Role::Admin => 2,
        Role::Basic => 4,
        Role::Reporting => 8,
    }
}

/// How many people `filter` matches: exact, except for a broad search or access filter (see
/// [`Total`]).
async fn people_total(db: &Db, filter: &PeopleFilter<'_>, plan: &Plan) -> sqlx::Result<Total> {
    // The whole organisation, unfiltered: the kept total, read with the organisation.
    if filter.is_everyone() {
        return Ok(Total {
            count: filter.people,
            at_least: false,
        });
    }

    // Only accounts (and a role): counted when the plan was made, every row when they were
    // few (exact), else up to DRIVE_AT.
    if let Some(AccessCount { people, rows }) = plan.access {
        return Ok(Total {
            count: people.min(DRIVE_AT),
            at_least: rows > DRIVE_AT,
        });
    }

    // Only a search whose index counted its matches, or one that matches no one.
    if let Some(matches) = plan.matches
        && (matches == 0
            || (PeopleFilter {
                search: None,
                ..*filter
            })
            .is_everyone())
    {
        return Ok(Total {
            count: matches,
            at_least: false,
        });
    }

    // Only a status: from the kept counts (migration 0018) and the invitations still open.
    if let Some(status) = filter.status
        && (PeopleFilter {
            status: None,
            ..*filter
        })
        .is_everyone()
    {
        return Ok(Total {
            count: StatusCounts::count(db, filter.root_id, status, filter.now).await?,
            at_least: false,
        });
    }
    // Only "never signed in", or only "not signed in since" with few who signed in before:
    // counted when the plan was made.
    if let Some(inactive) = plan.inactive {
        return Ok(Total {
            count: inactive.never + inactive.before,
            at_least: false,
        });
    }
    if let Some(Some(before)) = filter.signed_in_before
        && (PeopleFilter {
            signed_in_before: None,
            ..*filter
        })
        .is_everyone()
    {
        // Those who never signed in (everyone but the Active, from the kept counts, as in
        // [`Inactive`]) and the many whose last sign-in is before: one range of the sign-in
        // index, in the same statement. Counting the never-signed-in in the index too read 29,000 entries (0.9 ms
        // on PostgreSQL at 100,000 people) in a statement of its own.
        let count: i64 = sqlx::query_scalar(
            "SELECT COALESCE((SELECT c.accepted - c.signed_in + c.invited FROM member_counts c \
             WHERE c.root_id = $1), 0) + (SELECT COUNT(*) FROM tree_members t \
             WHERE t.root_id = $1 AND t.seen_sign_in_at < $2)",
        )
        .bind(filter.root_id)
        .bind(before.millis())
        .fetch_one(db.reader())
        .await?;
        return Ok(Total {
            count,
            at_least: false,
        });
    }

    let broad = plan.many
        || (plan.candidates.is_none()
            && (filter.search.is_some() || filter.accounts.is_some() || filter.role.is_some()));
    if broad {
        if plan.phrase.is_some() {
            // The names starting with the search all match it: when they alone are more
            // than are counted, no candidate needs checking.
            let names = PeopleFilter {
                search: None,
                ..*filter
            };
            let mut sql = Sql::new("SELECT COUNT(*) FROM (SELECT 1");
            plan.write_from_where_of(&mut sql, &names, "", None);
            write_name_range(&mut sql, filter);
            sql.push(&format!(" LIMIT {}) AS c", DRIVE_AT + 1));
            let starting: i64 = sql.fetch_value(db.reader()).await?;
            if starting > DRIVE_AT {
                return Ok(Total {
                    count: DRIVE_AT,
                    at_least: true,
                });
            }
        }
        // Counted up to DRIVE_AT from the candidates as they come (the search's words, else
        // the grants; people with several roles come more than once), or in index order.
        // A role on the whole list is counted in the list's own index, which holds each
        // person's roles: the grants would be looked up one by one.
        let streamed = if plan.phrase.is_some() {
            Some(Candidates::Search)
        } else if filter.accounts.is_some() {
            Some(Candidates::Access)
        } else {
            None
        };
        let mut sql = list_sql(
            db,
            filter,
            "SELECT COUNT(DISTINCT user_id), COUNT(*) FROM (SELECT ",
        );
        sql.push(match streamed {
            Some(Candidates::Access) => "c.user_id",
            _ => "t.user_id",
        });
        match streamed {
            Some(Candidates::Access) => plan.write_access_counted(&mut sql, filter),
            Some(candidates) => {
                sql.push(" FROM (");
                plan.write_candidates(&mut sql, filter, candidates);
                sql.push(") AS c CROSS JOIN tree_members t WHERE ");
                write_people_where(&mut sql, filter);
                sql.push(" AND t.user_id = c.user_id");
            }
            None => plan.write_from_where(&mut sql, filter, ""),
        }
        sql.push(&format!(" LIMIT {}) AS c", DRIVE_AT + 1));
        let counted: Vec<(i64, i64)> = sql.fetch_all(db.reader()).await?;
        let (people, rows) = counted.first().copied().unwrap_or_default();
        return Ok(Total {
            count: people.min(DRIVE_AT),
            at_least: rows > DRIVE_AT,
        });
    }
    // A status of several parts, and "not signed in since" (never, or before), are counted
    // part by part, each a range of one index.
    let split = plan.candidates.is_none() || plan.name_prefix;
    let statuses: Vec<Option<Part>> = match filter.status {
        Some(status) if split => status_parts(status).iter().copied().map(Some).collect(),
        _ => vec![None],
    };
    let inactivity: Vec<Option<Part>> = match filter.signed_in_before {
        Some(Some(before)) if split => vec![
            Some(Part::NeverSignedIn),
            Some(Part::SignedInBefore(before)),
        ],
        _ => vec![None],
    };
    let mut count = 0;
    for status in &statuses {
        for inactive in &inactivity {
            let mut each = *filter;
            if status.is_some() {
                each.status = None;
            }
            if inactive.is_some() {
                each.signed_in_before = None;
            }
            let mut sql = list_sql(db, filter, "SELECT COUNT(*)");
            plan.write_walk_from_where(&mut sql, &each, Some(Column::Name));
            for part in [status, inactive].into_iter().flatten() {
                part.write(&mut sql, filter.now);
            }
            let found: i64 = sql.fetch_value(db.reader()).await?;
            count += found;
        }
    }
    Ok(Total {
        count,
        at_least: false,
    })
}

/// How many of an organisation's people have each status at a time: Active and the accepted
/// who never signed in are kept counts (migrations 0009 and 0018); of the invited, those whose
/// invitation is still open are a range of `tree_members_open_invitations` (by expiry), the
/// rest have Expired.
#[derive(Debug, Default, FromRow)]
struct StatusCounts {
    signed_in: i64,
    never_signed_in: i64,
    invited: i64,
    open: i64,
}

impl StatusCounts {
    /// How many people have `status` now. The Active are a kept count alone: counting the
    /// open invitations too read every one of them (0.8 ms on PostgreSQL at 100,000 people,
    /// 15,000 open invitations), which only Pending and Expired need.
    async fn count(
        db: &Db,
        root_id: i64,
        status: PersonStatus,
        now: Timestamp,
    ) -> sqlx::Result<i64> {
        if status == PersonStatus::Active {
            let signed_in: Option<i64> =
                sqlx::query_scalar("SELECT signed_in FROM member_counts WHERE root_id = $1")
                    .bind(root_id)
                    .fetch_optional(db.reader())
                    .await?;
            return Ok(signed_in.unwrap_or(0));
        }
        Ok(Self::read(db, root_id, now).await?.of(status))
    }

    async fn read(db: &Db, root_id: i64, now: Timestamp) -> sqlx::Result<StatusCounts> {
        let counts: Option<StatusCounts> = sqlx::query_as(
            "SELECT c.signed_in, c.accepted - c.signed_in AS never_signed_in, c.invited, \
             (SELECT COUNT(*) FROM tree_members t WHERE t.root_id = c.root_id \
              AND t.accepted_at IS NULL AND t.invitation_expires_at > $2) AS open \
             FROM member_counts c WHERE c.root_id = $1",
        )
        .bind(root_id)
        .bind(now.millis())
        .fetch_optional(db.reader())
        .await?;
        Ok(counts.unwrap_or_default())
    }

    fn of(&self, status: PersonStatus) -> i64 {
        match status {
            PersonStatus::Active => self.signed_in,
            PersonStatus::Pending => self.never_signed_in + self.open,
            PersonStatus::Expired => self.invited - self.open,
        }
    }
}

/// `SELECT` of a [`PersonListRow`] at `now`, up to its `FROM`.
fn write_person_select(sql: &mut Sql<'_>, now: Timestamp) {
    sql.push("SELECT t.user_id, ")
        .push(PERSON_SQL)
        .push(", t.invitation_id, i.sent_at AS invitation_sent_at, t.invitation_expires_at, ");
    write_status(sql, now);
    sql.push(" AS status");
    write_access(sql);
}

/// The columns of a [`PersonListRow`], in the order [`Listed`] reads them.
const LISTED_COLUMNS: &str = "p.user_id, p.accepted_at, p.name, p.email, p.last_sign_in_at, \
     p.invitation_id, p.invitation_sent_at, p.invitation_expires_at, p.status, p.name_key, \
     p.email_key, p.held, p.offered, p.delivery";

/// Opens a statement whose one row is the page, a JSON array of its rows in the page's order
/// (`p.list_key`, then `p.user_id`, in `direction`); the rows are then selected
/// `FROM (…) AS p`, and [`read_listed`] reads them.
///
/// One row, not a row per person: sqlx's SQLite driver hands each row from the connection's
/// thread to the request's with a wake-up of its own, and copies each of its values twice on
/// the way (into the row, then into the `Any` driver's row). A page of 50 spent more on that
/// than SQLite spent reading it (10,000 people, random depth, 32 clients, one core: 2,200
/// pages/s as rows, 2,800/s as one row).
fn write_listed_open(sql: &mut Sql<'_>, dialect: super::Dialect, direction: &str) {
    let (open, close) = if dialect.is_sqlite() {
        ("SELECT json_group_array(json_array(", "")
    } else {
        // json_agg gives NULL for no rows, json_group_array `[]`.
        (
            "SELECT COALESCE(json_agg(json_build_array(",
            "::text, '[]')",
        )
    };
    sql.push(open)
        .push(LISTED_COLUMNS)
        .push(") ORDER BY p.list_key")
        .push(direction)
        .push(", p.user_id")
        .push(direction)
        .push(")")
        .push(close)
        .push(" FROM (");
}

/// A [`PersonListRow`] as [`write_listed_open`] writes it: an array of its columns.
#[derive(serde::Deserialize)]
struct Listed(
    i64,
    Option<i64>,
    Option<String>,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    PersonStatus,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The rows of a page [`write_listed_open`] wrote.
fn read_listed(text: &str) -> sqlx::Result<Vec<PersonListRow>> {
    fn decode(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> sqlx::Error {
        sqlx::Error::Decode(error.into())
    }
    let listed: Vec<Listed> = serde_json::from_str(text).map_err(decode)?;
    listed
        .into_iter()
        .map(|r| {
            Ok(PersonListRow {
                user_id: r.0,
                accepted_at: r.1,
                name: r.2,
                email: r.3,
                last_sign_in_at: r.4,
                invitation_id: r.5,
                invitation_sent_at: r.6,
                invitation_expires_at: r.7,
                status: r.8,
                name_key: r.9,
                email_key: r.10,
                held: Grants::try_from(r.11).map_err(decode)?,
                offered: Grants::try_from(r.12).map_err(decode)?,
                delivery: r.13,
            })
        })
        .collect()
}

/// What [`write_person_select`] reads beside tree_members.
const PERSON_JOINS: &str = " LEFT JOIN invitations i ON i.id = t.invitation_id";

/// The rows of one segment from `from` (excluded) on, reading forwards or backwards, at most
/// `limit`.
async fn segment_rows(
    db: &Db,
    filter: &PeopleFilter<'_>,
    plan: &Plan,
    segment: &Segment,
    reading: Reading<'_>,
    window: Option<usize>,
) -> sqlx::Result<Vec<PersonListRow>> {
    let Reading {
        from,
        backwards,
        limit,
    } = reading;
    let descending = segment.descending != backwards;
    let (direction, beyond) = if descending {
        (" DESC", " < ")
    } else {
        (" ASC", " > ")
    };
    // The page's people by key first (tree_members and its indexes only), then what the list
    // shows of just those: a search read from its candidates puts up to DRIVE_AT of them in
    // order, and reads names and invitations for one page of them only.
    // A page of the names starting with the search reads their range of the name index,
    // whatever the pattern: its plan can be made once and kept (planned on every run, as a
    // search's statements are, it took 1.27 ms for the 51 rows a first page reads in 0.41).
    let mut sql = if plan.name_prefix && segment.column == Some(Column::Name) {
        Sql::new("")
    } else {
        list_sql(db, filter, "")
    };
    write_listed_open(&mut sql, db.dialect(), direction);
    write_person_select(&mut sql, filter.now);
    sql.push(", k.sort_key AS list_key FROM (");
    let (parts, each) = read_parts(segment, filter, plan);
    let several = parts.len() > 1;
    let key_sql = segment.column.map_or("0", Column::sql);
    for (n, part) in parts.iter().enumerate() {
        if several {
            sql.push(if n == 0 {
                "SELECT * FROM ("
            } else {
                " UNION ALL SELECT * FROM ("
            });
        }
        if window.is_some() {
            sql.push("SELECT user_id, sort_key FROM (");
        }
        sql.push("SELECT t.user_id AS user_id, ")
            .push(key_sql)
            .push(" AS sort_key");
        match window {
            None => match (part, plan.inactive) {
                (Part::SignedInBefore(before), Some(_)) => {
                    // Few: all of them, from the sign-in index, then each found by key (the
                    // LIMIT keeps both engines from merging the two reads into one).
                    sql.push(" FROM (SELECT b.user_id FROM tree_members b WHERE b.root_id = ")
                        .bind(filter.root_id)
                        .push(" AND b.seen_sign_in_at < ")
                        .bind(before.millis())
                        .push(&format!(
                            " LIMIT {}) AS c CROSS JOIN tree_members t WHERE ",
                            DRIVE_AT + 1
                        ));
                    write_people_where(&mut sql, &each);
                    sql.push(" AND t.user_id = c.user_id");
                }
                _ => plan.write_walk_from_where(&mut sql, &each, segment.column),
            },
            // The index's rows in order, with what the filter is checked on (all in the
            // name and address indexes).
            Some(_) => {
                sql.push(
                    ", t.root_id, t.name_key, t.email_key, t.phase, t.seen_sign_in_at, \
                     t.invitation_expires_at, t.roles FROM tree_members t WHERE t.root_id = ",
                )
                .bind(filter.root_id);
            }
        }
        part.write(&mut sql, filter.now);
        if let Some(key) = from {
            match (segment.column, &key.value) {
                (Some(column), Some(value)) => {
                    sql.push(" AND (")
                        .push(column.sql())
                        .push(", t.user_id)")
                        .push(beyond)
                        .push("(");
                    match value {
                        KeyValue::Text(text) => sql.bind(text.clone()),
                        KeyValue::Number(number) => sql.bind(*number),
                    };
                    sql.push(", ").bind(key.user_id).push(")");
                }
                _ => {
                    sql.push(" AND t.user_id").push(beyond).bind(key.user_id);
                }
            }
        }
        sql.push(" ORDER BY ");
        if let Some(column) = segment.column {
            sql.push(column.sql()).push(direction).push(", ");
        }
        sql.push("t.user_id").push(direction);
        match window {
            None => {
                sql.push(&format!(" LIMIT {limit}"));
            }
            Some(rows) => {
                sql.push(&format!(" LIMIT {rows}) AS t WHERE "));
                write_people_where(&mut sql, filter);
                sql.push(" ORDER BY sort_key")
                    .push(direction)
                    .push(", user_id")
                    .push(direction)
                    .push(&format!(" LIMIT {limit}"));
            }
        }
        if several {
            sql.push(&format!(") AS part{n}"));
        }
    }
    if several {
        // Each part is in order; the union of them is put in order once more (at most
        // `limit` rows of each).
        sql.push(" ORDER BY sort_key")
            .push(direction)
            .push(", user_id")
            .push(direction)
            .push(&format!(" LIMIT {limit}"));
    }
    // CROSS JOIN: the page's keys first, each person then found by key.
    if db.dialect().is_sqlite() {
        sql.push(") AS k CROSS JOIN tree_members t")
            .push(PERSON_JOINS)
            .push(" WHERE t.root_id = ")
            .bind(filter.root_id)
            .push(" AND t.user_id = k.user_id) AS p");
    } else {
        // A lateral lookup that PostgreSQL cannot flatten (OFFSET 0): joined, it read the
        // whole organisation into a hash table once a chunk of the export had 1,000 keys
        // (100,000 rows, 30 ms a chunk, 3.1 s for the export at 100,000 people).
        sql.push(") AS k CROSS JOIN LATERAL (SELECT * FROM tree_members t WHERE t.root_id = ")
            .bind(filter.root_id)
            .push(" AND t.user_id = k.user_id OFFSET 0) AS t")
            .push(PERSON_JOINS)
            .push(") AS p");
    }
    let page: String = sql.fetch_value(db.reader()).await?;
    read_listed(&page)
}

/// The parts a page reads of `segment`, and the filter each part is read with.
///
/// "Not signed in since" (or "never") alone, by name: the people who never signed in are two
/// ranges of `tree_members_phase` in name order (accepted but never signed in; invited), and
/// those who last signed in before the time are read from the sign-in index when few (see
/// [`Inactive`]); each part then holds only matches. Read as one range of the name index with
/// each row checked, a page looked through the Active: the invited sort by their address,
/// after every name their address starts with (100,000 people, "not signed in for 30 days":
/// about 3,000 rows read for a page of 50, 1.2 ms on PostgreSQL).
///
/// A status alone, by name, the same way: Pending is the accepted who never signed in and the
/// invited whose invitation is open, Expired the rest of the invited, each a range of
/// `tree_members_phase` (read as the name index with each row checked, a page of Pending read
/// about 3,000 rows).
fn read_parts<'f>(
    segment: &Segment,
    filter: &PeopleFilter<'f>,
    plan: &Plan,
) -> (Vec<Part>, PeopleFilter<'f>) {
    if let Some(status) = filter.status
        && status != PersonStatus::Active
        && segment.column == Some(Column::Name)
        && segment.parts == [Part::Everyone]
    {
        let others = PeopleFilter {
            status: None,
            ..*filter
        };
        if others.is_everyone() {
            return (status_parts(status).to_vec(), others);
        }
    }
    let others = PeopleFilter {
        signed_in_before: None,
        ..*filter
    };
    let split = segment.column == Some(Column::Name)
        && segment.parts == [Part::Everyone]
        && others.is_everyone();
    match filter.signed_in_before {
        Some(since) if split => {
            let mut parts = vec![Part::AcceptedNotSignedIn, Part::Invited];
            if let Some(before) = since
                && plan.inactive.is_none_or(|inactive| inactive.before > 0)
            {
                parts.push(Part::SignedInBefore(before));
            }
            (parts, others)
        }
        _ => (segment.parts.to_vec(), *filter),
    }
}

/// [`segment_rows`]; for a search with many candidates, by name or address, first from a
/// window of the index in order (its matches usually fill a page within it; the rows found
/// there are the first ones in order, as the window is the start of the order), else from
/// the candidates.
async fn segment_rows_of(
    db: &Db,
    filter: &PeopleFilter<'_>,
    plan: &Plan,
    segment: &Segment,
    reading: Reading<'_>,
) -> sqlx::Result<Vec<PersonListRow>> {
    if plan.matches == Some(0) {
        return Ok(Vec::new());
    }
    let indexed = matches!(segment.column, Some(Column::Name | Column::Email));
    if plan.many && indexed && filter.accounts.is_none() {
        let rows = segment_rows(db, filter, plan, segment, reading, Some(WALK_WINDOW)).await?;
        if rows.len() >= reading.limit {
            return Ok(rows);
        }
    }
    segment_rows(db, filter, plan, segment, reading, None).await
}

/// Where a segment is read from (after or before `from`, or from its start) and how many rows.
#[derive(Clone, Copy)]
struct Reading<'k> {
    from: Option<&'k PersonKey>,
    backwards: bool,
    limit: usize,
}

/// How many people `filter` matches, and a page of them (see [`people_page`]): the count and
/// the page are independent reads, run at once where that is faster ([`Db::both`]).
pub(crate) async fn people_total_and_page(
    db: &Db,
    filter: &PeopleFilter<'_>,
    plan: &Plan,
    sort: PeopleSort,
    order: SortOrder,
    seek: &Seek,
    limit: usize,
) -> sqlx::Result<(Total, PeopleSlice)> {
    db.both(
        people_total(db, filter, plan),
        people_page(db, filter, plan, sort, order, seek, limit),
    )
    .await
}

/// A page of at most `limit` people of `filter` in the order of `sort` and `order`, where
/// `seek` says.
pub(crate) async fn people_page(
    db: &Db,
    filter: &PeopleFilter<'_>,
    plan: &Plan,
    sort: PeopleSort,
    order: SortOrder,
    seek: &Seek,
    limit: usize,
) -> sqlx::Result<PeopleSlice> {
    let mut segments = segments(sort, order);
    // A status filter leaves one segment of the status order. In the last sign-in order,
    // Active people have all signed in and no one Pending or Expired has (nor anyone filtered
    // as never signed in): the other segment would be read through for nothing.
    let keep = |s: &Segment| match (sort, filter.status, filter.signed_in_before) {
        (PeopleSort::Status, Some(status), _) => s.status == Some(status),
        (PeopleSort::LastSignIn, _, Some(None)) => s.column.is_none(),
        (PeopleSort::LastSignIn, Some(PersonStatus::Active), _) => s.column.is_some(),
        (PeopleSort::LastSignIn, Some(_), _) => s.column.is_none(),
        _ => true,
    };
    let original: Vec<bool> = segments.iter().map(keep).collect();
    // Keys name segments by their place in the whole order.
    let mut numbered: Vec<(u8, Segment)> = Vec::new();
    for (n, segment) in segments.drain(..).enumerate() {
        if original[n] {
            numbered.push((u8::try_from(n).unwrap_or(0), segment));
        }
    }
    let want = limit + 1;
    match seek {
        Seek::First | Seek::After(_) => {
            let from = match seek {
                Seek::After(key) => Some(key),
                _ => None,
            };
            let mut rows = Vec::new();
            for (n, segment) in &numbered {
                let start = match from {
                    Some(key) if *n < key.segment => continue,
                    Some(key) if *n == key.segment => Some(key),
                    _ => None,
                };
                rows.extend(
                    segment_rows_of(
                        db,
                        filter,
                        plan,
                        segment,
                        Reading {
                            from: start,
                            backwards: false,
                            limit: want - rows.len(),
                        },
                    )
                    .await?,
                );
                if rows.len() >= want {
                    break;
                }
            }
            let more_after = rows.len() > limit;
            rows.truncate(limit);
            Ok(PeopleSlice {
                rows,
                more_before: from.is_some(),
                more_after,
                restarted: false,
            })
        }
        Seek::Before(key) => {
            let mut rows = Vec::new();
            for (n, segment) in numbered.iter().rev() {
                let start = match *n {
                    n if n > key.segment => continue,
                    n if n == key.segment => Some(key),
                    _ => None,
                };
                rows.extend(
                    segment_rows_of(
                        db,
                        filter,
                        plan,
                        segment,
                        Reading {
                            from: start,
                            backwards: true,
                            limit: want - rows.len(),
                        },
                    )
                    .await?,
                );
                if rows.len() >= want {
                    break;
                }
            }
            if rows.len() <= limit {
                // Nothing before these: the first page, full (people may have left since the
                // key was handed out).
                let mut first = Box::pin(people_page(
                    db,
                    filter,
                    plan,
                    sort,
                    order,
                    &Seek::First,
                    limit,
                ))
                .await?;
                first.restarted = true;
                return Ok(first);
            }
            rows.truncate(limit);
            rows.reverse();
            Ok(PeopleSlice {
                rows,
                more_before: true,
                more_after: true,
                restarted: false,
            })
        }
    }
}

/// The ids of everyone `filter` matches, in name order, at most `limit` of them: what "select
/// every match" of the Users list acts on.
pub(crate) async fn people_ids<'e, E: Executor<'e, Database = Any>>(
    db: E,
    filter: &PeopleFilter<'_>,
    limit: i64,
) -> sqlx::Result<Vec<i64>> {
    let mut sql = Sql::new("SELECT t.user_id FROM tree_members t WHERE ");
    write_people_where(&mut sql, filter);
    sql.push(&format!(" ORDER BY t.name_key, t.user_id LIMIT {limit}"));
    sql.fetch_column(db).await
}

/// One person of an organisation, as the list shows them.
pub(crate) async fn person(
    db: &Db,
    root_id: i64,
    user_id: i64,
    now: Timestamp,
) -> sqlx::Result<Option<PersonListRow>> {
    let mut sql = Sql::default();
    write_person_select(&mut sql, now);
    sql.push(" FROM tree_members t")
        .push(PERSON_JOINS)
        .push(" WHERE t.root_id = ")
        .bind(root_id)
        .push(" AND t.user_id = ")
        .bind(user_id);
    Ok(sql.fetch_all(db.reader()).await?.pop())
}

#[derive(Debug, Clone, FromRow)]
pub(crate) struct AccessRow {
    pub(crate) user_id: i64,
    pub(crate) account_id: i64,
    #[sqlx(try_from = "String")]
    pub(crate) role: Role,
    /// 1 for access an open invitation offers (integers: the engines disagree on booleans).
    pub(crate) pending: i64,
}

fn id_list(ids: &[i64]) -> String {
    // Ids are integers from our own queries: listing them inline is safe and keeps one
    // statement per page whatever the page size.
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Memberships and offered access of these people in one organisation.
pub(crate) async fn access_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    user_ids: &[i64],
) -> sqlx::Result<Vec<AccessRow>> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let users = id_list(user_ids);
    sqlx::query_as(&format!(
        // CROSS JOIN: each person's memberships by key, not every membership of the
        // organisation's accounts.
        "SELECT m.user_id, m.account_id, m.role, 0 AS pending \
         FROM memberships m CROSS JOIN accounts a \
         WHERE a.id = m.account_id AND a.root_id = $1 AND m.user_id IN ({users}) \
         UNION ALL \
         SELECT t.user_id, g.account_id, g.role, 1 AS pending \
         FROM tree_members t JOIN invitation_grants g ON g.invitation_id = t.invitation_id \
         WHERE t.root_id = $1 AND t.user_id IN ({users})"
    ))
    // Each list of people is its own text: kept prepared, they would fill every connection's
    // statement cache with statements used once.
    .persistent(false)
    .bind(root_id)
    .fetch_all(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_read_from_their_column() {
        assert_eq!(Grants::try_from(None).unwrap(), Grants::default());
        assert_eq!(
            Grants::try_from(Some(String::new())).unwrap(),
            Grants::default()
        );
        assert_eq!(
            Grants::try_from(Some("12:owner,7:basic".to_owned())).unwrap(),
            Grants(vec![(12, Role::Owner), (7, Role::Basic)])
        );
        for broken in ["12", "x:owner", "12:chief", "12:owner,", ":owner"] {
            let error = Grants::try_from(Some(broken.to_owned())).unwrap_err();
            assert!(error.to_string().contains(broken), "{broken}: {error}");
        }
    }
}
