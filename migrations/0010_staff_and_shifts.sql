-- Staff with roles and PINs, and cashier shifts with the cash drawer.
--
-- A shop without staff rows runs as its owner (one person, no PIN). Once staff exist the
-- window asks who is at the counter; a cashier cannot void, correct, change the catalog,
-- stock or settings, see cost and profit, or give more than the shop's limit off a price
-- without an owner's PIN. PINs are stored salted and hashed, never in clear.
CREATE TABLE staff (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('owner', 'cashier')),
    pin_hash   TEXT NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX staff_name ON staff(name COLLATE NOCASE);

-- A shift: the cash put in the drawer when it opens, the cash counted when it closes, and
-- what the books say should be there (recorded when it closes, with the difference).
CREATE TABLE shifts (
    id            INTEGER PRIMARY KEY,
    staff         TEXT NOT NULL,
    opened_at     TEXT NOT NULL,
    local_date    TEXT NOT NULL,
    opening_float TEXT NOT NULL,
    closed_at     TEXT,
    closed_by     TEXT,
    counted       TEXT,
    expected      TEXT,
    difference    TEXT,
    note          TEXT
) STRICT;
-- One drawer: at most one open shift.
CREATE UNIQUE INDEX shifts_one_open ON shifts((closed_at IS NULL)) WHERE closed_at IS NULL;
CREATE INDEX shifts_local_date ON shifts(local_date);

-- Cash put into or taken out of the drawer that is not a sale, a purchase or an expense
-- (change brought from the bank, cash taken home, a supplier paid from the drawer).
CREATE TABLE cash_moves (
    id          INTEGER PRIMARY KEY,
    shift_id    INTEGER NOT NULL REFERENCES shifts(id),
    occurred_at TEXT NOT NULL,
    local_date  TEXT NOT NULL,
    amount      TEXT NOT NULL,          -- > 0 into the drawer, < 0 out of it
    note        TEXT NOT NULL,
    actor       TEXT NOT NULL
) STRICT;
CREATE INDEX cash_moves_shift ON cash_moves(shift_id);
