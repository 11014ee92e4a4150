-- PasarSuara schema v1.
-- Money and quantities are canonical decimal strings (rust_decimal), never REAL.
-- Timestamps are UTC RFC 3339 with milliseconds ("2026-11-21T04:36:00.123Z");
-- `local_date` is the shop-local calendar day the entry belongs to (reports bucket by it).
-- A shipped migration is never edited: add a new numbered file instead.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE products (
    id            INTEGER PRIMARY KEY,
    sku           TEXT UNIQUE COLLATE NOCASE,
    barcode       TEXT UNIQUE,
    name          TEXT NOT NULL,
    category      TEXT,
    unit          TEXT NOT NULL,            -- base unit: stock, cost and movements are in it
    price         TEXT NOT NULL,            -- sell price per base unit
    cost          TEXT NOT NULL,            -- moving average cost per base unit
    stock         TEXT NOT NULL DEFAULT '0',-- on-hand; always equals the sum of stock_movements.qty
    reorder_point TEXT NOT NULL DEFAULT '0',
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;
CREATE INDEX products_name ON products(name COLLATE NOCASE);

-- Extra selling/buying units: 1 `unit` = `factor` base units (1 karung = 50 kg).
CREATE TABLE product_units (
    product_id INTEGER NOT NULL REFERENCES products(id),
    unit       TEXT NOT NULL COLLATE NOCASE,
    factor     TEXT NOT NULL,
    price      TEXT,                        -- optional own price for this unit (grosir)
    PRIMARY KEY (product_id, unit)
) STRICT;

CREATE TABLE product_aliases (
    product_id INTEGER NOT NULL REFERENCES products(id),
    alias      TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (product_id, alias)
) STRICT;
CREATE INDEX product_aliases_alias ON product_aliases(alias);

-- Search index: one row per product, kept in step by the catalog module.
CREATE VIRTUAL TABLE product_search USING fts5(
    text, tokenize = 'trigram remove_diacritics 1'
);
-- Every distinct word of names/aliases, for spelling correction ("minyk" -> "minyak").
-- A small vocabulary: typo lookups search it instead of the whole catalog.
CREATE TABLE search_words (word TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
CREATE VIRTUAL TABLE search_words_fts USING fts5(
    word, tokenize = 'trigram remove_diacritics 1'
);

CREATE TABLE contacts (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('customer', 'supplier', 'both')),
    phone      TEXT,
    note       TEXT,
    balance    TEXT NOT NULL DEFAULT '0',   -- >0 the contact owes the shop; <0 the shop owes them
    last_activity TEXT,
    created_at TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX contacts_name ON contacts(name COLLATE NOCASE);

-- Sales and their reversals (void/return) share one table: a reversal is a row
-- with kind 'void' or 'return', negative amounts and `reverses` pointing at the sale.
CREATE TABLE sales (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('sale', 'void', 'return')),
    reverses    INTEGER REFERENCES sales(id),
    occurred_at TEXT NOT NULL,
    local_date  TEXT NOT NULL,
    contact_id  INTEGER REFERENCES contacts(id),
    payment     TEXT NOT NULL CHECK (payment IN ('cash', 'qris', 'transfer', 'kasbon')),
    subtotal    TEXT NOT NULL,
    discount    TEXT NOT NULL,
    total       TEXT NOT NULL,
    cogs        TEXT NOT NULL,
    tendered    TEXT,
    change      TEXT NOT NULL DEFAULT '0',
    note        TEXT,
    actor       TEXT NOT NULL
) STRICT;
CREATE INDEX sales_local_date ON sales(local_date);
CREATE INDEX sales_reverses ON sales(reverses) WHERE reverses IS NOT NULL;

CREATE TABLE sale_lines (
    id         INTEGER PRIMARY KEY,
    sale_id    INTEGER NOT NULL REFERENCES sales(id),
    product_id INTEGER NOT NULL REFERENCES products(id),
    reverses_line INTEGER REFERENCES sale_lines(id),
    qty        TEXT NOT NULL,               -- in `unit`
    unit       TEXT NOT NULL,
    qty_base   TEXT NOT NULL,               -- in the product's base unit
    price      TEXT NOT NULL,               -- per `unit`
    discount   TEXT NOT NULL,
    total      TEXT NOT NULL,               -- qty * price - discount, rounded to the rupiah
    cogs       TEXT NOT NULL                -- qty_base * average cost at sale time, rounded
) STRICT;
CREATE INDEX sale_lines_sale ON sale_lines(sale_id);
CREATE INDEX sale_lines_reverses ON sale_lines(reverses_line) WHERE reverses_line IS NOT NULL;

CREATE TABLE purchases (
    id          INTEGER PRIMARY KEY,
    occurred_at TEXT NOT NULL,
    local_date  TEXT NOT NULL,
    contact_id  INTEGER REFERENCES contacts(id),
    payment     TEXT NOT NULL CHECK (payment IN ('cash', 'qris', 'transfer', 'kasbon')),
    total       TEXT NOT NULL,
    note        TEXT,
    actor       TEXT NOT NULL
) STRICT;
CREATE INDEX purchases_local_date ON purchases(local_date);

CREATE TABLE purchase_lines (
    id          INTEGER PRIMARY KEY,
    purchase_id INTEGER NOT NULL REFERENCES purchases(id),
    product_id  INTEGER NOT NULL REFERENCES products(id),
    qty         TEXT NOT NULL,
    unit        TEXT NOT NULL,
    qty_base    TEXT NOT NULL,
    unit_cost   TEXT NOT NULL,              -- per `unit`
    total       TEXT NOT NULL
) STRICT;
CREATE INDEX purchase_lines_purchase ON purchase_lines(purchase_id);

CREATE TABLE expenses (
    id          INTEGER PRIMARY KEY,
    occurred_at TEXT NOT NULL,
    local_date  TEXT NOT NULL,
    category    TEXT NOT NULL CHECK (category IN
                ('utilities', 'rent', 'salary', 'transport', 'supplies', 'fees', 'other')),
    amount      TEXT NOT NULL,
    payment     TEXT NOT NULL CHECK (payment IN ('cash', 'qris', 'transfer')),
    note        TEXT,
    actor       TEXT NOT NULL
) STRICT;
CREATE INDEX expenses_local_date ON expenses(local_date);

-- Kasbon / debts: one signed ledger per contact. amount > 0 raises what the contact owes
-- the shop; amount < 0 lowers it (or records what the shop owes a supplier).
CREATE TABLE debt_entries (
    id          INTEGER PRIMARY KEY,
    contact_id  INTEGER NOT NULL REFERENCES contacts(id),
    kind        TEXT NOT NULL CHECK (kind IN
                ('kasbon', 'payment', 'supplier_credit', 'supplier_payment', 'reversal')),
    amount      TEXT NOT NULL,
    cash_flow   TEXT NOT NULL DEFAULT '0',  -- money into (+) or out of (-) the till
    occurred_at TEXT NOT NULL,
    local_date  TEXT NOT NULL,
    sale_id     INTEGER REFERENCES sales(id),
    purchase_id INTEGER REFERENCES purchases(id),
    note        TEXT,
    actor       TEXT NOT NULL
) STRICT;
CREATE INDEX debt_entries_contact ON debt_entries(contact_id);
CREATE INDEX debt_entries_local_date ON debt_entries(local_date);

CREATE TABLE stock_counts (
    id          INTEGER PRIMARY KEY,
    product_id  INTEGER NOT NULL REFERENCES products(id),
    counted     TEXT NOT NULL,
    expected    TEXT NOT NULL,              -- ledger stock at `counted_at`
    difference  TEXT NOT NULL,
    counted_at  TEXT NOT NULL,
    posted_at   TEXT NOT NULL,
    note        TEXT,
    actor       TEXT NOT NULL
) STRICT;

-- The stock ledger. Append-only: rows are never updated or deleted.
CREATE TABLE stock_movements (
    id          INTEGER PRIMARY KEY,
    product_id  INTEGER NOT NULL REFERENCES products(id),
    kind        TEXT NOT NULL CHECK (kind IN
                ('sale', 'purchase', 'adjustment', 'opname', 'import', 'return', 'void', 'initial')),
    qty         TEXT NOT NULL,              -- signed, base unit
    stock_after TEXT NOT NULL,
    doc_type    TEXT NOT NULL,
    doc_id      INTEGER NOT NULL,
    occurred_at TEXT NOT NULL
) STRICT;
CREATE INDEX stock_movements_product ON stock_movements(product_id, id);

-- Per-day sales aggregates, maintained in the same transaction as every sale and
-- reversal so that period reports read ~31 rows instead of every sale.
CREATE TABLE daily_sales (
    local_date  TEXT PRIMARY KEY,
    revenue     TEXT NOT NULL,
    cogs        TEXT NOT NULL,
    discount    TEXT NOT NULL,
    sales_count INTEGER NOT NULL,
    reversal_count INTEGER NOT NULL,
    paid_in     TEXT NOT NULL,              -- non-kasbon sale money received
    refunded    TEXT NOT NULL,              -- non-kasbon money paid back on reversals
    cash_sales  TEXT NOT NULL               -- the part of paid_in - refunded paid in cash
) STRICT, WITHOUT ROWID;

CREATE TABLE daily_product_sales (
    local_date TEXT NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products(id),
    qty_base   TEXT NOT NULL,
    revenue    TEXT NOT NULL,
    cogs       TEXT NOT NULL,
    PRIMARY KEY (local_date, product_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id INTEGER,
    detail    TEXT NOT NULL                 -- JSON
) STRICT;
