-- Flags v2 in the flagd format. NULL variants is a v1 flag: boolean variants on/off.
ALTER TABLE flags
  ADD COLUMN IF NOT EXISTS variants jsonb,
  ADD COLUMN IF NOT EXISTS default_variant varchar(100),
  ADD COLUMN IF NOT EXISTS metadata jsonb NOT NULL DEFAULT '{}';

-- The flag set's own metadata (a flagd document's top-level "metadata"): one row at most.
CREATE TABLE IF NOT EXISTS flag_set (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  metadata jsonb NOT NULL DEFAULT '{}'
);
