-- Full-text index over task titles and descriptions, so `GET /v1/tasks?q=` is an index
-- lookup instead of a LIKE scan. External-content FTS5: the text lives once, in `tasks`;
-- triggers keep the index in step inside the same transaction as every write.
CREATE VIRTUAL TABLE `tasks_fts` USING fts5(title, description, content='tasks', content_rowid='seq');
--> statement-breakpoint
CREATE TRIGGER `tasks_fts_ai` AFTER INSERT ON `tasks` BEGIN
  INSERT INTO tasks_fts(rowid, title, description) VALUES (new.seq, new.title, new.description);
END;
--> statement-breakpoint
CREATE TRIGGER `tasks_fts_ad` AFTER DELETE ON `tasks` BEGIN
  INSERT INTO tasks_fts(tasks_fts, rowid, title, description) VALUES ('delete', old.seq, old.title, old.description);
END;
--> statement-breakpoint
CREATE TRIGGER `tasks_fts_au` AFTER UPDATE OF title, description ON `tasks` BEGIN
  INSERT INTO tasks_fts(tasks_fts, rowid, title, description) VALUES ('delete', old.seq, old.title, old.description);
  INSERT INTO tasks_fts(rowid, title, description) VALUES (new.seq, new.title, new.description);
END;
