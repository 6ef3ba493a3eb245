#!/usr/bin/env bash
# Regenerates the hashed lock files from the *.in files with the pip-tools of the project venv
# (requirements/dev.in, .venv/bin comes first on PATH): requirements/lock.sh. Run it with the oldest
# Python the project supports, Debian 12's 3.11.2 (some releases need 3.11.5+).
# dev.in = deploy.in + the test tools. deploy.txt, train.txt and serve.txt are constrained by dev.txt,
# so every environment agrees on versions (and the deploy's venv is a subset of the test venv).
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$PWD/../.venv/bin:$PATH"
export PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= PIP_CONSTRAINT=
opts=(-q --strip-extras --allow-unsafe --generate-hashes --no-emit-index-url --no-emit-find-links)
pip-compile "${opts[@]}" -o dev.txt dev.in
pip-compile "${opts[@]}" -c dev.txt -o deploy.txt deploy.in
pip-compile "${opts[@]}" -c dev.txt -o train.txt train.in
pip-compile "${opts[@]}" -c dev.txt -o serve.txt serve.in
pip-compile "${opts[@]}" -o checkov.txt checkov.in
pip-compile "${opts[@]}" -o iam-analysers.txt iam-analysers.in
