-- PostgreSQL's 0020 gives its search an index of where each person's matches may start.
-- SQLite's search has had its own since 0015 (people_search, FTS5), so there is nothing to add
-- here; the file keeps the two engines' migrations numbered alike.
SELECT 1;
