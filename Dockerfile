# syntax=docker/dockerfile:1
# The gateway's image: docker build -t umanize-gateway . ; docker run -p 8000:8000 -p 50051:50051 umanize-gateway
# Configuration only through UMANIZE_* variables (umanize-gateway serve --help); without UMANIZE_UPSTREAM_URL it
# serves the embedded sandbox with demo data. tests/unit/test_dockerfile.py replays these steps in a virtualenv.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG VENV=/opt/umanize-gateway
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY gateway ./gateway
COPY resolvers ./resolvers
COPY sandbox ./sandbox
RUN python -m venv "${VENV}" && "${VENV}/bin/pip" install --no-cache-dir --disable-pip-version-check -c constraints.txt .

FROM ${PYTHON_IMAGE}
ARG VENV=/opt/umanize-gateway
RUN groupadd --system --gid 10001 gateway && useradd --system --uid 10001 --gid gateway --no-create-home gateway
COPY --from=build ${VENV} ${VENV}
ENV PATH="${VENV}/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UMANIZE_HOST=0.0.0.0 \
    UMANIZE_HTTP_PORT=8000 \
    UMANIZE_GRPC_PORT=50051 \
    UMANIZE_WORKERS=auto \
    UMANIZE_LOG_FORMAT=json \
    UMANIZE_SANDBOX_DB=/tmp/sandbox.db
USER 10001:10001
WORKDIR /tmp
EXPOSE 8000 50051
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('UMANIZE_HTTP_PORT', '8000'), timeout=2)"]
ENTRYPOINT ["umanize-gateway", "serve"]
