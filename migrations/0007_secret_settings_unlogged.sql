-- The online assistant's key was written to the audit log in clear when it was set
-- (setting.set). A secret has no place in a log anyone at the counter can read: keep the fact
-- that it changed, drop the value.
UPDATE audit_log
   SET detail = '{"assistant_key":"(diubah)"}'
 WHERE action = 'setting.set' AND detail LIKE '{"assistant_key":%';
