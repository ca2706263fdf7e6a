# Passline image: one image for every process (web, worker, migrate, seed-demo, create-admin).
#
#   docker build -t passline .
#   docker run --rm -e DATABASE_URL=... -e REDIS_URL=... -p 8000:8000 passline          # web
#   docker run --rm --no-healthcheck -e DATABASE_URL=... -e REDIS_URL=... passline passline worker  # arq worker
#
# docker-compose.yml wires it to PostgreSQL and Redis; docs/operations.md lists the environment.

ARG PYTHON_IMAGE=python:3.11-slim
ARG NODE_IMAGE=node:20-slim

# --- node: the browser build of socket.io-client, served by Passline at /vendor/socket.io/ (no CDN) ---------
FROM ${NODE_IMAGE} AS node
WORKDIR /displays
COPY displays/package.json displays/package-lock.json ./
# `npm ci` installs exactly the lock file; only dist/ is carried forward, so no node runtime ships.
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error \
    && test -f node_modules/socket.io-client/dist/socket.io.min.js

# --- build: a virtualenv holding Passline (a regular, non-editable install) and its dependencies -------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /src

# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml changes, not on every code
# edit. Every runtime dependency ships manylinux wheels for amd64 and arm64, so no compiler is installed; on
# another architecture add `apt-get install -y build-essential` here (this stage only).
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

# The package itself. Templates, static files, Lua scripts and migrations are package data (pyproject.toml),
# so they land in site-packages beside the code; .dockerignore keeps tests, caches and node_modules out.
COPY . .
RUN pip install .

# displays/routes.py serves Path(displays.__file__).parent / "node_modules/socket.io-client/dist", so the
# dist goes inside the installed `displays` package, not next to the source tree.
COPY --from=node /displays/node_modules/socket.io-client/dist \
     /opt/venv/lib/python3.11/site-packages/displays/node_modules/socket.io-client/dist
# ui-core: big.js (money arithmetic in the browser, served hashed by displays/assets.py) and the DejaVu
# fonts that draw Arabic receipt rows for thermal printers (app/lib/textimage.py).
COPY --from=node /displays/node_modules/big.js \
     /opt/venv/lib/python3.11/site-packages/displays/node_modules/big.js
COPY --from=node /displays/node_modules/dejavu-fonts-ttf/ttf/DejaVuSans.ttf \
     /displays/node_modules/dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf \
     /opt/venv/lib/python3.11/site-packages/displays/node_modules/dejavu-fonts-ttf/ttf/
# Fail the build, not the first page load, if that path ever moves (different Python minor, new layout).
RUN cd / && python -c "from displays.routes import VENDOR_SOCKET_IO as d; assert (d / 'socket.io.min.js').is_file(), d" \
    && python -c "from app.lib.textimage import font; font(24)" \
    && python -c "from displays.assets import ASSETS; ASSETS.url('vendor/big.js/big.mjs')"

# --- runtime ------------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
# PASSLINE_HOST: the loopback-only default (127.0.0.1) would be unreachable from outside the container.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PASSLINE_HOST=0.0.0.0 \
    PASSLINE_PORT=8000

# A fixed uid/gid so volume ownership is predictable; no shell, no sudo.
RUN groupadd --system --gid 10001 passline \
    && useradd --system --uid 10001 --gid passline --home-dir /var/lib/passline --create-home \
        --shell /usr/sbin/nologin passline

# Root owns the code: the service user can run it but not rewrite it.
COPY --from=build /opt/venv /opt/venv

# A writable working directory owned by the service user (a relative PASSLINE_DATA_DIR resolves against it).
WORKDIR /var/lib/passline
USER passline:passline

EXPOSE 8000

# Readiness (PostgreSQL and Redis answer), not mere liveness: a web process that cannot reach its databases
# should leave the load balancer. urllib raises on any non-2xx, which exits non-zero. The worker has no HTTP
# port; docker-compose.yml disables this check for it and for the one-shot migrate container.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health/ready' % os.environ.get('PASSLINE_PORT', '8000'), timeout=4)"]

CMD ["passline", "web"]
