-- PasarSuara schema v4: stock lists imported. Each import that changed something is one row;
-- the stock movements it made (kind 'initial' for new products, 'import' for changed figures)
-- point at it with doc_type 'import'.
CREATE TABLE imports (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    file      TEXT NOT NULL,      -- the file's name as chosen (no folder)
    sheet     TEXT NOT NULL,
    inserted  INTEGER NOT NULL,
    updated   INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    skipped   INTEGER NOT NULL,
    errors    INTEGER NOT NULL
) STRICT;
