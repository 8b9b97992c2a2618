import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { $ } from 'zx';
import { names, net, paths } from './layout.js';

const ossl = $({ quiet: true });
const key = (name: string) => join(paths.pki, `${name}.key`);
const crt = (name: string) => join(paths.pki, `${name}.crt`);

/** ECDSA keys: generating them takes milliseconds, so `up` can afford a fresh PKI every time. */
async function newKey(name: string): Promise<void> {
  await ossl`openssl ${['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key(name)]}`;
}

async function signedCert(name: string, subject: string, extensions: string[]): Promise<void> {
  await newKey(name);
  const csr = join(paths.pki, `${name}.csr`);
  const ext = join(paths.pki, `${name}.ext`);
  await writeFile(ext, `${extensions.join('\n')}\n`);
  await ossl`openssl ${['req', '-new', '-key', key(name), '-subj', subject, '-out', csr]}`;
  await ossl`openssl ${['x509', '-req', '-in', csr, '-CA', crt('ca'), '-CAkey', key('ca'), '-set_serial', `0x${randomBytes(12).toString('hex')}`, '-days', '3650', '-extfile', ext, '-out', crt(name)]}`;
}

const client = ['keyUsage = critical, digitalSignature, keyEncipherment', 'extendedKeyUsage = clientAuth'];

/** Identities follow the names Kubernetes' default RBAC and Node authorizer expect. */
export const identities = {
  admin: '/O=system:masters/CN=todo-test-admin',
  'kube-controller-manager': '/CN=system:kube-controller-manager',
  'kube-scheduler': '/CN=system:kube-scheduler',
  kubelet: `/O=system:nodes/CN=system:node:${names.node}`,
  'kube-proxy': '/CN=system:kube-proxy',
  'apiserver-kubelet-client': '/O=system:masters/CN=kube-apiserver-kubelet-client',
} as const;
export type Identity = keyof typeof identities;

export async function generatePki(): Promise<void> {
  await mkdir(paths.pki, { recursive: true, mode: 0o700 });
  await newKey('ca');
  await ossl`openssl ${['req', '-x509', '-new', '-key', key('ca'), '-subj', '/CN=todo-test-ca', '-days', '3650', '-out', crt('ca')]}`;
  const apiServerNames = [
    `IP:${net.nodeIp}`,
    `IP:${net.kubernetesServiceIp}`,
    'IP:127.0.0.1',
    'DNS:localhost',
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local',
  ];
  // Independent of each other once the CA exists, so they are made concurrently.
  await Promise.all([
    signedCert('apiserver', '/CN=kube-apiserver', [
      'keyUsage = critical, digitalSignature, keyEncipherment',
      'extendedKeyUsage = serverAuth',
      `subjectAltName = ${apiServerNames.join(', ')}`,
    ]),
    ...Object.entries(identities).map(([name, subject]) => signedCert(name, subject, client)),
    // Service account tokens are signed by a key pair of their own, not by the CA.
    newKey('service-account').then(
      () => ossl`openssl ${['ec', '-in', key('service-account'), '-pubout', '-out', join(paths.pki, 'service-account.pub')]}`,
    ),
  ]);
}

export const pki = {
  ca: crt('ca'),
  caKey: key('ca'),
  apiserverCert: crt('apiserver'),
  apiserverKey: key('apiserver'),
  kubeletClientCert: crt('apiserver-kubelet-client'),
  kubeletClientKey: key('apiserver-kubelet-client'),
  serviceAccountKey: key('service-account'),
  serviceAccountPub: join(paths.pki, 'service-account.pub'),
};

export const kubeconfigFor = (identity: Identity) =>
  identity === 'admin' ? paths.kubeconfig : join(paths.config, `${identity}.kubeconfig`);

/** A kubeconfig with the certificates embedded, so it stays valid wherever it is copied or merged. */
export async function writeKubeconfig(identity: Identity): Promise<string> {
  const b64 = async (file: string) => (await readFile(file)).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: names.context,
        cluster: { server: `https://${net.nodeIp}:${net.apiPort}`, 'certificate-authority-data': await b64(crt('ca')) },
      },
    ],
    users: [
      {
        name: `${names.context}-${identity}`,
        user: { 'client-certificate-data': await b64(crt(identity)), 'client-key-data': await b64(key(identity)) },
      },
    ],
    contexts: [{ name: names.context, context: { cluster: names.context, user: `${names.context}-${identity}` } }],
    'current-context': names.context,
  };
  const file = kubeconfigFor(identity);
  await mkdir(paths.config, { recursive: true });
  await writeFile(file, stringify(config), { mode: 0o600 });
  return file;
}

export const pkiExists = () => existsSync(crt('ca'));
