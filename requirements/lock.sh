#!/usr/bin/env bash
# Regenerates the hashed lock files from the *.in files (needs pip-tools; run from the repo root).
# serve.txt and train.txt are constrained by dev.txt, so every environment agrees on versions.
set -euo pipefail
cd "$(dirname "$0")"
export PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= PIP_CONSTRAINT=
opts=(-q --strip-extras --allow-unsafe --generate-hashes --no-emit-index-url --no-emit-find-links)
pip-compile "${opts[@]}" -o dev.txt dev.in
pip-compile "${opts[@]}" -c dev.txt -o train.txt train.in
pip-compile "${opts[@]}" -c dev.txt -o serve.txt serve.in
pip-compile "${opts[@]}" -o checkov.txt checkov.in
