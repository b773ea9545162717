-- The people holding or offered each role (the bits of `roles`, migration 0016), one partial
-- index per role: the Users list's role filter counts its people there, reading only them, for
-- the plan and the total in one statement. Before, "role=admin" at 100,000 people read the
-- list in order until 2,501 admins had passed (12,500 rows, 1.8 ms on PostgreSQL).
CREATE INDEX tree_members_owners ON tree_members (root_id, user_id) WHERE (roles & 1) <> 0;
CREATE INDEX tree_members_admins ON tree_members (root_id, user_id) WHERE (roles & 2) <> 0;
CREATE INDEX tree_members_basic ON tree_members (root_id, user_id) WHERE (roles & 4) <> 0;
CREATE INDEX tree_members_reporting ON tree_members (root_id, user_id) WHERE (roles & 8) <> 0;
