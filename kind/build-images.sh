#!/usr/bin/env bash
# Builds toggle-master/<service>:<tag> for every service from Dockerfile.bun, where the tag
# names the commit (charts/image-tag.sh), loads the images into the KIND nodes (the releases
# never pull them) and writes the tag to charts/environments/kind.image.yaml, which the
# releases deploy: a new tag rolls the pods.
# Usage: kind/build-images.sh
set -euo pipefail
cd "$(dirname "$0")/.."

cluster="toggle-cluster"
tag="$(charts/image-tag.sh)"
read -r -a services <<<"$(bun charts/query.ts services)"

for service in "${services[@]}"; do
  image="toggle-master/$service:$tag"
  echo "building $image"
  docker buildx build -f Dockerfile.bun --build-arg "SERVICE=$service" -t "$image" --load .
  kind load docker-image "$image" --name "$cluster"
done

printf '# Written by kind/build-images.sh; do not edit.\nimage:\n  tag: "%s"\n' "$tag" \
  >charts/environments/kind.image.yaml
echo "images tagged $tag"
