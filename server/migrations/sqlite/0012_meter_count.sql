-- Nothing for SQLite: PostgreSQL's 0012 makes its meter count wait for any other count of the
-- same visitor, which SQLite, writing one statement at a time, does already. The number is
-- kept so that both folders count alike.
SELECT 1;
