-- PasarSuara schema v2: the stock ledger keeps a chain per product instead of an index.
-- Each movement points at the product's previous movement, and the product at its latest.
-- History and "movements since the count" walk the chain from the newest movement back;
-- a sale no longer writes five scattered leaves of a (product_id, id) index. The links are
-- plain integers, not foreign keys: `verify_stock` checks the whole chain, and a foreign-key
-- lookup per movement would cost the sale path what the index did.

ALTER TABLE stock_movements ADD COLUMN prev_id INTEGER;       -- the product's previous movement
ALTER TABLE products ADD COLUMN last_movement INTEGER;        -- the product's newest movement

UPDATE stock_movements SET prev_id = (
    SELECT max(m.id) FROM stock_movements m
    WHERE m.product_id = stock_movements.product_id AND m.id < stock_movements.id
);
UPDATE products SET last_movement = (
    SELECT max(m.id) FROM stock_movements m WHERE m.product_id = products.id
);

DROP INDEX stock_movements_product;
