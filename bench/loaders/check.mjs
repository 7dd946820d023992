// check.mjs: run by check.sh (copied beside the pinned @duckdb/node-api)
// with the delivery's folder as working directory. Runs the DuckDB loading
// snippet and compares every value with the file's text.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [expectFile, rowsArg] = process.argv.slice(2);
const fail = (...a) => { console.error('loaders: DuckDB: FAIL:', ...a); process.exit(1); };
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run(readFileSync('death.csv.load.sql', 'utf8'));
const types = await con.runAndReadAll("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'death' ORDER BY ordinal_position");
const cols = types.getRowObjects().map((r) => r.column_name);
const want = ['lnr', 'death_date', 'underlying_cause', 'municipality', 'code', 'place', 'note'];
if (cols.join() !== want.join()) fail('columns', cols.join());
for (const r of types.getRowObjects()) {
  if (['lnr', 'code', 'place', 'note'].includes(r.column_name) && r.data_type !== 'VARCHAR') fail(r.column_name, 'read as', r.data_type);
}
// Every value as text, in file order.
const sel = want.map((c) => `CAST("${c}" AS VARCHAR)`).join(', ');
const res = await con.runAndReadAll(`SELECT ${sel} FROM death`);
const got = res.getRows();
const lines = readFileSync(expectFile, 'utf8').split('\n').filter((l) => l !== '');
if (got.length !== Number(rowsArg) || got.length !== lines.length) fail('rows', got.length, 'want', rowsArg);
lines.forEach((l, i) => {
  const p = l.split(';');
  want.forEach((c, j) => {
    const v = got[i][j];
    if ((v === null ? '' : v) !== p[j]) fail(c, 'row', i + 1, 'differs from the file\'s text');
  });
});
const flat = (j) => got.map((r) => r[j]);
if (!flat(0).some((v) => v.length >= 17)) fail('no serial above 2^53 in the test data');
if (!flat(4).includes('0007')) fail('a code lost its leading zeros');
if (!flat(5).includes('Troms\u00f8')) fail('Latin-1 text not decoded');
if (!flat(6).includes('NA')) fail('the text NA became missing');
const ver = (await con.runAndReadAll('SELECT version()')).getRows()[0][0];
console.log(`loaders: DuckDB ${ver}: ${got.length} rows, every value as delivered (serials whole, codes with their zeros, Latin-1 decoded)`);
