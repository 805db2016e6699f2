#!/usr/bin/env bash
# End-to-end check through the ingress: creates an API key (through auth's admin API by
# port-forward, as operators do), a flag and a rule, evaluates the flag through the public
# URL, checks that /admin is not public, then deletes what it created.
# Usage: kind/smoke.sh [public base URL]   (default http://localhost; on EKS the load
#        balancer's URL, https:// with the certificate's host name when TLS is on)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=charts/auth-forward.sh
source charts/auth-forward.sh

base_url="${1:-http://localhost}"
flag="smoke-$(date +%s)"
api_key=""
key_id=""

cleanup() {
  if [[ -n "$api_key" ]]; then
    curl_bearer "$api_key" -fsS -X DELETE "$base_url/rules/$flag" >/dev/null 2>&1 || true
    curl_bearer "$api_key" -fsS -X DELETE "$base_url/flags/$flag" >/dev/null 2>&1 || true
  fi
  if [[ -n "$key_id" ]]; then auth_admin DELETE "/admin/keys/$key_id" >/dev/null 2>&1 || true; fi
  auth_forward_stop
}
trap cleanup EXIT
auth_forward

echo "creating an API key"
created="$(auth_admin POST /admin/keys '{"name":"smoke-test"}')"
api_key="$(grep -o 'tm_key_[0-9a-f]\{64\}' <<<"$created" | head -n 1 || true)"
key_id="$(grep -o '"id": *[0-9]*' <<<"$created" | grep -o '[0-9]*$' || true)"
if [[ -z "$api_key" ]]; then
  echo "auth-service returned no key" >&2
  exit 1
fi

echo "checking that /admin is not reachable through $base_url"
public_admin="$(curl_bearer "$(auth_secret_value toggle-auth MASTER_KEY)" -s -o /dev/null \
  -w '%{http_code}' -X POST "$base_url/admin/keys" -d '{"name":"must-not-exist"}' || true)"
if [[ "$public_admin" == "201" ]]; then
  echo "POST $base_url/admin/keys created a key: the admin API is public" >&2
  exit 1
fi

request() {
  local method="$1" path="$2" body="$3"
  curl_bearer "$api_key" -fsS -X "$method" "$base_url$path" \
    -H 'Content-Type: application/json' -d "$body" >/dev/null
}

echo "creating flag $flag with a rule for user smoke-user"
request POST /flags "{\"name\":\"$flag\",\"is_enabled\":true}"
request POST /rules \
  "{\"flag_name\":\"$flag\",\"rules\":{\"type\":\"USER_LIST\",\"values\":[\"smoke-user\"]}}"

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
