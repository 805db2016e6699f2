CREATE TABLE IF NOT EXISTS segments (
  id serial PRIMARY KEY,
  name varchar(100) UNIQUE NOT NULL,
  definition jsonb NOT NULL,
  description text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
