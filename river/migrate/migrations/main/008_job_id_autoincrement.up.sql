-- River's version 8 makes SQLite's river_job ids never reused after a delete. On
-- PostgreSQL river_job.id comes from a sequence, which never hands out an id twice, so
-- there is nothing to change: the version is recorded so that River Go (v0.48 and later)
-- finds its main line complete.
SELECT 1;
