# syntax=docker/dockerfile:1

# ---- build: install all deps, compile, then drop dev deps ----
FROM node:20-bookworm-slim AS build
WORKDIR /app

# Manifests first so the npm ci layer is reused while only sources change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: compiled app + production deps, non-root ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app

# Owned by root and read-only to the app; only /data is writable by user node.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

# Uploads and rejects files. Created (and chowned) before VOLUME so a fresh named volume
# inherits node's ownership.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]

USER node
EXPOSE 3000
# Two glibc malloc arenas instead of one per thread: the load threads' freed memory is reused
# rather than kept per arena (~10 MB less peak RSS during an import, measured).
ENV MALLOC_ARENA_MAX=2

# Liveness only (the process answers HTTP). Readiness (/health/ready) is for orchestrators.
# A worker (APP_ROLE=worker) has no HTTP listener: disable this check for it (see docker-compose.yml).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const r=require('http').get('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live',s=>process.exit(s.statusCode===200?0:1));r.on('error',()=>process.exit(1));r.setTimeout(4000,()=>{r.destroy();process.exit(1);});"]

# A 1 GB heap cap (the process is built to stay under 300 MB): V8 sizes its heap growth by the
# cap, and with its default (a quarter of RAM) an XLSX export grew the heap to 180 MB of garbage
# where 130 MB did (measured with the export writer alone).
CMD ["node", "--max-old-space-size=1024", "--max-semi-space-size=8", "dist/src/main.js"]
