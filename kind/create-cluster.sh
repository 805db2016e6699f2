#!/usr/bin/env bash
# Creates the KIND cluster toggle-cluster (kind/kind-cluster.yaml) unless it exists.
set -euo pipefail
cd "$(dirname "$0")"

cluster="toggle-cluster"
if kind get clusters | grep -qx "$cluster"; then
  echo "cluster $cluster already exists"
else
  kind create cluster --config kind-cluster.yaml --wait 120s
fi
kubectl config use-context "kind-$cluster"
kubectl get nodes -L topology.kubernetes.io/zone,ingress-ready
