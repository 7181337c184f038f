/** The `nfw-flows` executable (bin/nfw-flows.js imports this file from dist/). */

// The CLI pins its SDK release, so the SDK's Node-version notice about future releases is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { main } = await import('./main.js');
const { removePendingTemporaries } = await import('./output/atomic-file.js');

const code = await main(process.argv.slice(2), { handleSignals: true });
removePendingTemporaries();
// Exit explicitly: keep-alive sockets of the SDK must not hold the process; stdout pipes are synchronous on Linux.
process.stdout.write('', () => process.exit(code));
