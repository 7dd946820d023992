// An independent RFC 9497 client (voprf-ts over @noble/curves) against
// koble serve: it blinds the inputs, posts them to /v1/evaluate in the wire
// format of SPEC.md §9.3, verifies the batch proof against the project's
// public key and prints each RFC 9497 output in hex (64 bytes); the koble
// serial is HKDF-SHA256(output, info "koble/v1/oprf-serial"), SPEC.md §9.2.
//
//	npm ci && node voprf-client.mjs URL PROJECT PUBKEY_HEX CA.crt CLIENT.crt CLIENT.key no:15108695088 ...
import { Oprf, VOPRFClient, Evaluation, DLEQProof } from '@cloudflare/voprf-ts';
import { CryptoNoble } from '@cloudflare/voprf-ts/crypto-noble';
import { readFileSync } from 'node:fs';
import https from 'node:https';
Oprf.Crypto = CryptoNoble;
const [url, project, pubhex, ca, cert, key, ...inputs] = process.argv.slice(2);
const suite = Oprf.Suite.RISTRETTO255_SHA512;
const client = new VOPRFClient(suite, Buffer.from(pubhex, 'hex'));
const enc = new TextEncoder();
const [fin, req] = await client.blind(inputs.map((s) => enc.encode(s)));
const body = JSON.stringify({ project, blinded_elements: req.blinded.map((e) => Buffer.from(e.serialize(true)).toString('base64')) });
const u = new URL(url + '/v1/evaluate');
const resp = await new Promise((resolve, reject) => {
  const r = https.request({ hostname: u.hostname, port: u.port, path: u.pathname, method: 'POST',
    ca: readFileSync(ca), cert: readFileSync(cert), key: readFileSync(key), minVersion: 'TLSv1.3',
    headers: { 'Content-Type': 'application/json' } }, (res) => {
    let d = ''; res.on('data', (c) => (d += c)); res.on('end', () => resolve({ status: res.statusCode, body: d }));
  });
  r.on('error', reject); r.end(body);
});
if (resp.status !== 200) { console.error(resp.status, resp.body); process.exit(1); }
const ans = JSON.parse(resp.body);
const group = Oprf.getGroup(suite);
const ev = new Evaluation(Oprf.Mode.VOPRF, ans.evaluated_elements.map((b) => group.desElt(Buffer.from(b, 'base64'))),
  DLEQProof.deserialize(group.id, Buffer.from(ans.proof, 'base64')));
const outs = await client.finalize(fin, ev);
for (const o of outs) console.log(Buffer.from(o).toString('hex'));
