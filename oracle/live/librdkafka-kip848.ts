import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MOCK_SOURCE } from './mock-cluster.ts';

/**
 * librdkafka 2.12's mock cluster, for KIP-848 live sessions. Debian ships 2.0.2, whose mock has no
 * ConsumerGroupHeartbeat; 2.12.0 is bundled as source in the npm package node-rdkafka 3.6.1
 * (deps/librdkafka), which the npm registry serves. We take only that source (`npm pack`, which
 * checks the registry's integrity hash) and build just the shared library, without the optional
 * codecs and TLS, so no Debian -dev package is needed: about 20 s on two cores. The result lives in
 * build/ (git-ignored) and is reused while it exists.
 */

const repoRoot = join(dirname(MOCK_SOURCE), '..', '..');
export const KIP848_NPM_PACKAGE = 'node-rdkafka@3.6.1';
export const KIP848_LIBRDKAFKA_VERSION = '2.12.0';
export const KIP848_LIB_DIR = join(repoRoot, 'build', `librdkafka-${KIP848_LIBRDKAFKA_VERSION}`);
export const KIP848_MOCK_BINARY = join(repoRoot, 'build', 'groupspec-mock-kip848');
const LIBRARY = join(KIP848_LIB_DIR, 'src', 'librdkafka.so.1');

/** Everything optional is off: the mock needs none of it, and each would need a -dev package. */
const CONFIGURE_FLAGS = [
  '--disable-ssl',
  '--disable-gssapi',
  '--disable-zstd',
  '--disable-zlib',
  '--disable-curl',
  '--disable-lz4-ext',
  '--disable-debug-symbols',
];

function run(what: string, file: string, args: readonly string[], cwd: string): void {
  try {
    execFileSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string; stdout?: string };
    if (err.code === 'ENOENT') throw new Error(`buildKip848Mock: ${file} is not installed (needed to ${what}); run \`apt-get install -y gcc make\``);
    const tail = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`buildKip848Mock: could not ${what} (\`${file} ${args.join(' ')}\` in ${cwd}):\n${tail || err.message}`);
  }
}

function buildLibrary(): void {
  const buildDir = join(repoRoot, 'build');
  mkdirSync(buildDir, { recursive: true });
  const unpack = join(buildDir, 'node-rdkafka-pack');
  rmSync(unpack, { recursive: true, force: true });
  mkdirSync(unpack);
  run(`download ${KIP848_NPM_PACKAGE} from the npm registry`, 'npm', ['pack', KIP848_NPM_PACKAGE, '--silent', '--pack-destination', unpack], unpack);
  const tarball = readdirSync(unpack).find((f) => f.endsWith('.tgz'));
  if (tarball === undefined) throw new Error(`buildKip848Mock: npm pack ${KIP848_NPM_PACKAGE} left no tarball in ${unpack}`);
  rmSync(KIP848_LIB_DIR, { recursive: true, force: true });
  mkdirSync(KIP848_LIB_DIR, { recursive: true });
  run('unpack librdkafka', 'tar', ['xzf', join(unpack, tarball), '-C', KIP848_LIB_DIR, '--strip-components=3', 'package/deps/librdkafka'], unpack);
  rmSync(unpack, { recursive: true, force: true });
  run('configure librdkafka', './configure', CONFIGURE_FLAGS, KIP848_LIB_DIR);
  run('build librdkafka', 'make', ['-j2', 'librdkafka.so.1'], join(KIP848_LIB_DIR, 'src'));
  // mock.c includes <librdkafka/rdkafka.h>, as installed headers are laid out.
  const include = join(KIP848_LIB_DIR, 'include', 'librdkafka');
  mkdirSync(include, { recursive: true });
  for (const h of ['rdkafka.h', 'rdkafka_mock.h']) symlinkSync(join('..', '..', 'src', h), join(include, h));
}

/**
 * Build build/groupspec-mock-kip848: oracle/live/mock.c linked against librdkafka 2.12.0 (built
 * first if missing). Returns the binary's path; throws an error saying what to install or what failed.
 */
export function buildKip848MockHelper(options: { force?: boolean } = {}): string {
  if (options.force === true || !existsSync(LIBRARY)) buildLibrary();
  if (options.force !== true && existsSync(KIP848_MOCK_BINARY) && statSync(KIP848_MOCK_BINARY).mtimeMs >= statSync(MOCK_SOURCE).mtimeMs) return KIP848_MOCK_BINARY;
  const srcDir = join(KIP848_LIB_DIR, 'src');
  run('build the KIP-848 mock helper', 'gcc', [
    '-O2', '-Wall', '-Wextra',
    '-I', join(KIP848_LIB_DIR, 'include'),
    '-o', KIP848_MOCK_BINARY,
    MOCK_SOURCE,
    LIBRARY,
    `-Wl,-rpath,${srcDir}`,
    '-lpthread',
  ], repoRoot);
  return KIP848_MOCK_BINARY;
}
