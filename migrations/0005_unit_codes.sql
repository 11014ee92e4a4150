-- PasarSuara schema v5: a selling unit may carry its own code — the carton's barcode, or
-- the per-unit SKU another POS exported ("MS01-D" for a dus of Mie Sedaap). Scanning or
-- typing it finds the product in that unit. Codes are unique across units; the catalog
-- also refuses a unit code that is another product's SKU or barcode.
ALTER TABLE product_units ADD COLUMN code TEXT COLLATE NOCASE;
CREATE UNIQUE INDEX product_units_code ON product_units(code) WHERE code IS NOT NULL;
