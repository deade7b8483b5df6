#!/usr/bin/env bash
# Every file a Dockerfile COPYs from the build must exist after `mvn package`: the images
# cannot be built here (no Docker engine), so CI checks at least what they are made of.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=0
for dockerfile in job-images/*/Dockerfile; do
  while read -r source; do
    if [[ ! -e "$source" ]] || [[ -d "$source" && -z "$(ls -A "$source")" ]]; then
      echo "$dockerfile: COPY source $source is missing or empty (run mvn -B -DskipTests package)" >&2
      missing=1
    fi
  done < <(awk '/^COPY / && !/--from/ {for (i = 2; i < NF; i++) print $i}' "$dockerfile")
done
[[ $missing == 0 ]] && echo "image inputs present: $(ls job-images/*/Dockerfile | tr '\n' ' ')"
exit $missing
