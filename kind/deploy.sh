#!/usr/bin/env bash
# Deploys ToggleMaster to the KIND cluster: the Secrets (kept across runs), every release of
# helmfile.yaml for the kind environment, then a registered key for evaluation-service.
# Needs kubectl, helm, helmfile and bun; run kind/create-cluster.sh and kind/build-images.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."

kubectl config use-context kind-toggle-cluster
kubectl create namespace togglemaster --dry-run=client -o yaml | kubectl apply -f -
bun charts/secrets.ts kind | kubectl apply --server-side -f -

helmfile -e kind apply

charts/register-service-key.sh http://localhost
kubectl -n togglemaster get pods,ingress
echo "ToggleMaster is up on http://localhost; try kind/smoke.sh"
