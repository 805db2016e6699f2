-- Keys are created and revoked with the master key, which is not an API key and has no id:
-- its entries name it with a null key_id.
ALTER TABLE audit_log ALTER COLUMN key_id DROP NOT NULL;
