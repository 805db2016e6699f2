#!/usr/bin/env bash
# End-to-end check through the ingress on localhost: creates an API key, a flag and a
# rule, evaluates the flag, then deletes what it created.
# Usage: kind/smoke.sh [base URL]   (default http://localhost)
set -euo pipefail

base_url="${1:-http://localhost}"
flag="smoke-$(date +%s)"

master_key="$(kubectl -n togglemaster get secret toggle-auth -o 'jsonpath={.data.MASTER_KEY}' | base64 -d)"

request() {
  local method="$1" path="$2" token="$3" body="${4:-}"
  local args=(-fsS -X "$method" "$base_url$path" -H "Authorization: Bearer $token")
  if [[ -n "$body" ]]; then
    args+=(-H 'Content-Type: application/json' -d "$body")
  fi
  curl "${args[@]}"
}

echo "creating an API key"
created="$(request POST /admin/keys "$master_key" '{"name":"smoke-test"}')"
api_key="$(grep -o 'tm_key_[0-9a-f]\{64\}' <<<"$created" | head -n 1 || true)"
if [[ -z "$api_key" ]]; then
  echo "no key in: $created" >&2
  exit 1
fi

cleanup() {
  request DELETE "/rules/$flag" "$api_key" >/dev/null 2>&1 || true
  request DELETE "/flags/$flag" "$api_key" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "creating flag $flag with a rule for user smoke-user"
request POST /flags "$api_key" "{\"name\":\"$flag\",\"is_enabled\":true}" >/dev/null
request POST /rules "$api_key" \
  "{\"flag_name\":\"$flag\",\"rules\":{\"type\":\"USER_LIST\",\"values\":[\"smoke-user\"]}}" >/dev/null

evaluate() {
  curl -fsS "$base_url/evaluate?user_id=$1&flag_name=$flag"
}

# Changes are visible at once, but give a fresh rollout a moment to settle.
for attempt in 1 2 3 4 5; do
  listed="$(evaluate smoke-user)"
  other="$(evaluate someone-else)"
  if grep -Eq '"result": ?true' <<<"$listed" && grep -Eq '"result": ?false' <<<"$other"; then
    echo "evaluate: $listed"
    echo "evaluate: $other"
    echo "smoke test passed"
    exit 0
  fi
  echo "attempt $attempt: $listed / $other"
  sleep 2
done
echo "smoke test failed" >&2
exit 1
