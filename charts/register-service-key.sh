#!/usr/bin/env bash
# Gives evaluation-service a registered API key (SERVICE_API_KEY). When auth-service rejects
# the key evaluation holds, creates one through auth's admin API (by port-forward: /admin is
# not on the public ingress) and stores it where evaluation's Secret comes from: AWS Secrets
# Manager when External Secrets Operator keeps that Secret (EKS default mode; needs the AWS
# CLI), the Secret itself otherwise. Then restarts evaluation. Safe to run again.
# Usage: charts/register-service-key.sh   (kubectl pointed at the cluster)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=charts/auth-forward.sh
source charts/auth-forward.sh

namespace="$auth_namespace"
trap auth_forward_stop EXIT
auth_forward

service_key="$(auth_secret_value toggle-evaluation SERVICE_API_KEY)"
status="$(curl_bearer "$service_key" -s -o /dev/null -w '%{http_code}' "$AUTH_URL/validate" || true)"
case "$status" in
  200)
    echo "evaluation-service key is registered"
    exit 0
    ;;
  401) ;;
  *)
    echo "GET /validate answered $status; is auth-service up?" >&2
    exit 1
    ;;
esac

response="$(auth_admin POST /admin/keys '{"name":"evaluation-service"}')"
new_key="$(grep -o 'tm_key_[0-9a-f]\{64\}' <<<"$response" | head -n 1 || true)"
if [[ -z "$new_key" ]]; then
  echo "auth-service returned no key" >&2
  exit 1
fi

if kubectl -n "$namespace" get externalsecret toggle-evaluation >/dev/null 2>&1; then
  secret_id="$(kubectl -n "$namespace" get externalsecret toggle-evaluation \
    -o 'jsonpath={.spec.data[?(@.secretKey=="serviceApiKey")].remoteRef.key}')"
  region="$(kubectl -n "$namespace" get secretstore aws-secrets-manager \
    -o 'jsonpath={.spec.provider.aws.region}')"
  printf '%s' "$new_key" |
    aws secretsmanager put-secret-value --region "$region" --secret-id "$secret_id" \
      --secret-string file:///dev/stdin >/dev/null
  # The operator rereads Secrets Manager when this annotation changes.
  kubectl -n "$namespace" annotate externalsecret toggle-evaluation "force-sync=$(date +%s)" --overwrite
  for attempt in $(seq 1 30); do
    if [[ "$(auth_secret_value toggle-evaluation SERVICE_API_KEY)" == "$new_key" ]]; then break; fi
    if [[ "$attempt" -eq 30 ]]; then
      echo "the toggle-evaluation Secret did not receive the new key; see kubectl describe externalsecret" >&2
      exit 1
    fi
    sleep 2
  done
else
  kubectl -n "$namespace" patch secret toggle-evaluation --type merge --patch-file /dev/stdin \
    <<<"{\"stringData\":{\"SERVICE_API_KEY\":\"$new_key\"}}"
fi

kubectl -n "$namespace" rollout restart deployment/evaluation
kubectl -n "$namespace" rollout status deployment/evaluation --timeout=180s
echo "registered a new evaluation-service key"
