// The public surface of @nfw-flows/cli-export: run the nfw-flows command line programmatically.
export { type MainOptions, main } from './main.js';
export { buildProgram, VERSION } from './program.js';
