-- Lets a D1 batch abort itself: after each conditional UPDATE/DELETE the batch inserts
-- changes() here, and the CHECK fails (rolling the whole batch back) when the row had
-- changed since it was read. The batch deletes its own guard rows before it commits,
-- so the table is always empty outside a transaction.
CREATE TABLE `batch_guard` (`changed` integer NOT NULL CHECK (`changed` = 1));
