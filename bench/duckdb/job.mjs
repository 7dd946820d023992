// job.mjs runs one job of koble's side-by-side benchmark in DuckDB, the
// register manager's SQL peer: HMAC-SHA256 serials written in SQL, date
// shifts by the same HMAC-derived offsets (SPEC.md §6), plain COPY. The
// driver (bench/driver, -vs-duckdb) starts it in a fresh process per run
// and reads the process's CPU time and peak RSS itself.
//
// It reads one JSON object on standard input:
//
//	{"job": "copy" | "hex" | "full" | "check", "in": path, "out": path,
//	 "threads": 1, "format": "parquet" | "csv", "idType": "string" | "int64",
//	 "serialIpad": hex, "serialOpad": hex, "shiftIpad": hex, "shiftOpad": hex,
//	 "window": 182, "shift": [columns], "coarsenYear": [columns], "limit": n}
//
// The pads are the HMAC inner and outer keys (the derived key, zero-padded
// to 64 bytes, XOR 0x36 and 0x5c): HMAC(K, m) = sha256(opad ||
// unhex(sha256(ipad || m))), which DuckDB's sha256 (hex out) computes.
//
// It prints `RESULT seconds rows` for a timed job, or, for "check", the
// first `limit` rows' ID, hex serial and date offset as JSON lines.
import { DuckDBInstance } from '@duckdb/node-api';

const q = (s) => "'" + String(s).replaceAll("'", "''") + "'";

function hmac(ipad, opad, msg) {
  return `sha256(unhex('${opad}') || unhex(sha256(unhex('${ipad}') || ${msg})))`;
}

// canonical is the SQL for koble's canonical form of a Norwegian ID ("no:"
// and 11 digits), NULL for a value that is not 11 digits. DuckDB checks the
// shape only, not the check digits or the date.
function canonical(cfg) {
  if (cfg.idType === 'int64') {
    return `CASE WHEN fnr BETWEEN 0 AND 99999999999 THEN 'no:' || lpad(fnr::VARCHAR, 11, '0') END`;
  }
  return `CASE WHEN regexp_full_match(trim(fnr), '[0-9]{11}') THEN 'no:' || trim(fnr) END`;
}

function source(cfg) {
  if (cfg.format === 'csv') {
    return `read_csv(${q(cfg.in)}, header = true, all_varchar = true)`;
  }
  return `read_parquet(${q(cfg.in)})`;
}

function serialSelect(cfg) {
  const serial = hmac(cfg.serialIpad, cfg.serialOpad, `encode(${canonical(cfg)})`);
  return `SELECT ${serial} AS serial, * EXCLUDE (fnr) FROM ${source(cfg)}`;
}

// fullSelect adds the date shifts: offset index i = uint64_be(HMAC(shift
// key, S || uint32_be(0))[0:8]) mod 2W, v = i - W, plus one if v >= 0.
// (The rejection step of SPEC.md §6 fires with probability 2W/2^64 and is
// left out.) Coarsened columns become their year, as koble's year
// precision does.
function fullSelect(cfg) {
  const n = 2 * cfg.window;
  const mac = hmac(cfg.shiftIpad, cfg.shiftOpad, `unhex(substr(serial, 1, 20)) || unhex('00000000')`);
  const off = `CAST(CASE WHEN i >= ${cfg.window} THEN i - ${cfg.window - 1} ELSE i - ${cfg.window} END AS INTEGER)`;
  const repl = [
    ...cfg.shift.map((c) => `${c} + off AS ${c}`),
    ...cfg.coarsenYear.map((c) => `year(${c}) AS ${c}`),
  ];
  return `WITH s AS (${serialSelect(cfg)}),
    o AS (SELECT *, (('0x' || substr(${mac}, 1, 16))::UBIGINT % ${n})::INTEGER AS i FROM s),
    p AS (SELECT *, ${off} AS off FROM o)
    SELECT * EXCLUDE (i, off) REPLACE (${repl.join(', ')}) FROM p`;
}

function copyTo(cfg, select) {
  const opts = cfg.format === 'csv'
    ? `FORMAT CSV, HEADER true`
    : `FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE 1048576`;
  return `COPY (${select}) TO ${q(cfg.out)} (${opts})`;
}

async function main() {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  const cfg = JSON.parse(text);
  const inst = await DuckDBInstance.create(':memory:', { threads: String(cfg.threads || 1) });
  const con = await inst.connect();
  if (cfg.job === 'check') {
    const sql = `WITH f AS (SELECT fnr::VARCHAR AS id, * FROM ${source(cfg)} LIMIT ${cfg.limit || 1000}),
      s AS (SELECT ${hmac(cfg.serialIpad, cfg.serialOpad, `encode(${canonical(cfg)})`)} AS serial, * FROM f),
      o AS (SELECT *, (('0x' || substr(${hmac(cfg.shiftIpad, cfg.shiftOpad, `unhex(substr(serial, 1, 20)) || unhex('00000000')`)}, 1, 16))::UBIGINT % ${2 * cfg.window})::INTEGER AS i FROM s)
      SELECT id, serial, CASE WHEN i >= ${cfg.window} THEN i - ${cfg.window - 1} ELSE i - ${cfg.window} END AS off FROM o`;
    const r = await con.runAndReadAll(sql);
    for (const row of r.getRowObjects()) {
      console.log(JSON.stringify({ id: row.id, serial: row.serial, offset: row.off === null ? null : Number(row.off) }));
    }
    return;
  }
  const select = {
    copy: () => `SELECT * FROM ${source(cfg)}`,
    hex: () => serialSelect(cfg),
    full: () => fullSelect(cfg),
  }[cfg.job];
  if (!select) throw new Error(`unknown job ${cfg.job}`);
  const t0 = performance.now();
  const res = await con.run(copyTo(cfg, select()));
  const seconds = (performance.now() - t0) / 1000;
  console.log(`RESULT ${seconds.toFixed(4)} ${res.rowsChanged}`);
}

main().catch((e) => {
  console.error('duckdb job:', e.message);
  process.exit(1);
});
