# Pipewright container image. Node 24 runs the TypeScript sources directly (type stripping),
# so there is no build stage. Media needs its ports published as well as HTTP — UDP, and TCP
# for ICE-TCP — and the address clients reach the host at announced instead of the container's:
#   docker run -p 8888:8888 -p 40000-40100:40000-40100/udp -p 40000-40100:40000-40100/tcp \
#     -e PIPEWRIGHT_WEBRTC_ANNOUNCED_ADDRESSES=<host address> -e PIPEWRIGHT_WEBRTC_ANNOUNCE_ONLY=true \
#     -v pipewright:/data pipewright
# (or --network host, which needs no port mapping and no announced address). Kurento's KMS_*
# variables (KMS_EXTERNAL_IPV4, KMS_MIN_PORT, KMS_TURN_URL…) work too; see README "Behind NAT".
FROM node:24-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production \
    PIPEWRIGHT_DATA_DIR=/data \
    PIPEWRIGHT_WEBRTC_PORT_RANGE=40000-40100

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY src ./src
COPY migrations ./migrations
COPY openapi ./openapi

RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 8888/tcp 40000-40100/udp 40000-40100/tcp
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:8888/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "src/main.ts", "serve"]
