-- Two contacts that are one person (a typo made "Pak Budy" beside "Pak Budi") are merged:
-- the duplicate's sales, purchases and kasbon entries are attributed to the one kept, and the
-- duplicate's row stays (its name keeps meaning the kept contact) with `merged_into` set.
ALTER TABLE contacts ADD COLUMN merged_into INTEGER REFERENCES contacts(id);
