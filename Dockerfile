# Paperboy as an image: `docker build -t paperboy .` (or podman build --format docker, which keeps
# the HEALTHCHECK). scripts/container-check.sh builds it, runs it and asks /readyz.
#
# BASE_IMAGE is any Debian-like image with Node.js 20 and npm. Where images cannot be pulled,
# scripts/container-check.sh builds one from debootstrap and the machine's Node.
ARG BASE_IMAGE=node:20-bookworm-slim

# Stage 1: every dependency (TypeScript included) to compile src/ into dist/ and the mail
# templates into dist/compiled-mail.json.
FROM ${BASE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY bin bin
COPY scripts scripts
COPY src src
COPY templates templates
RUN npm run build && test -f dist/.built && test -f dist/compiled-mail.json

# Stage 2: what runs. Production dependencies only; the compiled code from stage 1. The prepare
# script is skipped (--ignore-scripts): its work is the build copied in below.
FROM ${BASE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY bin bin
COPY migrations migrations
COPY templates templates
# the bundled sample papers (a fresh install's first digest, `ingest --source sample`) are read from src/
COPY src/papers/sample src/papers/sample
# last, so the build stamp is newer than every file under src/ (bin/build-freshness.js)
COPY --from=build /app/dist dist
RUN groupadd --system paperboy \
 && useradd --system --gid paperboy --home-dir /app --no-create-home --shell /usr/sbin/nologin paperboy \
 && mkdir -p /data && chown paperboy:paperboy /data
USER paperboy
# the embedded database, the outbox and a generated SECRET_KEY live here when DATABASE_URL,
# SMTP_URL and SECRET_KEY are not set
VOLUME ["/data"]
EXPOSE 3000
# No curl in the image: Node asks /readyz (database reachable, migrations applied).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# --max-semi-space-size=4: see bin/paperboy.js
CMD ["node", "--max-semi-space-size=4", "bin/paperboy.js", "serve"]
