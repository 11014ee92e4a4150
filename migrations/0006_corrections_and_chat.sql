-- PasarSuara schema v6: corrections and the chat.
--
-- A purchase, an expense or a kasbon entry typed by mistake is corrected by a reversing row
-- (negative amounts, `reverses` pointing at the original), never by a delete or an update.
-- A reversal carries the original's date, so the period's books read as if the mistake had
-- never been booked; the audit log keeps when the correction was made. Each entry can be
-- reversed once (unique index).
ALTER TABLE purchases ADD COLUMN reverses INTEGER REFERENCES purchases(id);
CREATE UNIQUE INDEX purchases_reverses ON purchases(reverses) WHERE reverses IS NOT NULL;
ALTER TABLE expenses ADD COLUMN reverses INTEGER REFERENCES expenses(id);
CREATE UNIQUE INDEX expenses_reverses ON expenses(reverses) WHERE reverses IS NOT NULL;
ALTER TABLE debt_entries ADD COLUMN reverses INTEGER REFERENCES debt_entries(id);
CREATE UNIQUE INDEX debt_entries_reverses ON debt_entries(reverses) WHERE reverses IS NOT NULL;

-- Conversations with the shop's agents (the Chat screen, `pasar chat`, later WhatsApp).
-- `pending` holds, as JSON, what the agent asked about and waits to hear back on.
CREATE TABLE conversations (
    id         TEXT PRIMARY KEY,
    pending    TEXT,
    updated_at TEXT NOT NULL
) STRICT;

-- Every message of a conversation, both ways. A message that wrote to the books names what
-- it wrote (`doc_type`, `doc_id`) and how to take it back (`undo`, JSON); `undone_by` points
-- at the message that took it back.
CREATE TABLE chat_messages (
    id           INTEGER PRIMARY KEY,
    conversation TEXT NOT NULL REFERENCES conversations(id),
    at           TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('user', 'shop')),
    text         TEXT NOT NULL,
    intent       TEXT,
    status       TEXT,
    doc_type     TEXT,
    doc_id       INTEGER,
    undo         TEXT,
    undone_by    INTEGER REFERENCES chat_messages(id)
) STRICT;
CREATE INDEX chat_messages_conversation ON chat_messages(conversation, id);
