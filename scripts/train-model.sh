#!/usr/bin/env bash
# Trains the Rasa model only when domain.yml, config.yml or data/ changed.
# The model is named after a hash of those files; models/current.tar.gz points at it.
set -euo pipefail
cd "$(dirname "$0")/.."
hash=$(cat domain.yml config.yml $(find data -type f -name '*.yml' | LC_ALL=C sort) | sha256sum | cut -c1-16)
model="models/spie-$hash.tar.gz"
if [[ ! -f "$model" ]]; then
  echo "training Rasa model $model"
  .venv-rasa/bin/rasa train --domain domain.yml --config config.yml --data data \
    --out models --fixed-model-name "spie-$hash" --quiet
fi
ln -sfn "spie-$hash.tar.gz" models/current.tar.gz
echo "model: $model"
