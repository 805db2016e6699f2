CREATE TABLE IF NOT EXISTS flags (
  id serial PRIMARY KEY,
  name varchar(100) UNIQUE NOT NULL,
  description text,
  is_enabled boolean NOT NULL DEFAULT false,
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

DROP TRIGGER IF EXISTS flags_touch_updated_at ON flags;
CREATE TRIGGER flags_touch_updated_at BEFORE UPDATE ON flags
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
