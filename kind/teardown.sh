#!/usr/bin/env bash
# Deletes the KIND cluster toggle-cluster and everything in it.
set -euo pipefail

kind delete cluster --name toggle-cluster
