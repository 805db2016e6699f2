CREATE TABLE IF NOT EXISTS targeting_rules (
  id serial PRIMARY KEY,
  flag_name varchar(100) UNIQUE NOT NULL,
  is_enabled boolean NOT NULL DEFAULT true,
  rules jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- updated_at is kept by the database so every writer maintains it.
CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS targeting_rules_touch_updated_at ON targeting_rules;
CREATE TRIGGER targeting_rules_touch_updated_at BEFORE UPDATE ON targeting_rules
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
