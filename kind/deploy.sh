#!/usr/bin/env bash
# Deploys ToggleMaster to the KIND cluster in one command: the cluster (unless it exists),
# the images tagged by commit, the Secrets (kept across runs), every release of helmfile.yaml
# for the kind environment (`helmfile sync`: no helm-diff plugin needed), then a registered
# key for evaluation-service. Run it again after a change: only what changed rolls.
# Needs Docker (with buildx), kind, kubectl, helm, helmfile and bun.
set -euo pipefail
cd "$(dirname "$0")/.."

kind/create-cluster.sh
kind/build-images.sh

kubectl config use-context kind-toggle-cluster
kubectl create namespace togglemaster --dry-run=client -o yaml | kubectl apply -f -
bun charts/secrets.ts kind | kubectl apply --server-side -f -

helmfile -e kind sync

charts/register-service-key.sh
kubectl -n togglemaster get pods,ingress
echo "ToggleMaster is up on http://localhost; try kind/smoke.sh"
