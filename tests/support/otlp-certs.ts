/**
 * X.509 v3 test certificates made with `openssl`: a CA, a server certificate for 127.0.0.1 (SAN),
 * a client certificate signed by the CA, and a client certificate from an unrelated CA.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sh } from "./paths.ts";

/** Paths and PEM contents. */
export interface TestCerts {
  dir: string;
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  wrongCertFile: string;
  wrongKeyFile: string;
  pem(file: string): string;
  cleanup(): void;
}

/** Generates the certificates in a temp dir. */
export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), "codex-otlp-certs-"));
  const p = (n: string) => join(dir, n);
  const ossl = (...args: string[]) => sh("openssl", args, { cwd: dir });
  const ca = (name: string) => {
    ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", `/CN=${name}`,
      "-keyout", p(`${name}.key`), "-out", p(`${name}.pem`),
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  };
  const leaf = (name: string, caName: string, ext: string) => {
    ossl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", `/CN=${name}`, "-keyout", p(`${name}.key`), "-out", p(`${name}.csr`));
    writeFileSync(p(`${name}.ext`), ext);
    ossl("x509", "-req", "-in", p(`${name}.csr`), "-CA", p(`${caName}.pem`), "-CAkey", p(`${caName}.key`), "-CAcreateserial",
      "-days", "2", "-out", p(`${name}.pem`), "-extfile", p(`${name}.ext`));
  };
  ca("test-ca");
  ca("other-ca");
  leaf("server", "test-ca", "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n");
  leaf("client", "test-ca", "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n");
  leaf("wrong", "other-ca", "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n");
  return {
    dir,
    caFile: p("test-ca.pem"),
    serverCertFile: p("server.pem"),
    serverKeyFile: p("server.key"),
    clientCertFile: p("client.pem"),
    clientKeyFile: p("client.key"),
    wrongCertFile: p("wrong.pem"),
    wrongKeyFile: p("wrong.key"),
    pem: (file: string) => readFileSync(file, "utf8"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
