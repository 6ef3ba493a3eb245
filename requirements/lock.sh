#!/usr/bin/env bash
# Regenerates the hashed lock files from the *.in files with the pip-tools of the project venv
# (requirements/dev.in): PATH=.venv/bin:$PATH requirements/lock.sh. Run it with the oldest
# Python the project supports, Debian 12's 3.11.2 (some releases need 3.11.5+).
# serve.txt and train.txt are constrained by dev.txt, so every environment agrees on versions.
set -euo pipefail
cd "$(dirname "$0")"
export PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= PIP_CONSTRAINT=
opts=(-q --strip-extras --allow-unsafe --generate-hashes --no-emit-index-url --no-emit-find-links)
pip-compile "${opts[@]}" -o dev.txt dev.in
pip-compile "${opts[@]}" -c dev.txt -o train.txt train.in
pip-compile "${opts[@]}" -c dev.txt -o serve.txt serve.in
pip-compile "${opts[@]}" -o checkov.txt checkov.in
pip-compile "${opts[@]}" -o iam-analysers.txt iam-analysers.in
