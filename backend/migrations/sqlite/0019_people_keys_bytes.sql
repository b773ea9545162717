-- PostgreSQL's 0019 makes the Users list's sort keys compare by their bytes. SQLite's text
-- columns already do (BINARY), so there is nothing to change here; the file keeps the two
-- engines' migrations numbered alike.
SELECT 1;
