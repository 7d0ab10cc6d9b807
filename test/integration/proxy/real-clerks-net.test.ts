import { realClerkSuite } from './real-clerks-suite.js'

realClerkSuite('net')
