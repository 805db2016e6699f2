#!/usr/bin/env bash
# Gives evaluation-service a registered API key (SERVICE_API_KEY). When auth-service rejects
# the key in the toggle-evaluation Secret, creates one with POST /admin/keys, stores it and
# restarts evaluation. Safe to run again.
# Usage: charts/register-service-key.sh <ingress base URL>
#   KIND: charts/register-service-key.sh http://localhost
#   EKS:  charts/register-service-key.sh "http://$(kubectl -n ingress-nginx get service \
#           ingress-nginx-controller -o jsonpath='{.status.loadBalancer.ingress[0].hostname}')"
set -euo pipefail

base_url="${1:?usage: $0 <ingress base URL>}"
namespace="${NAMESPACE:-togglemaster}"

secret_value() {
  kubectl -n "$namespace" get secret "$1" -o "jsonpath={.data.$2}" | base64 -d
}

service_key="$(secret_value toggle-evaluation SERVICE_API_KEY)"
status="$(curl -s -o /dev/null -w '%{http_code}' \
  -H "Authorization: Bearer $service_key" "$base_url/validate" || true)"
case "$status" in
  200)
    echo "evaluation-service key is registered"
    exit 0
    ;;
  401) ;;
  *)
    echo "GET $base_url/validate answered $status; is auth-service up?" >&2
    exit 1
    ;;
esac

master_key="$(secret_value toggle-auth MASTER_KEY)"
response="$(curl -fsS -X POST "$base_url/admin/keys" \
  -H "Authorization: Bearer $master_key" -H 'Content-Type: application/json' \
  -d '{"name":"evaluation-service"}')"
new_key="$(grep -o 'tm_key_[0-9a-f]\{64\}' <<<"$response" | head -n 1 || true)"
if [[ -z "$new_key" ]]; then
  echo "auth-service returned no key: $response" >&2
  exit 1
fi

kubectl -n "$namespace" patch secret toggle-evaluation --type merge \
  -p "{\"stringData\":{\"SERVICE_API_KEY\":\"$new_key\"}}"
kubectl -n "$namespace" rollout restart deployment/evaluation
kubectl -n "$namespace" rollout status deployment/evaluation --timeout=180s
echo "registered a new evaluation-service key"
