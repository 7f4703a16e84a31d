import { startTestApi } from '@hypersweep/api/testing';
const api = await startTestApi({ env: { EXTERNAL_LEASE_MS: '10000' } });
await api.app.listen({ port: 3917, host: '127.0.0.1' });
console.log('listening');
process.on('SIGTERM', async () => { await api.close(); process.exit(0); });
