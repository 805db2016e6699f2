#!/usr/bin/env bash
# From `cdk deploy --all --outputs-file outputs.json` (run in cdk/) to a running ToggleMaster
# on EKS, in one command: the helmfile values from the stack's outputs, kubectl's context,
# the images built and pushed by commit, the Secrets (in LabRole mode; External Secrets
# Operator keeps them otherwise), every release (`helmfile sync`: no helm-diff plugin
# needed), then evaluation's API key. Safe to run again after a change.
# Needs the AWS CLI (logged in), docker buildx, kubectl, helm, helmfile and bun.
# Usage: cdk/scripts/deploy.sh [outputs.json]   (default cdk/outputs.json)
set -euo pipefail
cd "$(dirname "$0")/../.."

deploy_outputs="${1:-cdk/outputs.json}"
values="charts/environments/eks.outputs.yaml"
value() { bun charts/query.ts value "$values" "$1"; }

bun cdk/scripts/helmfile-values.ts "$deploy_outputs" "$values"
aws eks update-kubeconfig --name "$(value cluster.name)" --region "$(value region)"
cdk/scripts/push-images.sh

kubectl create namespace togglemaster --dry-run=client -o yaml | kubectl apply -f -
if [[ "$(value externalSecrets.enabled)" != "true" ]]; then
  bun charts/secrets.ts eks | kubectl apply --server-side -f -
fi

helmfile -e eks sync
charts/register-service-key.sh

host="$(kubectl -n ingress-nginx get service ingress-nginx-controller \
  -o 'jsonpath={.status.loadBalancer.ingress[0].hostname}')"
if [[ -n "$(value tls.certificateArn)" ]]; then
  echo "ToggleMaster is up: point your certificate's host name at $host, then kind/smoke.sh https://<that name>"
else
  echo "ToggleMaster is up on http://$host (plain HTTP: deploy with -c certificateArn=... for TLS)"
fi
