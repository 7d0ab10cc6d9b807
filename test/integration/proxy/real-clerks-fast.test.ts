import { realClerkSuite } from './real-clerks-suite.js'

realClerkSuite('fast')
