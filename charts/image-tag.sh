#!/usr/bin/env bash
# Prints the tag the images of the working tree are built and deployed under: the commit's
# 12-character hash, plus "-dirty-<hash of the changes>" when files differ from the commit,
# so a changed tree never reuses a tag (tags are immutable in ECR and never re-pulled).
# Usage: charts/image-tag.sh
set -euo pipefail
cd "$(dirname "$0")/.."

tag="$(git rev-parse HEAD | cut -c1-12)"
changes="$(
  git diff HEAD --binary
  git ls-files --others --exclude-standard -z | xargs -0 -r sha256sum
)"
if [[ -n "$changes" ]]; then
  tag="$tag-dirty-$(sha256sum <<<"$changes" | cut -c1-12)"
fi
echo "$tag"
