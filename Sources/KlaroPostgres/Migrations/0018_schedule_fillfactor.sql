-- Issue 16: room on each schedule page for the rows' next versions.
--
-- Placement, dispatch and completion update schedule rows (never HOT: each changes a column
-- account_schedule_due holds). A new version that fits on its row's page is logged as the
-- bytes that changed; one that does not moves to another page, logged whole, after a lock
-- record on the old one. Placing 100,000 accounts at once (every row of a page in one
-- statement) kept ~10 % on the page with the default fill of 100 %; half-filled pages keep all
-- of them (measured: 21 → 10 MB of heap WAL for the schedule). Pages filled before this change
-- get the room as vacuum frees them; a table rewrite (VACUUM FULL) gives it at once.
ALTER TABLE account_schedule SET (fillfactor = 50);
