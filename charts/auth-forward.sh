#!/usr/bin/env bash
# Reaches auth-service's admin API, which is not on the public ingress, through a
# `kubectl port-forward` to the auth Service. Source it from a script, then:
#   auth_forward            starts the forward and sets AUTH_URL (call auth_forward_stop on exit)
#   auth_admin METHOD PATH [JSON]   calls the admin API with the master key of the toggle-auth
#                           Secret; the key goes to curl on stdin, never on a command line.
# NAMESPACE (default togglemaster) and AUTH_LOCAL_PORT (default: the Service's port) adjust it.
set -euo pipefail

auth_namespace="${NAMESPACE:-togglemaster}"
AUTH_FORWARD_PID=""
AUTH_URL=""

auth_forward() {
  local remote_port local_port
  remote_port="$(kubectl -n "$auth_namespace" get service auth -o 'jsonpath={.spec.ports[0].port}')"
  local_port="${AUTH_LOCAL_PORT:-$remote_port}"
  kubectl -n "$auth_namespace" port-forward service/auth "$local_port:$remote_port" >/dev/null &
  AUTH_FORWARD_PID=$!
  AUTH_URL="http://127.0.0.1:$local_port"
  for _ in $(seq 1 30); do
    if curl -fs -o /dev/null "$AUTH_URL/health"; then return 0; fi
    sleep 1
  done
  echo "auth-service did not answer on $AUTH_URL (kubectl port-forward)" >&2
  return 1
}

auth_forward_stop() {
  if [[ -n "$AUTH_FORWARD_PID" ]]; then kill "$AUTH_FORWARD_PID" 2>/dev/null || true; fi
}

# Decoded value of a key of a Secret in the services' namespace.
auth_secret_value() {
  kubectl -n "$auth_namespace" get secret "$1" -o "jsonpath={.data.$2}" | base64 -d
}

# curl with "Authorization: Bearer <token>" read from stdin, the rest of the arguments as given.
curl_bearer() {
  local token="$1"
  shift
  curl -K - "$@" <<<"header = \"Authorization: Bearer $token\""
}

auth_admin() {
  local method="$1" path="$2" body="${3:-}"
  local args=(-fsS -X "$method" "$AUTH_URL$path")
  if [[ -n "$body" ]]; then args+=(-H 'Content-Type: application/json' -d "$body"); fi
  curl_bearer "$(auth_secret_value toggle-auth MASTER_KEY)" "${args[@]}"
}
