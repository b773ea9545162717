-- The Users list's sort keys compare by their bytes (the "C" collation), as SQLite compares
-- them: the list's order is the same on both engines whatever the database's collation, and
-- `name_key LIKE 'ana.almeida@%'` (the search's "starts with") becomes a range of the name and
-- address indexes, which only a bytewise collation allows. Searching for a whole address at
-- 100,000 people read it in 0.04 ms there instead of through the trigram index (8 ms, then
-- 3.9 ms with the trigram index left for a later word of the name).
ALTER TABLE tree_members
    ALTER COLUMN name_key TYPE TEXT COLLATE "C",
    ALTER COLUMN email_key TYPE TEXT COLLATE "C";
-- Changing a column's type forgets its statistics: without them the planner read "zzqx" (no
-- one) through the whole trigram index (21 ms).
ANALYZE tree_members;
