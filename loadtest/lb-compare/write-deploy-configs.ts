/**
 * Writes deploy/lb/haproxy.cfg and deploy/lb/nginx.conf (docker compose's `haproxy` and `nginx`
 * profiles) from the same functions lb-compare uses: `npm run -s build && node
 * dist/loadtest/lb-compare/write-deploy-configs.js`. A unit test fails when they differ.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { projectRoot } from '../../services/common/project-root.js'
import { COMPOSE_LB_FILES } from '../../services/common/lb-configs.js'

for (const [file, render] of Object.entries(COMPOSE_LB_FILES)) {
  writeFileSync(join(projectRoot(import.meta.url), file), render())
  process.stdout.write(`${file} written\n`)
}
