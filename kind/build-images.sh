#!/usr/bin/env bash
# Builds toggle-master/<service>:dev for each service from Dockerfile.bun and loads the
# images into the KIND nodes (the releases never pull them on KIND).
# Usage: kind/build-images.sh [service...]   (default: all five)
set -euo pipefail
cd "$(dirname "$0")/.."

cluster="toggle-cluster"
services=("$@")
if [[ ${#services[@]} -eq 0 ]]; then
  services=(auth flag targeting evaluation analytics)
fi

for service in "${services[@]}"; do
  image="toggle-master/$service:dev"
  echo "building $image"
  docker buildx build -f Dockerfile.bun --build-arg "SERVICE=$service" -t "$image" --load .
  kind load docker-image "$image" --name "$cluster"
done
