// The database servers the tests use must answer; a missing one fails CI here, loudly,
// rather than as hundreds of test failures (the tests never skip).
import mysql from 'mysql2/promise';
import pg from 'pg';

const checks = [
  {
    name: 'PostgreSQL',
    url: process.env.SCHEDULER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    async version(url) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
      await client.connect();
      try {
        return (await client.query('SELECT version() AS v')).rows[0].v;
      } finally {
        await client.end();
      }
    },
  },
  {
    name: 'MySQL/MariaDB',
    url: process.env.SCHEDULER_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
    async version(url) {
      const connection = await mysql.createConnection({ uri: url, connectTimeout: 5000 });
      try {
        const [rows] = await connection.query('SELECT VERSION() AS v');
        return rows[0].v;
      } finally {
        await connection.end();
      }
    },
  },
];

let down = 0;
for (const check of checks) {
  try {
    console.log(`${check.name} at ${check.url}: ${await check.version(check.url)}`);
  } catch (error) {
    down += 1;
    console.error(`${check.name} at ${check.url} is unreachable: ${error.message ?? error}`);
  }
}
process.exit(down === 0 ? 0 : 1);
