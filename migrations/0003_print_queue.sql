-- PasarSuara schema v3: a durable print queue and the shop's receipt logo.
--
-- A print job is written after its sale has committed and holds the exact bytes to send
-- (ESC/POS), so a reprint or a retry after a restart prints what the first attempt would
-- have. Jobs are not books: they are never part of a report and may be pruned.

CREATE TABLE print_jobs (
    id              INTEGER PRIMARY KEY,
    created_at      TEXT NOT NULL,
    queued_at       TEXT NOT NULL,              -- last (re)queue: retries give up from here
    document        TEXT NOT NULL CHECK (document IN ('receipt', 'test')),
    sale_id         INTEGER REFERENCES sales(id),
    printer         TEXT NOT NULL,
    payload         BLOB NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'printed', 'failed', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,                       -- an error code (printer_unreachable, ...)
    printed_at      TEXT,
    actor           TEXT NOT NULL
) STRICT;
CREATE INDEX print_jobs_due ON print_jobs(status, next_attempt_at);
CREATE INDEX print_jobs_sale ON print_jobs(sale_id) WHERE sale_id IS NOT NULL;

-- Small binary files that belong to the shop (the receipt logo). Kept in the database so a
-- backup or a copy of the file takes them along.
CREATE TABLE shop_assets (
    name       TEXT PRIMARY KEY,
    data       BLOB NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
