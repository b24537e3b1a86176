-- sqlite3 CLI workload for scripts/hardening: WAL journal, transactions,
-- an index, updates, deletes, VACUUM and an integrity check.  Deterministic output.
PRAGMA journal_mode=WAL;
PRAGMA synchronous=FULL;
CREATE TABLE kv(k INTEGER PRIMARY KEY, v TEXT, n INTEGER);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000)
  INSERT INTO kv SELECT x, printf('value-%08d-%s', x, hex(x * 7919)), x % 97 FROM c;
CREATE INDEX kv_n ON kv(n);
BEGIN;
UPDATE kv SET v = v || '-updated' WHERE n < 10;
DELETE FROM kv WHERE k % 13 = 0;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SELECT count(*), sum(n), min(k), max(k) FROM kv;
SELECT n, count(*) FROM kv GROUP BY n ORDER BY n LIMIT 5;
CREATE TABLE copy AS SELECT * FROM kv WHERE n BETWEEN 20 AND 40;
DROP TABLE kv;
VACUUM;
PRAGMA integrity_check;
SELECT count(*), sum(length(v)) FROM copy;
