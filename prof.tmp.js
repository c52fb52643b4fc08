const { spawn } = require('child_process');
const { cannon } = require('./dist/scripts/lib/bench-load');
const KEY = 'bench-admin-key-0123456789';
const env = { ...process.env, MALLOC_ARENA_MAX: '2', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/analytics_prof', REDIS_PREFIX: 'prof', DATA_DIR: '/tmp/prof', BOOTSTRAP_ADMIN_API_KEY: KEY, LOG_LEVEL: 'warn', PORT: '3666', RATE_LIMITS: '{"reads":{"perMinute":10000000},"health":{"perMinute":10000000}}' };
(async () => {
  const app = spawn(process.execPath, ['--max-old-space-size=1024', '--cpu-prof', '--cpu-prof-dir=/tmp/prof-out', 'dist/src/main.js'], { env, stdio: 'inherit' });
  const base = 'http://127.0.0.1:3666';
  for (let i = 0; i < 300; i++) { try { if ((await fetch(base + '/health/ready')).ok) break; } catch {} await new Promise(r => setTimeout(r, 200)); }
  const H = { 'X-API-Key': KEY };
  await fetch(base + '/api/v1/analytics/zone-leaderboard', { headers: H });
  const l = await cannon({ url: base + '/api/v1/analytics/zone-leaderboard', headers: H, connections: 50, duration: 15 });
  console.log('rps', l.rps.toFixed(0));
  app.kill('SIGINT');
  await new Promise(r => app.on('exit', r));
})();
