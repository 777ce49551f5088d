-- The store: what the bbolt file keeps (see watcher/store), one table a kind.
-- Written by the postgres driver's first version; later changes are new migrations.
CREATE TABLE meta (
	key   text PRIMARY KEY,
	value jsonb NOT NULL
);
