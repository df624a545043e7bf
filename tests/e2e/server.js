// Starts the telegram-test-api Bot API emulator on 127.0.0.1 and an OS-chosen free port.
// Prints one line "listening <port>" on stdout once it accepts connections; stops on SIGTERM.
'use strict';

const TelegramServer = require('telegram-test-api');

async function main() {
  // storeTimeout: keep messages for an hour so a slow CI run never sees them swept away.
  const server = new TelegramServer({ host: '127.0.0.1', port: 9000, storeTimeout: 3600 });
  // The emulator treats port 0 as "unset" (9000); ask the OS for a free port after construction.
  server.config.port = 0;
  await server.start();
  const { port } = server.server.address();
  process.stdout.write(`listening ${port}\n`);
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
