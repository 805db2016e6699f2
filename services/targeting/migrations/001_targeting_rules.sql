CREATE TABLE IF NOT EXISTS targeting_rules (
  id serial PRIMARY KEY,
  flag_name varchar(100) UNIQUE NOT NULL,
  is_enabled boolean NOT NULL DEFAULT true,
  rules jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
