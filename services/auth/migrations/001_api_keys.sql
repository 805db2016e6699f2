CREATE TABLE IF NOT EXISTS api_keys (
  id serial PRIMARY KEY,
  name varchar(100) NOT NULL,
  key_hash varchar(64) UNIQUE NOT NULL,
  is_active boolean DEFAULT true,
  created_at timestamptz DEFAULT now()
);
