// check.mjs: run by check.sh from the folder it installed the pinned
// @duckdb/node-api and nodejs-polars into. Opens every data file that the
// manifests in the given folders list with DuckDB and polars and checks
// it against the manifest and the delivery's description
// (datapackage.json): the row count, each column's type (DATE for shifted
// dates, text where the description says string) and every text value,
// leading zeros and whole serials included, against DuckDB's reading of
// the file as text. A CSV file is read as its description says: DuckDB
// runs koble's loading snippet (NAME.load.sql), polars gets the declared
// types.
//
//   node check.mjs DIR...
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

// polars is optional, so that DuckDB alone can run where it is missing.
let plError = '';
const pl = await import('nodejs-polars').then((m) => m.default, (e) => { plError = e.message.split('\n')[0]; return null; });

const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const rows = async (sql) => (await con.runAndReadAll(sql)).getRows();
const sqlStr = (s) => `'${s.replaceAll("'", "''")}'`;
let failures = 0, checks = 0;
const fail = (where, msg) => { failures++; console.log(`FAIL ${where}: ${msg}`); };

// category maps a reader's type name to the Table Schema type it stands for.
function category(t) {
  t = String(t).toUpperCase().replace(/^DATATYPE\((.*)\)$/, '$1'); // polars: DataType(String)
  if (t === 'DATE' || t.startsWith('DATE')) return 'date';
  if (/^(VARCHAR|UTF8|STRING|LARGEUTF8)/.test(t)) return 'string';
  if (/^(U?INT|BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT)/.test(t)) return 'integer';
  if (/^(DOUBLE|FLOAT|DECIMAL|REAL)/.test(t)) return 'number';
  if (/^(BOOL)/.test(t)) return 'boolean';
  if (/^TIMESTAMP|^DATETIME/.test(t)) return 'datetime';
  return t;
}

// files lists the data files of a folder's manifests with what they say.
function files(dir) {
  const out = [];
  const fields = {};
  for (const f of readdirSync(dir).filter((f) => f.endsWith('datapackage.json'))) {
    for (const r of JSON.parse(readFileSync(join(dir, f), 'utf8')).resources) fields[r.path] = r;
  }
  for (const f of readdirSync(dir).filter((f) => f.endsWith('manifest.json'))) {
    for (const e of JSON.parse(readFileSync(join(dir, f), 'utf8')).files) {
      if (e.role === 'data' || (e.schema && e.role !== 'quarantine')) out.push({ dir, ...e, resource: fields[e.name] });
    }
  }
  return out;
}

// declared is the type a reader must give a column: the description's,
// and DATE for a shifted date.
function declared(f, col) {
  if ((f.done?.shifted ?? []).includes(col.name)) return 'date';
  const fd = f.resource?.schema.fields.find((x) => x.name === col.name);
  if (fd) return fd.type;
  if (f.format === 'csv') return 'string';
  return category({ utf8: 'VARCHAR', date32: 'DATE', int64: 'BIGINT', int32: 'INTEGER', int16: 'SMALLINT', float64: 'DOUBLE', bool: 'BOOLEAN' }[col.type] ?? col.type);
}

// reference reads every column as DuckDB text: what the file holds.
async function reference(f) {
  const p = sqlStr(resolve(f.dir, f.name));
  if (f.format === 'parquet') return rows(`SELECT * FROM read_parquet(${p})`).then((r) => r.map((x) => x.map((v) => (v === null ? null : String(v)))));
  if (f.format === 'csv') {
    const d = f.resource?.dialect?.delimiter ?? ',';
    return rows(`SELECT * FROM read_csv(${p}, all_varchar = true, header = true, delim = ${sqlStr(d)}, encoding = ${sqlStr(f.resource?.encoding ?? 'utf-8')})`);
  }
  return null; // Arrow: DuckDB reads it only with a community extension
}

// duckdb opens a file as a researcher would: read_parquet, or the loading
// snippet koble wrote beside a CSV file.
async function duckdb(f) {
  const name = `t${checks}`;
  if (f.format === 'parquet') await con.run(`CREATE TABLE ${name} AS SELECT * FROM read_parquet(${sqlStr(resolve(f.dir, f.name))})`);
  else if (f.format === 'csv') {
    if (!existsSync(join(f.dir, f.name + '.load.sql'))) {
      fail(`duckdb ${f.dir.split('/').pop()}/${f.name}`, 'no loading snippet (NAME.load.sql) beside it');
      return null;
    }
    const snippet = readFileSync(join(f.dir, f.name + '.load.sql'), 'utf8');
    const table = snippet.match(/CREATE TABLE (\S+) AS/)[1];
    process.chdir(f.dir);
    await con.run(snippet.replace(`CREATE TABLE ${table} AS`, `CREATE TABLE ${name} AS`));
  } else return null;
  const types = (await rows(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '${name}' ORDER BY ordinal_position`)).map(([, t]) => t);
  const data = await rows(`SELECT * FROM ${name}`);
  return { types, data: data.map((r) => r.map((v) => (v === null ? null : String(v)))) };
}

const polarsType = pl && { string: pl.Utf8, integer: pl.Int64, number: pl.Float64, date: pl.Date, boolean: pl.Bool };

// polars opens a file with readParquet, readIPC, or readCSV given the
// declared types.
function polars(f) {
  const path = resolve(f.dir, f.name);
  let df;
  if (f.format === 'parquet') df = pl.readParquet(path);
  // nodejs-polars reads a string as a path only when it ends in .ipc (else
  // as the file's content): give it the bytes.
  else if (f.format === 'arrow') df = pl.readIPC(readFileSync(path));
  else if (f.format === 'arrows') df = pl.readIPCStream(readFileSync(path));
  else {
    const dtypes = {};
    for (const c of f.schema) dtypes[c.name] = polarsType[declared(f, c)] ?? pl.Utf8;
    df = pl.readCSV(path, { sep: f.resource?.dialect?.delimiter ?? ',', dtypes });
  }
  const types = df.dtypes.map((t) => String(t));
  const data = df.rows().map((r) => r.map((v) => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString().slice(0, 10) : String(v))));
  return { types, data };
}

// compare checks one reader's reading of a file.
function compare(who, f, got, ref) {
  const where = `${who} ${f.dir.split('/').pop()}/${f.name}`;
  if (got.data.length !== f.rows) fail(where, `${got.data.length} rows, the manifest says ${f.rows}`);
  f.schema.forEach((col, j) => {
    const want = declared(f, col);
    if (category(got.types[j]) !== want) fail(where, `${col.name} read as ${got.types[j]}, declared ${want}`);
    if (want !== 'string' || !ref) return;
    const bad = got.data.findIndex((r, i) => r[j] !== ref[i]?.[j]);
    if (bad >= 0) fail(where, `${col.name} row ${bad + 1}: ${JSON.stringify(got.data[bad][j])}, the file holds ${JSON.stringify(ref[bad][j])}`);
  });
  checks++;
}

const dirs = process.argv.slice(2);
const version = (await rows('SELECT version()'))[0][0];
let opened = 0, skipped = [];
for (const dir of dirs) {
  for (const f of files(dir)) {
    const ref = await reference(f);
    const d = await duckdb(f);
    if (d) compare('duckdb', f, d, ref);
    else if (f.format !== 'csv') skipped.push(`duckdb ${f.name} (Arrow IPC needs a community extension; none offline)`);
    if (!pl) skipped.push(`polars ${f.dir.split('/').pop()}/${f.name} (nodejs-polars: ${plError})`);
    else try { compare('polars', f, polars(f), ref); } catch (e) { fail(`polars ${f.dir.split('/').pop()}/${f.name}`, e.message.split('\n')[0]); }
    opened++;
  }
}
const plVersion = pl ? JSON.parse(readFileSync(new URL('./node_modules/nodejs-polars/package.json', import.meta.url))).version : 'missing';
console.log(`readers: Node.js ${process.version}, DuckDB ${version}, nodejs-polars ${plVersion}: ${opened} files, ${checks} readings, ${failures} failure(s)`);
for (const s of skipped) console.log(`skipped: ${s}`);
process.exit(failures ? 1 : 0);
