//! The `crypto` module's keys, signatures, ciphers and PBKDF2, and the global Web
//! Crypto `crypto.subtle`, compared with Node's answers for the same keys and inputs
//! (fixtures/keys, made with OpenSSL; the expected values were computed with Node 20).

mod common;

use common::*;
use serde_json::{Value, json};
use warren_wire::ErrorKind;
use warren_worker::sandbox::{Engine, PoolLimits};

fn crypto_engine() -> Engine {
    engine_with(
        1,
        PoolLimits::default(),
        &["crypto", "node:crypto", "buffer"],
    )
}

/// The fixture keys, as a job's input.
fn keys() -> String {
    json!({
        "rsa": include_str!("fixtures/keys/rsa.pem"),
        "rsaPkcs1": include_str!("fixtures/keys/rsa.pkcs1.pem"),
        "rsaPub": include_str!("fixtures/keys/rsa.pub.pem"),
        "ec": include_str!("fixtures/keys/ec256.pem"),
        "ecPub": include_str!("fixtures/keys/ec256.pub.pem"),
        "ed": include_str!("fixtures/keys/ed25519.pem"),
        "edPub": include_str!("fixtures/keys/ed25519.pub.pem"),
        "ec384": include_str!("fixtures/keys/ec384.sec1.pem"),
        "ec384Pub": include_str!("fixtures/keys/ec384.pub.pem"),
        "rsaCert": include_str!("fixtures/keys/rsa.cert.pem"),
    })
    .to_string()
}

// Node's signatures over "hello" with the fixture keys.
const RS256: &str = "IXAwfR-vXRaPNtz2rij71CvTCDaQ36FHTHmPOidsj_SzmWckIeqR_s_vWrZMcZqMxxU6G0kGikY6vJeCGukt0k5vCO-djZ2Q4gqBqbJIIuhrBKVdcUGFpF49_1VBguK06R1VhGUh38_1eSaPLbfo5gmBr9EOnPi53rAhoAXpyL3VBGjCaiYa6JtaHPNs0HuOsPUeoG5HOVlqy4mKw5fNj9-Fu-vtkFcju8xwM2jPDU-UCRuCuEvPbokW9SqI5z-DYo9VuThcBCwHbw48GE_GdAfcZvzBnNKFVaBLhznZ85eNLr6jWAInpnz-VnWw6jONXGlkU1GtV13FT-F_qCAxCQ";
const ED25519: &str =
    "LqX-xLRhdo4w3Zp3zU71TwAsLlWFrU4VZz9ns1nDTwHt9CCM9ez_scjKoDqWbcoYR5nlVHUy7RRAYX1j5nicDA";
const ES256_P1363: &str =
    "k9SF7_WzUI9sluK7bm9c276Oh2nZo8QgOyYdqiZYiD4k4LPdqhVqna9maZUu7lYw89WvFr2oGvtkTIyx9qYBQw";
const ES256_DER: &str = "3044022030ba14b101d951f51bc61ad29cff252e90b44d5c4411605816e112f7f9aa7c1d022047eecbe737efb5d5d6b5c9835bfcb0f1eb79e785450b2f8a6fd329d58c1ad146";
const PS256: &str = "ow8ri-NEfN-llkP1Ybi6d4qDilxxTXjwBnnHva5gqcbbgHM0Kp0sY5e8J3sQaodWTUCYdO9bh7ro6Yh2HbRzRvzSO08HkYWxgoo46_WfzwoRLGwCA93iqJB9nEWmg5kXAhtMqJXZHItWELpbmtbICo-w0W-BxkC1CaaG87HMlilzI9a_6fCECtOQ1EtnZqgguo2mZkL1ZN_iAOeg1e1n4u6-YkTb76ZJ4b5Mtu06-It-Olvy-J12rcBTulvQS4PHiMpZAzPKSj96aruWYlE47K3dUtvSW-MhV0HhrrDdO3roECczdhh8YZAyoS8zGVjpMjaLggW5fTcfxntHSe64PQ";

#[test]
fn deterministic_signatures_match_node_and_node_signatures_verify() {
    let engine = crypto_engine();
    let code = format!(
        "const c = require('crypto');
        module.exports = (k) => [
            c.createSign('RSA-SHA256').update('hello').sign(k.rsa, 'base64url'),
            c.createSign('RSA-SHA256').update('hel').update('lo').sign(c.createPrivateKey(k.rsaPkcs1), 'base64url'),
            c.sign(null, Buffer.from('hello'), k.ed).toString('base64url'),
            c.createVerify('RSA-SHA256').update('hello').verify(k.rsaPub, '{RS256}', 'base64url'),
            c.createVerify('RSA-SHA256').update('hellO').verify(k.rsaPub, '{RS256}', 'base64url'),
            c.verify(null, Buffer.from('hello'), k.edPub, Buffer.from('{ED25519}', 'base64url')),
            c.createVerify('SHA256').update('hello').verify({{ key: k.ecPub, dsaEncoding: 'ieee-p1363' }}, '{ES256_P1363}', 'base64url'),
            c.createVerify('sha256').update('hello').verify(k.ecPub, '{ES256_DER}', 'hex'),
            c.createVerify('RSA-SHA256').update('hello').verify({{ key: k.rsaPub, padding: c.constants.RSA_PKCS1_PSS_PADDING, saltLength: c.constants.RSA_PSS_SALTLEN_DIGEST }}, '{PS256}', 'base64url'),
            c.createVerify('RSA-SHA256').update('hello').verify({{ key: k.rsaPub, padding: c.constants.RSA_PKCS1_PSS_PADDING }}, '{PS256}', 'base64url'),
        ]"
    );
    assert_eq!(
        ok(&engine, &code, &keys()),
        json!([
            RS256, RS256, ED25519, true, false, true, true, true, true, true
        ])
    );
}

#[test]
fn randomised_signatures_verify_both_ways() {
    let engine = crypto_engine();
    let code = "import c from 'node:crypto';
        export default (k) => {
            const pss = { padding: c.constants.RSA_PKCS1_PSS_PADDING, saltLength: c.constants.RSA_PSS_SALTLEN_DIGEST };
            const es = c.createSign('SHA256').update('data').sign(k.ec);
            const es384 = c.createSign('SHA384').update('data').sign({ key: k.ec384, dsaEncoding: 'ieee-p1363' });
            const ps = c.createSign('SHA512').update('data').sign({ key: k.rsa, ...pss });
            const psMax = c.createSign('SHA256').update('data').sign({ key: k.rsa, padding: 6 });
            return [
                c.createVerify('SHA256').update('data').verify(k.ecPub, es),
                c.createVerify('SHA256').update('datA').verify(k.ecPub, es),
                es384.length,
                c.verify('sha384', Buffer.from('data'), { key: k.ec384Pub, dsaEncoding: 'ieee-p1363' }, es384),
                c.createVerify('SHA512').update('data').verify({ key: k.rsaPub, ...pss }, ps),
                c.createVerify('SHA256').update('data').verify({ key: k.rsaPub, padding: 6 }, psMax),
                c.createVerify('SHA256').update('data').verify({ key: k.rsa, padding: 6 }, psMax),
            ];
        }";
    assert_eq!(
        ok(&engine, code, &keys()),
        json!([true, false, 96, true, true, true, true])
    );
}

#[test]
fn key_objects_describe_and_export_keys_as_node_does() {
    let engine = crypto_engine();
    let code = "const c = require('crypto');
        module.exports = (k) => {
            const rsa = c.createPublicKey(k.rsa);
            const ec384 = c.createPrivateKey(k.ec384);
            const ed = c.createPrivateKey(k.ed);
            const secret = c.createSecretKey(Buffer.from('k'));
            const jwkBack = c.createPublicKey({ key: c.createPublicKey(k.ec).export({ format: 'jwk' }), format: 'jwk' });
            const der = c.createPrivateKey({ key: c.createPrivateKey(k.ec).export({ format: 'der', type: 'pkcs8' }), format: 'der', type: 'pkcs8' });
            return {
                rsa: [rsa.type, rsa.asymmetricKeyType, rsa.asymmetricKeyDetails.modulusLength, String(rsa.asymmetricKeyDetails.publicExponent)],
                ec384: [ec384.type, ec384.asymmetricKeyType, ec384.asymmetricKeyDetails.namedCurve],
                spkiFromSec1: c.createPublicKey(k.ec384).export({ type: 'spki', format: 'pem' }) === k.ec384Pub,
                ecJwk: c.createPublicKey(k.ec).export({ format: 'jwk' }),
                edJwk: ed.export({ format: 'jwk' }),
                rsaPkcs1Pub: rsa.export({ type: 'pkcs1', format: 'pem' }),
                jwkRoundTrip: jwkBack.equals(c.createPublicKey(k.ec)),
                derRoundTrip: der.export().toString() === k.ec,
                secret: [secret.type, secret.symmetricKeySize, secret.export().toString(), secret.asymmetricKeyType === undefined],
                hmac: c.createHmac('sha256', secret).update('m').digest('base64'),
                instance: rsa instanceof c.KeyObject,
                certSpki: c.createPublicKey(k.rsaCert).export({ type: 'spki', format: 'pem' }) === k.rsaPub,
                certNotPrivate: (() => { try { c.createPrivateKey(k.rsaCert); return 'read'; } catch (e) { return 'refused'; } })(),
                certVerifies: c.verify('sha256', Buffer.from('hello'), k.rsaCert, Buffer.from(k.rs256, 'base64url')),
            };
        }";
    let mut given: Value = serde_json::from_str(&keys()).expect("json");
    given["rs256"] = json!(RS256);
    let value = ok(&engine, code, &given.to_string());
    assert_eq!(value["rsa"], json!(["public", "rsa", 2048, "65537"]));
    // A certificate stands for its public key, as in Node.
    assert_eq!(value["certSpki"], json!(true));
    assert_eq!(value["certNotPrivate"], json!("refused"));
    assert_eq!(value["certVerifies"], json!(true));
    assert_eq!(value["ec384"], json!(["private", "ec", "secp384r1"]));
    assert_eq!(value["spkiFromSec1"], json!(true));
    assert_eq!(
        value["ecJwk"],
        json!({"kty": "EC", "x": "KfVnQIOx1wG25tpiXzkyH6dbhSYy69d0ek1rX1mHr6c", "y": "yzq-FJO5mdlAuoYe8y852f5A0_v-pxtxRiuvoUJEk8Y", "crv": "P-256"})
    );
    assert_eq!(
        value["edJwk"],
        json!({"crv": "Ed25519", "d": "TpQ6seHyg2kln9bgNwGSoupRYCYJtRFtzWj7oCDkw4w", "x": "utTcnmgeD3kRKBPPNCON5nQQzc5_qyajFeUesOPe58g", "kty": "OKP"})
    );
    assert_eq!(
        value["rsaPkcs1Pub"],
        json!(
            "-----BEGIN RSA PUBLIC KEY-----\nMIIBCgKCAQEAtLOq4wl20yYhDDNvNbj8KHwLZSteCGrSUf7A+TvbpFsnyw7J4xmX\nUOZ3ki41mEoBV1ooezp58gqtxdmrC67BBycwcQOTxhgCEzQJK8TkH4br1rrQ98K/\n8joQ0Ws/cipZoBcvZtvbtxz1dvszbS1WdREI3zuzojdxKBjuRnAu1bOnl6wkcJM5\nvG+f6WbGMQ/UtUjZgWISXOQz5my4YC51yHBxXWRklOZ1hX6Q/HFnNyD+png1Sbvn\nPvLMPiKfrZ80sl8X5Y7cW1hum8flGBg9Dd11RznaV/DejbTfJw+iReBkwXPJRHA2\n3aQEQUbRBrdguQZn8PvSmro2UlAGSsCPtQIDAQAB\n-----END RSA PUBLIC KEY-----\n"
        )
    );
    assert_eq!(value["jwkRoundTrip"], json!(true));
    assert_eq!(value["derRoundTrip"], json!(true));
    assert_eq!(value["secret"], json!(["secret", 1, "k", true]));
    assert_eq!(
        value["hmac"],
        json!("tgCQ4wUil661oICInOL8S8qVfnVvrrTffTGADKHncew=")
    );
    assert_eq!(value["instance"], json!(true));
}

#[test]
fn ciphers_and_pbkdf2_match_node() {
    let engine = crypto_engine();
    let code = "const c = require('crypto');
        module.exports = () => {
            const key = Buffer.alloc(32, 7), iv = Buffer.alloc(16, 1), iv12 = Buffer.alloc(12, 2);
            const cbc = c.createCipheriv('aes-256-cbc', key, iv);
            const cbcText = cbc.update('secret message', 'utf8', 'base64') + cbc.final('base64');
            const d = c.createDecipheriv('aes-256-cbc', key, iv);
            const cbcBack = d.update(cbcText, 'base64', 'utf8') + d.final('utf8');
            const g = c.createCipheriv('aes-256-gcm', key, iv12); g.setAAD(Buffer.from('aad'));
            const gcm = g.update('secret message', 'utf8', 'hex') + g.final('hex');
            const tag = g.getAuthTag();
            const open = (t, aad) => { const x = c.createDecipheriv('aes-256-gcm', key, iv12); x.setAAD(Buffer.from(aad)); x.setAuthTag(t);
                try { return x.update(gcm, 'hex', 'utf8') + x.final('utf8'); } catch (e) { return e.message; } };
            const badCbc = (() => { const x = c.createDecipheriv('aes-256-cbc', Buffer.alloc(32, 8), iv); x.update(cbcText, 'base64'); try { x.final(); return 'ok'; } catch (e) { return e.code; } })();
            return [cbcText, cbcBack, gcm, tag.toString('hex'), open(tag, 'aad'), open(tag, 'aaD'), badCbc,
                c.pbkdf2Sync('pw', 'salt', 1000, 32, 'sha256').toString('hex')];
        }";
    assert_eq!(
        ok(&engine, code, "null"),
        json!([
            "0mQMzxr324fTV0HijIK33A==",
            "secret message",
            "69d18a753e9f954a7f23f5d685e7",
            "96e2dfc64f191efff70e92323ef4036b",
            "secret message",
            "Unsupported state or unable to authenticate data",
            "ERR_OSSL_BAD_DECRYPT",
            "0a38253555ce37f5c72a6b703f996814ebf241f203af146e93dcdeb031c5567e"
        ])
    );
    // The callback form runs after the call returns.
    let code = "import { pbkdf2 } from 'crypto';
        export default () => new Promise((resolve) => { let order = ['call'];
            pbkdf2('pw', 'salt', 1000, 32, 'sha256', (err, key) => resolve([...order, err, key.toString('hex')])); order.push('returned'); })";
    assert_eq!(
        ok(&engine, code, "null"),
        json!([
            "call",
            "returned",
            null,
            "0a38253555ce37f5c72a6b703f996814ebf241f203af146e93dcdeb031c5567e"
        ])
    );
}

#[test]
fn subtle_crypto_signs_verifies_encrypts_and_derives() {
    // The global: no table entry needed.
    let engine = engine_with(1, PoolLimits::default(), &[]);
    let code = format!(
        "export default async (k) => {{
            const s = crypto.subtle, enc = new TextEncoder();
            const b64u = (t) => Uint8Array.from(atob(t.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
            const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
            const pem = (text) => b64u(text.replace(/-----[^-]+-----/g, '').replace(/\\s/g, '').replace(/\\+/g, '-').replace(/\\//g, '_'));
            const digest = hex(await s.digest('SHA-256', enc.encode('abc')));
            const hk = await s.importKey('raw', enc.encode('k'), {{ name: 'HMAC', hash: 'SHA-256' }}, true, ['sign', 'verify']);
            const mac = await s.sign('HMAC', hk, enc.encode('m'));
            const macOk = await s.verify('HMAC', hk, mac, enc.encode('m'));
            const rsaPub = await s.importKey('spki', pem(k.rsaPub), {{ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }}, false, ['verify']);
            const rsOk = await s.verify('RSASSA-PKCS1-v1_5', rsaPub, b64u('{RS256}'), enc.encode('hello'));
            const rsaPriv = await s.importKey('pkcs8', pem(k.rsa), {{ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }}, false, ['sign']);
            const rs = hex(await s.sign('RSASSA-PKCS1-v1_5', rsaPriv, enc.encode('hello')));
            const psPub = await s.importKey('spki', pem(k.rsaPub), {{ name: 'RSA-PSS', hash: 'SHA-256' }}, false, ['verify']);
            const psOk = await s.verify({{ name: 'RSA-PSS', saltLength: 32 }}, psPub, b64u('{PS256}'), enc.encode('hello'));
            const ecJwk = {{ kty: 'EC', crv: 'P-256', x: 'KfVnQIOx1wG25tpiXzkyH6dbhSYy69d0ek1rX1mHr6c', y: 'yzq-FJO5mdlAuoYe8y852f5A0_v-pxtxRiuvoUJEk8Y' }};
            const ecPub = await s.importKey('jwk', ecJwk, {{ name: 'ECDSA', namedCurve: 'P-256' }}, true, ['verify']);
            const esOk = await s.verify({{ name: 'ECDSA', hash: 'SHA-256' }}, ecPub, b64u('{ES256_P1363}'), enc.encode('hello'));
            const edPub = await s.importKey('spki', pem(k.edPub), 'Ed25519', true, ['verify']);
            const edOk = await s.verify('Ed25519', edPub, b64u('{ED25519}'), enc.encode('hello'));
            const pair = await s.generateKey({{ name: 'ECDSA', namedCurve: 'P-384' }}, false, ['sign', 'verify']);
            const sig = await s.sign({{ name: 'ECDSA', hash: 'SHA-384' }}, pair.privateKey, enc.encode('x'));
            const pairOk = await s.verify({{ name: 'ECDSA', hash: 'SHA-384' }}, pair.publicKey, sig, enc.encode('x'));
            const aes = await s.importKey('raw', new Uint8Array(32).fill(7), 'AES-GCM', false, ['encrypt', 'decrypt']);
            const iv = new Uint8Array(12).fill(2);
            const sealed = await s.encrypt({{ name: 'AES-GCM', iv, additionalData: enc.encode('aad') }}, aes, enc.encode('secret message'));
            const opened = new TextDecoder().decode(await s.decrypt({{ name: 'AES-GCM', iv, additionalData: enc.encode('aad') }}, aes, sealed));
            const base = await s.importKey('raw', enc.encode('pw'), 'PBKDF2', false, ['deriveBits']);
            const bits = hex(await s.deriveBits({{ name: 'PBKDF2', salt: enc.encode('salt'), iterations: 1000, hash: 'SHA-256' }}, base, 256));
            return {{ digest, mac: hex(mac), macOk, rsOk, rs, psOk, esOk, edOk, pairOk, sealed: hex(sealed), opened, bits,
                jwk: await s.exportKey('jwk', ecPub), key: String(ecPub), algorithm: ecPub.algorithm }};
        }}"
    );
    let value = ok(&engine, &code, &keys());
    let rs256_hex: String = {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(RS256)
            .expect("base64url");
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    };
    assert_eq!(
        value["digest"],
        json!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
    assert_eq!(
        value["mac"],
        json!("b60090e3052297aeb5a080889ce2fc4bca957e756faeb4df7d31800ca1e771ec")
    );
    for field in ["macOk", "rsOk", "psOk", "esOk", "edOk", "pairOk"] {
        assert_eq!(value[field], json!(true), "{field}");
    }
    assert_eq!(value["rs"], json!(rs256_hex));
    assert_eq!(
        value["sealed"],
        json!("69d18a753e9f954a7f23f5d685e796e2dfc64f191efff70e92323ef4036b")
    );
    assert_eq!(value["opened"], json!("secret message"));
    assert_eq!(
        value["bits"],
        json!("0a38253555ce37f5c72a6b703f996814ebf241f203af146e93dcdeb031c5567e")
    );
    assert_eq!(
        value["jwk"],
        json!({"kty": "EC", "crv": "P-256", "x": "KfVnQIOx1wG25tpiXzkyH6dbhSYy69d0ek1rX1mHr6c", "y": "yzq-FJO5mdlAuoYe8y852f5A0_v-pxtxRiuvoUJEk8Y", "key_ops": ["verify"], "ext": true})
    );
    assert_eq!(value["key"], json!("[object CryptoKey]"));
    assert_eq!(
        value["algorithm"],
        json!({"name": "ECDSA", "namedCurve": "P-256"})
    );
}

/// Hostile and wrong arguments are clean errors (DOMExceptions from `subtle`, coded
/// errors from the module), never a crash, a hang or a lost slot.
#[test]
fn hostile_crypto_arguments_are_clean_errors() {
    let engine = crypto_engine();
    let code = "const c = require('crypto');
        module.exports = async (k) => {
            const tries = {
                garbagePem: () => c.createPublicKey('-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----'),
                noPem: () => c.createPrivateKey('not a key'),
                hugePem: () => c.createPrivateKey('-----BEGIN PRIVATE KEY-----\\n' + 'A'.repeat(4 << 20) + '\\n-----END PRIVATE KEY-----'),
                proxyKey: () => c.createSign('sha256').update('x').sign(new Proxy({}, { get() { throw new Error('trap'); } })),
                getterKey: () => c.createPublicKey({ get key() { throw new Error('getter'); } }),
                wrongKind: () => c.createSign('sha256').update('x').sign(c.createPublicKey(k.rsaPub)),
                badDigest: () => c.createSign('whirlpool'),
                md5Rsa: () => c.createSign('md5').update('x').sign(k.rsa),
                encrypted: () => c.createPrivateKey({ key: k.rsa, passphrase: 'x' }),
                rsaGen: () => c.generateKeyPairSync('rsa', { modulusLength: 4096 }),
                pbkdf2Huge: () => c.pbkdf2Sync('p', 's', 2 ** 31 - 1, 32, 'sha256'),
                pbkdf2Long: () => c.pbkdf2Sync('p', 's', 1, 1 << 20, 'sha256'),
                keyLen: () => c.createCipheriv('aes-256-gcm', Buffer.alloc(5), Buffer.alloc(12)),
                ivLen: () => c.createCipheriv('aes-128-gcm', Buffer.alloc(16), Buffer.alloc(7)).final(),
                cbcIv: () => c.createCipheriv('aes-128-cbc', Buffer.alloc(16), Buffer.alloc(3)),
                noTag: () => c.createDecipheriv('aes-128-gcm', Buffer.alloc(16), Buffer.alloc(12)).final(),
                shortTag: () => c.createDecipheriv('aes-128-gcm', Buffer.alloc(16), Buffer.alloc(12)).setAuthTag(Buffer.alloc(4)),
                twice: () => { const h = c.createHash('sha256'); h.digest(); h.digest(); },
                jwkJunk: () => c.createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: '!!', y: 'AA' }, format: 'jwk' }),
                jwkMismatch: () => c.createPrivateKey({ key: { ...c.createPrivateKey(k.ec).export({ format: 'jwk' }), d: 'AQ' }, format: 'jwk' }),
                badSig: () => c.createVerify('sha256').update('x').verify(k.ecPub, Buffer.alloc(3)),
                detached: () => { const b = new ArrayBuffer(8); const v = new Uint8Array(b); b.transfer(); return c.createHash('sha256').update(v).digest('hex'); },
                rsaJwkZeroD: () => c.createPrivateKey({ format: 'jwk', key: { kty: 'RSA', n: 'AQAB', e: 'AQAB', d: 'AA' } }),
                rsaJwkTinyN: () => c.createPrivateKey({ format: 'jwk', key: { kty: 'RSA', n: 'AA', e: 'AQAB', d: 'AQAB' } }),
                rsaJwkHuge: () => c.createPrivateKey({ format: 'jwk', key: { kty: 'RSA', n: 'A' + 'Q'.repeat(1500000), e: 'AQAB', d: 'A' + 'Q'.repeat(1500000) } }),
                rsaJwkBig: () => c.createPublicKey({ format: 'jwk', key: { kty: 'RSA', n: 'A' + 'Q'.repeat(1400), e: 'AQAB' } }),
                edAsEc: () => c.createPublicKey({ format: 'jwk', key: { kty: 'EC', crv: 'Ed25519', x: 'A'.repeat(20), y: 'A'.repeat(20) } }),
                pbkdf2Blocks: () => c.pbkdf2Sync('p', 's', 10000000, 1024, 'sha1'),
                pemSecret: () => c.createSecretKey(Buffer.from(k.rsaPub)),
            };
            const out = {};
            for (const [name, f] of Object.entries(tries)) {
                try { const v = f(); out[name] = v === false ? 'false' : typeof v === 'string' ? v : 'ok'; }
                catch (e) { out[name] = e.name + (e.code ? ':' + e.code : ''); }
            }
            const subtle = crypto.subtle;
            const rejects = async (p) => { try { await p; return 'ok'; } catch (e) { return e.name; } };
            out.subtleUnknown = await rejects(subtle.digest('MD5', new Uint8Array(1)));
            out.subtleBadKey = await rejects(subtle.importKey('spki', new Uint8Array(10), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']));
            out.subtleWrongUsage = await rejects(subtle.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['sign']));
            out.subtleNotKey = await rejects(subtle.sign('HMAC', {}, new Uint8Array(1)));
            out.subtleNoExport = await rejects(subtle.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt']).then((key) => subtle.exportKey('raw', key)));
            out.subtleTamper = await rejects((async () => {
                const key = await subtle.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt', 'decrypt']);
                const iv = new Uint8Array(12); const sealed = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv }, key, new Uint8Array(4)));
                sealed[0] ^= 1; return subtle.decrypt({ name: 'AES-GCM', iv }, key, sealed); })());
            out.subtleCtor = (() => { try { new CryptoKey(); return 'ok'; } catch (e) { return e.name; } })();
            out.subtleProxyAlg = await rejects(subtle.digest(new Proxy({}, { get() { throw new RangeError('trap'); } }), new Uint8Array(1)));
            return out;
        }";
    let value = ok(&engine, code, &keys());
    let expected = json!({
        "garbagePem": "Error", "noPem": "Error", "hugePem": "Error", "proxyKey": "Error", "getterKey": "Error",
        "wrongKind": "TypeError:ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE", "badDigest": "Error:ERR_CRYPTO_INVALID_DIGEST",
        "md5Rsa": "TypeError", "encrypted": "Error:ERR_FEATURE_UNAVAILABLE_ON_PLATFORM",
        "rsaGen": "Error:ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", "pbkdf2Huge": "Error", "pbkdf2Long": "Error",
        "keyLen": "RangeError:ERR_CRYPTO_INVALID_KEYLEN", "ivLen": "TypeError", "cbcIv": "TypeError:ERR_CRYPTO_INVALID_IV",
        "noTag": "Error:ERR_CRYPTO_INVALID_STATE", "shortTag": "TypeError:ERR_CRYPTO_INVALID_AUTH_TAG",
        "twice": "Error:ERR_CRYPTO_HASH_FINALIZED", "jwkJunk": "Error", "jwkMismatch": "Error", "badSig": "false",
        "detached": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "rsaJwkZeroD": "Error", "rsaJwkTinyN": "Error", "rsaJwkHuge": "Error", "rsaJwkBig": "Error",
        "edAsEc": "TypeError", "pbkdf2Blocks": "Error", "pemSecret": "TypeError:ERR_INVALID_ARG_VALUE",
        "subtleUnknown": "NotSupportedError", "subtleBadKey": "DataError", "subtleWrongUsage": "SyntaxError",
        "subtleNotKey": "TypeError", "subtleNoExport": "InvalidAccessError", "subtleTamper": "OperationError",
        "subtleCtor": "TypeError", "subtleProxyAlg": "RangeError",
    });
    assert_eq!(value, expected);
    // The slot is fine afterwards.
    assert_eq!(ok(&engine, "module.exports = () => 1", "null"), json!(1));
    let _: Value = value;
    let message = fails(
        &engine,
        "module.exports = () => require('crypto').createPrivateKey('junk')",
        "null",
        ErrorKind::Exception,
    );
    assert!(message.contains("no PEM key found"), "{message}");
}
