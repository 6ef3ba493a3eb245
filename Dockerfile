# The banknote classifier service: gunicorn + Flask + numpy, carrying the serving artifact.
#
# Build (no network needed; the wheels come from wheelhouse/, see scripts/wheelhouse.sh):
#   docker build --network none \
#     --build-arg BASE_IMAGE=banknote/python-base:3.11-bookworm \
#     --build-arg GIT_REVISION="$(git rev-parse HEAD)" \
#     --build-arg MODEL_SHA256="$(sha256sum build/model/serving/model.json | cut -d' ' -f1)" \
#     -t banknote:dev .
# scripts/build-image.sh does all of that (base image, wheelhouse, labels) in one command.
#
# Build args:
#   BASE_IMAGE    any Debian bookworm image with python3.11 + venv; the default is the official slim
#                 image, scripts/build-base-image.sh makes an equivalent one where no registry is reachable.
#   MODEL_DIR     the serving artifact inside the build context (`python -m training --out build/model`
#                 writes build/model/serving). It is copied to /opt/model.
#   GIT_REVISION  source commit, recorded in the org.opencontainers.image.revision label.
#   SOURCE_URL    repository URL, recorded in the org.opencontainers.image.source label.
#   MODEL_SHA256  sha256 of MODEL_DIR/model.json, recorded in the io.banknote.model.sha256 label.
#                 model.json pins the arrays file by its own sha256, so this one digest names the
#                 whole artifact. No creation date label: identical inputs give identical labels.
#
# Run: read-only root, any non-root user, no capabilities:
#   docker run --read-only --cap-drop ALL --security-opt no-new-privileges -p 127.0.0.1:8080:8080 banknote:dev
# Serve another artifact without rebuilding: mount a serving directory over /opt/model
#   docker run ... -v /path/to/DIR/serving:/opt/model:ro banknote:dev
# (or mount it elsewhere and set -e MODEL_DIR=/that/path). A missing or corrupt artifact stops
# the container at start with one message naming the problem.

ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS builder
# The venv is made with the base's own python3 (/usr/bin on the debootstrap base, /usr/local/bin
# on python:slim); the final stage uses the same BASE_IMAGE, so the venv's interpreter link resolves.
RUN python3 -m venv /opt/venv
COPY requirements/serve.txt /tmp/serve.txt
COPY wheelhouse/ /wheelhouse/
# Wheels only, by hash, from the build context: the build works with --network none.
RUN /opt/venv/bin/python -m pip install --no-cache-dir --no-index --find-links /wheelhouse \
      --require-hashes -r /tmp/serve.txt \
 && /opt/venv/bin/python -m pip uninstall --yes --quiet pip setuptools \
 && find /opt/venv -depth -type d \( -name tests -o -name __pycache__ \) -exec rm -rf {} + \
 && rm -rf /opt/venv/lib/python3.11/site-packages/numpy/_pyinstaller
COPY app/ /opt/banknote/app/
# Pre-compiled bytecode: the read-only container cannot write .pyc files, and compiling at every
# start would slow it. unchecked-hash: valid regardless of file timestamps, and the image never changes.
RUN python3 -m compileall -q -j 0 --invalidation-mode unchecked-hash /opt/venv /opt/banknote/app

FROM ${BASE_IMAGE}
# The bases ship the standard library without bytecode (Debian's is compiled at install time and
# trimmed from our base; python:slim deletes it): compile it once here, or every start on the
# read-only root recompiles what it imports (~0.3 s of the ~1 s start). Unused parts are skipped.
RUN python3 -m compileall -q -j 0 --invalidation-mode unchecked-hash \
      -x '/(site-packages|dist-packages|test|tests|idlelib|tkinter|turtledemo|lib2to3|ensurepip|pydoc_data)/' \
      "$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')"

COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /opt/banknote /opt/banknote
# Build args are declared where first used: a RUN after an ARG is rebuilt whenever its value changes.
ARG MODEL_DIR=build/model/serving
COPY ${MODEL_DIR}/ /opt/model/
ARG GIT_REVISION=unknown
ARG MODEL_SHA256=unknown
ARG SOURCE_URL=unknown
LABEL org.opencontainers.image.title="banknote" \
      org.opencontainers.image.description="Bank-note authentication classifier (random forest) over HTTP" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.revision="${GIT_REVISION}" \
      io.banknote.model.sha256="${MODEL_SHA256}"

# PYTHONDONTWRITEBYTECODE: the root fs is read-only in production; bytecode is baked in above.
# PROMETHEUS_MULTIPROC_DIR: every worker's /metrics counts, as files on the /dev/shm tmpfs; one fixed
# directory, which app/gunicorn.conf.py empties at each start.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MODEL_DIR=/opt/model \
    PROMETHEUS_MULTIPROC_DIR=/dev/shm/banknote-metrics

WORKDIR /opt/banknote
# Numeric, so Kubernetes' runAsNonRoot can verify it without a passwd entry; owns no file in the image.
USER 10001:10001
EXPOSE 8080
# No curl in the image: Python's urllib (non-2xx raises, so the check fails). Follows PORT if it is set.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request as r; r.urlopen('http://127.0.0.1:%s/v2/health/ready' % os.environ.get('PORT', '8080'), timeout=2)"]
# --no-control-socket: gunicorn's runtime control socket would go to $HOME/.gunicorn, which the read-only
# root refuses (an ERROR line at every start); the container is managed by signals from its runtime.
CMD ["gunicorn", "--config", "/opt/banknote/app/gunicorn.conf.py", "--no-control-socket", "app:create_app()"]
