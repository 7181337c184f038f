/** The `nfw-flows` executable (bin/nfw-flows.js imports this file from dist/). */

// The CLI pins its SDK release, so the SDK's Node-version notice about future releases is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { main } = await import('./main.js');
const { removePendingTemporaries } = await import('./output/atomic-file.js');
const { EXIT_EPIPE } = await import('./exit.js');

const code = await main(process.argv.slice(2), { handleSignals: true });
removePendingTemporaries();
// Exit explicitly: keep-alive sockets of the SDK must not hold the process; stdout pipes are synchronous on Linux.
// A closed stdout (exit 141) has nothing left to flush.
if (code === EXIT_EPIPE || process.stdout.destroyed) process.exit(code);
else process.stdout.write('', () => process.exit(code));
