#!/usr/bin/env bash
# Builds every service's image for amd64 and arm64, tagged by commit (charts/image-tag.sh),
# pushes it to the stack's ECR repositories unless the tag is there already (ECR tags are
# immutable), and writes the tag to charts/environments/eks.image.yaml, which the releases
# deploy: a new tag rolls the pods.
# Needs charts/environments/eks.outputs.yaml (cdk/scripts/helmfile-values.ts), the AWS CLI
# and docker buildx with a multi-platform builder (`docker buildx create --use`, once).
# Usage: cdk/scripts/push-images.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

outputs="charts/environments/eks.outputs.yaml"
registry="$(bun charts/query.ts value "$outputs" image.registry)"
region="$(bun charts/query.ts value "$outputs" region)"
tag="$(charts/image-tag.sh)"
read -r -a services <<<"$(bun charts/query.ts services)"

aws ecr get-login-password --region "$region" |
  docker login --username AWS --password-stdin "$registry"

for service in "${services[@]}"; do
  repository="toggle-master/$service"
  if aws ecr describe-images --region "$region" --repository-name "$repository" \
    --image-ids "imageTag=$tag" >/dev/null 2>&1; then
    echo "$repository:$tag is in ECR already"
    continue
  fi
  docker buildx build -f Dockerfile.bun --platform linux/amd64,linux/arm64 \
    --build-arg "SERVICE=$service" -t "$registry/$repository:$tag" --push .
done

printf '# Written by cdk/scripts/push-images.sh; do not edit.\nimage:\n  tag: "%s"\n' "$tag" \
  >charts/environments/eks.image.yaml
echo "images tagged $tag"
