CREATE TABLE IF NOT EXISTS flags (
  id serial PRIMARY KEY,
  name varchar(100) UNIQUE NOT NULL,
  description text,
  is_enabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
