# agentpulse as a container: by default the read-only sidecar (`serve --no-watcher` on a store that
# another process writes into the /data volume); `ingest --follow` with the same image is that writer.
# Build: podman build --format docker -t agentpulse .   (or docker build -t agentpulse .)
# How to run it next to another dashboard, and what is guaranteed: docs/sidecar.md.

# --- build: the same scripts as the README and CI, in three stages -----------------------------------
# deps: everything scripts/install-deps.sh installs (reused until that script changes).
FROM docker.io/library/debian:bookworm AS deps
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY scripts/build.sh scripts/

# server: the C++ build alone (BUILD_DASHBOARD=0), so a frontend change does not recompile it. ccache
# (CMakeLists.txt uses it when installed) keeps its files in a cache mount outside the layers: after a
# server change only the changed files compile (cache mounts need BuildKit, or podman/buildah).
FROM deps AS server
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY conf/ conf/
COPY server/ server/
ARG CMAKE_ARGS="-DAGENTPULSE_BUILD_TESTS=OFF -DAGENTPULSE_BUILD_BENCH=OFF"
RUN --mount=type=cache,id=agentpulse-ccache,target=/root/.cache/ccache \
    BUILD_DASHBOARD=0 BUILD_TYPE=Release scripts/build.sh $CMAKE_ARGS

# dashboard: the frontend alone (BUILD_SERVER=0), so a server change does not rebuild it. npm ci has
# its own layer, reused until the lock file changes (build.sh then finds node_modules current).
# Behind a TLS-inspecting proxy npm needs its CA: --build-arg NODE_EXTRA_CA_CERTS=/path with a -v
# mount of that file (scripts/test-image.sh does this); nothing of it reaches the image.
FROM deps AS dashboard
ARG NODE_EXTRA_CA_CERTS=""
COPY frontend/package.json frontend/package-lock.json frontend/
RUN --mount=type=cache,id=agentpulse-npm,target=/root/.npm \
    cd frontend && npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ frontend/
RUN BUILD_SERVER=0 scripts/build.sh \
 && { test -f frontend/dist/index.html || { echo "scripts/build.sh built no frontend/dist" >&2; exit 1; }; }

# --- runtime: only the shared libraries the binary links, tzdata and curl for the health check --------
FROM docker.io/library/debian:bookworm
# Package names: `dpkg -S` on what `ldd build/agentpulse` lists (libdate-tz3 is libdate-tz.so.3).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libboost-json1.81.0 libboost-program-options1.81.0 libspdlog1.10 libfmt9 libdate-tz3 libsqlite3-0 \
      libprotobuf32 zlib1g libssl3 \
      tzdata ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 agentpulse \
 && useradd --system --uid 10001 --gid agentpulse --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin agentpulse \
 && mkdir -p /data && chown agentpulse:agentpulse /data && chmod 2775 /data
COPY conf/ /etc/agentpulse/
COPY --from=dashboard /src/frontend/dist/ /usr/share/agentpulse/www/
COPY --from=server /src/build/agentpulse /usr/bin/agentpulse

# Sidecar defaults; every one is also a flag (flags win). A non-loopback host needs AGENTPULSE_TOKEN:
# without one, `serve` refuses to start (exit 2) unless AGENTPULSE_ALLOW_REMOTE=true.
# `ingest` ignores the serve-only keys, so the writer runs from this image unchanged.
ENV AGENTPULSE_CONFIG=/etc/agentpulse/agentpulse.conf \
    AGENTPULSE_HOST=0.0.0.0 \
    AGENTPULSE_PORT=8787 \
    AGENTPULSE_STORE=/data/store.db \
    AGENTPULSE_NO_WATCHER=true

USER agentpulse
WORKDIR /data
# The store DIRECTORY (store.db with its -wal and -shm files): a read-only reader needs all three.
# Group-writable and setgid: a writer run as another uid with group agentpulse (`--user UID:10001`, to
# read transcripts that only UID may read) can create the store, and the files stay group agentpulse.
VOLUME /data
EXPOSE 8787
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD curl -fsS -o /dev/null "http://127.0.0.1:${AGENTPULSE_PORT:-8787}/healthz" || exit 1
LABEL org.opencontainers.image.title="agentpulse" \
      org.opencontainers.image.description="Live view of AI coding agents: SSE live API and dashboard over a SQLite store"
ENTRYPOINT ["/usr/bin/agentpulse"]
CMD ["serve"]
