// What a user's project sees of @nfw-flows/core as installed from its package: the names of the root
// and of the engine subpath, one JSON line each. Usage: node api.mjs
const root = await import('@nfw-flows/core');
const engine = await import('@nfw-flows/core/engine');
console.log(JSON.stringify(Object.keys(root).sort()));
console.log(JSON.stringify(Object.keys(engine).sort()));
