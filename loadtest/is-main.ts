/** The one check of every entry file (services/common/is-main.ts), where the load test's files look for it. */
export { isMain } from '../services/common/is-main.js'
