// The pod runtime for real, as root, without Kubernetes: a private netns stands in for the
// node (bridge with the node IP), CNI ptp + host-local from /usr/lib/cni with a temp conf dir,
// and a pod of two containers (python http.server with a readiness probe, and sleep) sharing
// an emptyDir, plus a ConfigMap volume. Everything lives in namespaces and temp dirs this test
// made, and is removed even when an assertion fails.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PodStateFile } from '../src/pod-state-file.js';

/**
 * Whether a process still runs. Orphans of a killed harness are reparented to init and stay
 * zombies until it reaps them: a zombie has stopped running.
 */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Names in /run/netns (which `ip netns add` creates on first use). */
const namedNetns = (): string[] => (existsSync('/run/netns') ? readdirSync('/run/netns') : []);
const PREFIX = 'nkit-';
const isRoot = process.getuid?.() === 0;
const hasCni = existsSync('/usr/lib/cni/ptp') && existsSync('/usr/lib/cni/host-local');
const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const sh = (cmd: string, args: string[]): string =>
  execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const tryRun = (cmd: string, args: string[]): string | undefined => {
  try {
    return sh(cmd, args);
  } catch {
    return undefined;
  }
};

/** Removes netns and mounts left by an earlier run of this test that died. */
function sweepStale(): void {
  for (const name of namedNetns().filter((n) => n.startsWith(PREFIX)))
    tryRun('ip', ['netns', 'delete', name]);
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.includes(`/${PREFIX}`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) tryRun('umount', ['-l', m]);
  for (const d of readdirSync(os.tmpdir()).filter((n) => n.startsWith(PREFIX)))
    rmSync(path.join(os.tmpdir(), d), { recursive: true, force: true });
}

interface Harness {
  proc: ChildProcessWithoutNullStreams;
  messages: Record<string, unknown>[];
  waitFor: (
    pred: (m: Record<string, unknown>) => boolean,
    what: string,
    timeoutMs?: number,
  ) => Promise<Record<string, unknown>>;
}

type StatusPatch = {
  status: {
    conditions?: { type: string; status: string }[];
    podIP?: string;
    containerStatuses?: { name: string; restartCount: number; state: Record<string, unknown> }[];
  };
};
const statusOf = (m: Record<string, unknown>, pod = 'web'): StatusPatch['status'] | undefined =>
  m.type === 'status' && m.pod === pod ? (m.patch as StatusPatch).status : undefined;

describe.runIf(isRoot && hasCni)('pod runtime in a node netns (root)', () => {
  const id = randomBytes(3).toString('hex');
  const nodeNs = `${PREFIX}${id}`;
  const nodeNsPath = `/run/netns/${nodeNs}`;
  let tmp = '';
  let harness: Harness | undefined;
  let cfgFile = '';
  const nodeIP = '172.31.250.1';
  const podCidr = '10.251.7.0/24';
  const pythonBin = sh('python3', ['-c', 'import sys; print(sys.executable)']).trim();
  const hostNetnsBefore = namedNetns()
    .filter((n) => !n.startsWith(PREFIX))
    .sort();
  const uid = `0000-${id}`;

  const inNode = (cmd: string, ...args: string[]): string =>
    sh('nsenter', [`--net=${nodeNsPath}`, '--', cmd, ...args]);
  const readState = (): PodStateFile =>
    JSON.parse(
      readFileSync(path.join(tmp, 'state', 'pods', `${nodeNs}_web_${uid}`, 'state.json'), 'utf8'),
    ) as PodStateFile;
  const pidOf = (container: string): number => {
    const pid = readState().containers.find((c) => c.name === container)?.pid;
    if (pid === undefined) throw new Error(`no pid for ${container}`);
    return pid;
  };
  const inContainer = (pid: number, ...cmd: string[]): string =>
    sh('nsenter', ['-t', String(pid), '-m', '-u', '-n', '--', ...cmd]);

  const startHarness = (cfgFile: string): Harness => {
    const proc = spawn(
      'nsenter',
      [
        `--net=${nodeNsPath}`,
        '--',
        process.execPath,
        '--conditions=@ambient-ts/source',
        '--import',
        'tsx',
        'test/pod-runtime-harness.ts',
        cfgFile,
      ],
      { cwd: pkgDir, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const messages: Record<string, unknown>[] = [];
    const waiters = new Set<() => void>();
    readline.createInterface({ input: proc.stdout }).on('line', (line) => {
      try {
        messages.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        return;
      }
      for (const w of waiters) w();
    });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-20_000);
    });
    const waitFor: Harness['waitFor'] = (pred, what, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        let from = 0;
        const check = (): void => {
          for (; from < messages.length; from++) {
            const m = messages[from];
            if (m && pred(m)) {
              waiters.delete(check);
              clearTimeout(timer);
              resolve(m);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `timed out waiting for ${what}; harness stderr tail:\n${stderr.slice(-4000)}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    return { proc, messages, waitFor };
  };

  beforeAll(() => {
    sweepStale();
    tmp = mkdtempSync(path.join(os.tmpdir(), PREFIX));
    sh('ip', ['netns', 'add', nodeNs]);
    inNode('ip', 'link', 'set', 'lo', 'up');
    inNode('ip', 'link', 'add', 'nkbr0', 'type', 'bridge');
    inNode('ip', 'addr', 'add', `${nodeIP}/24`, 'dev', 'nkbr0');
    inNode('ip', 'link', 'set', 'nkbr0', 'up');
    const confDir = path.join(tmp, 'net.d');
    execFileSync('mkdir', [
      '-p',
      confDir,
      path.join(tmp, 'state'),
      path.join(tmp, 'root', 'etc', 'x'),
    ]);
    // The hostPath /etc/x of this node (hostPaths live under the node root).
    writeFileSync(path.join(tmp, 'root', 'etc', 'x', 'marker'), 'on the node root\n');
    writeFileSync(
      path.join(confDir, '10-nkit.conflist'),
      JSON.stringify({
        cniVersion: '1.0.0',
        name: `${PREFIX}net`,
        plugins: [
          {
            type: 'ptp',
            ipMasq: false,
            ipam: {
              type: 'host-local',
              ranges: [[{ subnet: podCidr }]],
              routes: [{ dst: '0.0.0.0/0' }],
              dataDir: path.join(tmp, 'ipam'),
            },
          },
        ],
      }),
    );
    const pod = {
      metadata: { name: 'web', namespace: nodeNs, uid },
      spec: {
        nodeName: 'nkit-node',
        restartPolicy: 'Always',
        terminationGracePeriodSeconds: 2,
        containers: [
          {
            name: 'http',
            image: 'nkit/python:1',
            args: ['-m', 'http.server', '8080'],
            workingDir: '/opt/nkit-test/www',
            ports: [{ name: 'http', containerPort: 8080 }],
            readinessProbe: { httpGet: { port: 'http', path: '/' }, periodSeconds: 1 },
            env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
            volumeMounts: [
              { name: 'www', mountPath: '/opt/nkit-test/www' },
              { name: 'config', mountPath: '/etc/nkit-config' },
              // Covers the state dir (under /tmp) that the other sources live in: they must
              // still reach their targets (bookinfo's reviews mounts an emptyDir at /tmp).
              { name: 'tmp', mountPath: '/tmp' },
            ],
          },
          {
            name: 'sleeper',
            image: 'docker.io/library/nkit-sleep:latest',
            command: ['sleep', 'infinity'],
            volumeMounts: [{ name: 'www', mountPath: '/opt/nkit-test/shared' }],
          },
          {
            // istio-cni's layout: hostPaths under /host, a top-level directory the node lacks,
            // so the container gets a private root (and its working directory is in there).
            name: 'cni',
            image: 'nkit-sleep',
            command: ['sh', '-c', 'pwd > /host/etc/x/cwd; exec sleep infinity'],
            workingDir: '/host/etc/x',
            volumeMounts: [
              { name: 'host-proc', mountPath: '/host/proc', readOnly: true },
              { name: 'host-x', mountPath: '/host/etc/x' },
              { name: 'www', mountPath: '/opt/nkit-test/cni' },
              { name: 'config', mountPath: '/etc/nkit-config' },
            ],
          },
        ],
        volumes: [
          { name: 'host-proc', hostPath: { path: '/proc', type: 'Directory' } },
          { name: 'host-x', hostPath: { path: '/etc/x', type: 'Directory' } },
          { name: 'www', emptyDir: {} },
          { name: 'tmp', emptyDir: {} },
          { name: 'config', configMap: { name: 'nkit-config' } },
        ],
      },
    };
    cfgFile = path.join(tmp, 'harness.json');
    writeFileSync(
      cfgFile,
      JSON.stringify({
        nodeName: 'nkit-node',
        nodeIP,
        stateDir: path.join(tmp, 'state'),
        nodeRoot: path.join(tmp, 'root'),
        cniConfDir: confDir,
        cniBinDirs: ['/usr/lib/cni'],
        path: process.env.PATH,
        imageTable: {
          images: [
            { repository: 'nkit/python', entrypoint: [pythonBin], cmd: [] },
            { repository: 'nkit-sleep', entrypoint: [], cmd: ['sh'] },
          ],
        },
        configMaps: [
          { metadata: { name: 'nkit-config' }, data: { greeting: 'hello from a ConfigMap' } },
        ],
        pods: [
          pod,
          {
            metadata: { name: 'job', namespace: nodeNs, uid: `${uid}-job` },
            spec: {
              nodeName: 'nkit-node',
              restartPolicy: 'Never',
              containers: [
                { name: 'c', image: 'nkit-sleep', command: ['sh', '-c', 'echo job-out; exit 3'] },
              ],
            },
          },
          {
            // A file bound over a directory: the mount script fails before exec.
            metadata: { name: 'broken', namespace: nodeNs, uid: `${uid}-broken` },
            spec: {
              nodeName: 'nkit-node',
              containers: [
                {
                  name: 'c',
                  image: 'nkit-sleep',
                  command: ['sleep', 'infinity'],
                  volumeMounts: [{ name: 'config', mountPath: '/mnt', subPath: 'greeting' }],
                },
              ],
              volumes: [{ name: 'config', configMap: { name: 'nkit-config' } }],
            },
          },
          {
            metadata: { name: 'ghost', namespace: nodeNs, uid: `${uid}-ghost` },
            spec: {
              nodeName: 'nkit-node',
              containers: [{ name: 'c', image: 'nkit/not-in-the-table:1' }],
            },
          },
          {
            metadata: { name: 'sick', namespace: nodeNs, uid: `${uid}-sick` },
            spec: {
              nodeName: 'nkit-node',
              terminationGracePeriodSeconds: 1,
              containers: [
                {
                  name: 'c',
                  image: 'nkit-sleep',
                  command: ['sleep', 'infinity'],
                  livenessProbe: {
                    exec: { command: ['cat', '/nonexistent'] },
                    periodSeconds: 1,
                    failureThreshold: 2,
                  },
                },
              ],
            },
          },
        ],
      }),
    );
    harness = startHarness(cfgFile);
  });

  afterAll(() => {
    if (harness && harness.proc.exitCode === null) harness.proc.kill('SIGKILL');
    // Container processes the harness may have left (test failure): kill by the state file.
    try {
      for (const c of readState().containers) if (c.pid) tryRun('kill', ['-9', `-${c.pid}`]);
    } catch {
      // no state left: good
    }
    sweepStale();
  });

  it('brings the pod up with an IP from the node pod CIDR and becomes Ready through its readiness probe', async () => {
    const h = harness!;
    await h.waitFor((m) => m.type === 'cleaned', 'start');
    const ready = await h.waitFor(
      (m) =>
        statusOf(m)?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
      'Ready=True',
    );
    const podIP = statusOf(ready)?.podIP ?? '';
    expect(podIP.startsWith('10.251.7.')).toBe(true);
    const state = readState();
    expect(state.podIPs).toEqual([podIP]);
    expect(state.containers.map((c) => c.name).sort()).toEqual(['cni', 'http', 'sleeper']);
    expect(existsSync(state.netnsPath)).toBe(true);
    expect(h.messages.some((m) => m.type === 'event' && m.reason === 'Started')).toBe(true);
  });

  it('serves from the pod IP to the node netns, with an emptyDir shared between containers', () => {
    inContainer(
      pidOf('sleeper'),
      'sh',
      '-c',
      'echo shared-by-sleeper > /opt/nkit-test/shared/hello.txt',
    );
    const podIP = readState().podIPs[0] ?? '';
    expect(inNode('curl', '-sf', '--max-time', '5', `http://${podIP}:8080/hello.txt`)).toBe(
      'shared-by-sleeper\n',
    );
  });

  it('mounts volumes at the manifest paths inside the container mount namespace only', () => {
    const pid = pidOf('http');
    expect(inContainer(pid, 'cat', '/etc/nkit-config/greeting')).toBe('hello from a ConfigMap');
    // /tmp is the pod's own emptyDir, empty, not the node's /tmp
    expect(inContainer(pid, 'ls', '-A', '/tmp')).toBe('');
    expect(inContainer(pid, 'sh', '-c', 'cat /opt/nkit-test/www/hello.txt')).toBe(
      'shared-by-sleeper\n',
    );
    // ConfigMap volumes are read-only.
    expect(
      tryRun('nsenter', [
        '-t',
        String(pid),
        '-m',
        '--',
        'sh',
        '-c',
        'echo x > /etc/nkit-config/new',
      ]),
    ).toBeUndefined();
    // Not on the node: the mount points were made in a private shadow, not on the host filesystem.
    expect(existsSync('/opt/nkit-test')).toBe(false);
    expect(existsSync('/etc/nkit-config')).toBe(false);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain('/opt/nkit-test');
  });

  it('mounts hostPaths under a top-level directory the node lacks (/host) in a private root', () => {
    const pid = pidOf('cni');
    const podIP = readState().podIPs[0] ?? '';
    expect(inContainer(pid, 'cat', '/host/etc/x/marker')).toBe('on the node root\n');
    // the node's proc (the program's /proc works too), read-only
    expect(inContainer(pid, 'cat', `/host/proc/${pid}/comm`)).toBe('sleep\n');
    expect(inContainer(pid, 'cat', '/proc/self/comm')).toBe('cat\n');
    expect(
      tryRun('nsenter', ['-t', String(pid), '-m', '--', 'sh', '-c', 'echo x > /host/proc/x']),
    ).toBeUndefined();
    // the working directory was in the private root when the program started
    expect(readFileSync(path.join(tmp, 'root', 'etc', 'x', 'cwd'), 'utf8')).toBe('/host/etc/x\n');
    // the rest of the node stays visible, the pod's own files and volumes are in place
    expect(inContainer(pid, 'ls', '/usr/bin/env').trim()).toBe('/usr/bin/env');
    expect(inContainer(pid, 'hostname').trim()).toBe('web');
    expect(inContainer(pid, 'cat', '/etc/resolv.conf')).toContain('nameserver 10.96.0.10');
    expect(inContainer(pid, 'cat', '/etc/hosts')).toContain(`${podIP}\tweb`);
    expect(inContainer(pid, 'cat', '/etc/nkit-config/greeting')).toBe('hello from a ConfigMap');
    expect(inContainer(pid, 'cat', '/opt/nkit-test/cni/hello.txt')).toBe('shared-by-sleeper\n');
    // nothing left of the setup: no old root, no stage copy in the scratch dir
    expect(inContainer(pid, 'ls', '-A', '/')).not.toContain('.nk-oldroot');
    const scratch = path.join(tmp, 'state', 'pods', `${nodeNs}_web_${uid}`, 'scratch', 'cni-0');
    expect(inContainer(pid, 'ls', '-A', scratch)).toBe('');
    // and nothing on the node
    expect(existsSync('/host')).toBe(false);
    expect(existsSync('/etc/nkit-config')).toBe(false);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain('/host/');
  });

  it('gives each container the pod hostname, resolv.conf, hosts and env', () => {
    const pid = pidOf('http');
    expect(inContainer(pid, 'hostname').trim()).toBe('web');
    const resolv = inContainer(pid, 'cat', '/etc/resolv.conf');
    expect(resolv).toContain('nameserver 10.96.0.10');
    expect(resolv).toContain(`search ${nodeNs}.svc.cluster.local svc.cluster.local cluster.local`);
    const podIP = readState().podIPs[0] ?? '';
    expect(inContainer(pid, 'cat', '/etc/hosts')).toContain(`${podIP}\tweb`);
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    expect(environ).toContain(`POD_IP=${podIP}`);
    expect(environ).toContain('HOSTNAME=web');
  });

  it('updates a ConfigMap volume in the running container when the ConfigMap changes', async () => {
    const h = harness!;
    h.proc.stdin.write('configmap nkit-config greeting changed through the API\n');
    await h.waitFor((m) => m.type === 'configmap-updated', 'update applied');
    const pid = pidOf('http');
    let seen = '';
    for (let i = 0; i < 50 && seen !== 'changed through the API'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = inContainer(pid, 'cat', '/etc/nkit-config/greeting');
    }
    expect(seen).toBe('changed through the API');
  });

  it('writes container output as CRI log lines', async () => {
    const logPath = readState().containers.find((c) => c.name === 'http')?.logPath ?? '';
    // http.server logs each request on stderr; the readiness probe makes requests every second.
    for (let i = 0; i < 50 && !readFileSync(logPath, 'utf8').includes('GET /hello.txt'); i++)
      await new Promise((r) => setTimeout(r, 100));
    const line =
      readFileSync(logPath, 'utf8')
        .split('\n')
        .find((l) => l.includes('GET /hello.txt')) ?? '';
    expect(line).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z stderr F .*"GET \/hello.txt HTTP\/1.1" 200/,
    );
  });

  it('restarts a killed container per restartPolicy Always', async () => {
    const h = harness!;
    const before = pidOf('sleeper');
    process.kill(before, 'SIGKILL');
    await h.waitFor(
      (m) =>
        statusOf(m)?.containerStatuses?.some(
          (c) =>
            c.name === 'sleeper' &&
            c.restartCount === 1 &&
            'running' in c.state &&
            c.state.running !== null,
        ) === true,
      'sleeper restarted',
    );
    const after = pidOf('sleeper');
    expect(after).not.toBe(before);
    // the restarted container sees the same volume content
    expect(inContainer(after, 'cat', '/opt/nkit-test/shared/hello.txt')).toBe(
      'shared-by-sleeper\n',
    );
  });

  it('cleans up after a killed kubelet and runs the pod afresh on the next start', async () => {
    const old = harness!;
    const before = readState();
    const oldPids = before.containers.map((c) => c.pid).filter((p): p is number => p !== undefined);
    const oldIP = before.podIPs[0] ?? '';
    old.proc.kill('SIGKILL');
    await new Promise((r) => old.proc.once('exit', r));
    // Containers outlive a crashed kubelet (own process groups), as they would on a node.
    for (const pid of oldPids) expect(alive(pid)).toBe(true);
    harness = startHarness(cfgFile);
    // web, job, broken, ghost and sick each left a pod directory
    expect((await harness.waitFor((m) => m.type === 'cleaned', 'cleanup')).count).toBe(5);
    await harness.waitFor(
      (m) =>
        statusOf(m)?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
      'Ready again',
    );
    for (const pid of oldPids) expect(alive(pid), `old pid ${pid}`).toBe(false);
    const ipamDir = path.join(tmp, 'ipam', `${PREFIX}net`);
    const newIP = readState().podIPs[0] ?? '';
    expect(newIP).not.toBe('');
    if (newIP !== oldIP) expect(existsSync(path.join(ipamDir, oldIP))).toBe(false);
    // The job runs again (this harness has no API status saying it ended) and ends again.
    await harness.waitFor(
      (m) =>
        m.pod === 'job' &&
        (m.patch as { status?: { phase?: string } } | undefined)?.status?.phase === 'Failed',
      'job Failed again',
    );
    // Only web, broken and sick hold a sandbox now: every netns file is a live mount, no stale veth.
    const netnsFiles = readdirSync(path.join(tmp, 'state', 'netns')).sort();
    expect(netnsFiles).toEqual([uid, `${uid}-broken`, `${uid}-sick`].sort());
    const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
    for (const f of netnsFiles) expect(mountinfo).toContain(path.join(tmp, 'state', 'netns', f));
    const veths = inNode('ip', '-o', 'link', 'show')
      .split('\n')
      .filter((l) => l.includes('veth'));
    expect(veths).toHaveLength(3);
  });

  it('runs a restartPolicy Never pod to Failed with its exit code and releases its network at once', async () => {
    const h = harness!;
    const failed = await h.waitFor(
      (m) =>
        (m.patch as { status?: { phase?: string } } | undefined)?.status?.phase === 'Failed' &&
        m.pod === 'job',
      'job Failed',
    );
    const c = statusOf(failed, 'job')?.containerStatuses?.[0];
    expect(c?.state).toMatchObject({ terminated: { exitCode: 3, reason: 'Error' } });
    const dir = path.join(tmp, 'state', 'pods', `${nodeNs}_job_${uid}-job`);
    for (let i = 0; i < 20 && existsSync(path.join(tmp, 'state', 'netns', `${uid}-job`)); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(path.join(tmp, 'state', 'netns', `${uid}-job`))).toBe(false);
    // its log stays until the pod is deleted
    expect(readFileSync(path.join(dir, 'c.log'), 'utf8')).toMatch(/ stdout F job-out\n$/);
  });

  it('fails an image missing from the table as a pull error naming the table', async () => {
    const h = harness!;
    const m = await h.waitFor(
      (x) =>
        (
          statusOf(x, 'ghost')?.containerStatuses?.[0]?.state.waiting as
            { reason?: string } | null | undefined
        )?.reason === 'ErrImagePull',
      'ghost ErrImagePull',
    );
    const waiting = statusOf(m, 'ghost')?.containerStatuses?.[0]?.state.waiting as {
      reason: string;
      message: string;
    };
    expect(waiting.reason).toBe('ErrImagePull');
    expect(waiting.message).toBe(
      'image "nkit/not-in-the-table:1" is not in the local image table test-image-table.json: add an entry mapping its repository to a local program',
    );
    await h.waitFor(
      (x) =>
        x.type === 'event' &&
        x.pod === 'ghost' &&
        x.reason === 'Failed' &&
        String(x.message).startsWith('Failed to pull image "nkit/not-in-the-table:1"'),
      'pull event',
    );
    await h.waitFor(
      (x) =>
        (
          statusOf(x, 'ghost')?.containerStatuses?.[0]?.state.waiting as
            { reason?: string } | null | undefined
        )?.reason === 'ImagePullBackOff',
      'ImagePullBackOff',
    );
    expect(existsSync(path.join(tmp, 'state', 'netns', `${uid}-ghost`))).toBe(false);
  });

  it('reports a failed container setup as RunContainerError with the mount error', async () => {
    const h = harness!;
    const m = await h.waitFor(
      (x) =>
        (
          statusOf(x, 'broken')?.containerStatuses?.[0]?.state.waiting as
            { reason?: string } | null | undefined
        )?.reason === 'RunContainerError',
      'broken RunContainerError',
    );
    const waiting = statusOf(m, 'broken')?.containerStatuses?.[0]?.state.waiting as {
      message: string;
    };
    expect(waiting.message).toMatch(/^failed to start container "c": .*mount.*\/mnt/);
    await h.waitFor(
      (x) =>
        x.type === 'event' &&
        x.pod === 'broken' &&
        x.reason === 'Failed' &&
        String(x.message).startsWith('Error: failed to start container'),
      'Failed event',
    );
  });

  it('kills and restarts a container that fails its liveness probe', async () => {
    const h = harness!;
    await h.waitFor(
      (x) =>
        x.type === 'event' &&
        x.pod === 'sick' &&
        x.reason === 'Unhealthy' &&
        String(x.message).startsWith('Liveness probe failed:'),
      'Unhealthy',
    );
    await h.waitFor(
      (x) =>
        x.type === 'event' &&
        x.pod === 'sick' &&
        x.reason === 'Killing' &&
        x.message === 'Container c failed liveness probe, will be restarted',
      'Killing',
    );
    await h.waitFor(
      (x) => (statusOf(x, 'sick')?.containerStatuses?.[0]?.restartCount ?? 0) >= 1,
      'restarted',
      15_000,
    );
  });

  it('tears down on delete: processes, CNI (veth, IP), netns and mounts are gone', async () => {
    const h = harness!;
    const state = readState();
    const pids = state.containers.map((c) => c.pid).filter((p): p is number => p !== undefined);
    const podIP = state.podIPs[0] ?? '';
    expect(existsSync(path.join(tmp, 'ipam', `${PREFIX}net`, podIP))).toBe(true);
    h.proc.stdin.write('delete 2\n');
    await h.waitFor((m) => m.type === 'finalized', 'finalized');
    await h.waitFor((m) => m.type === 'terminated', 'terminated');
    expect(h.messages.some((m) => m.type === 'event' && m.reason === 'Killing')).toBe(true);
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);
    expect(existsSync(state.netnsPath)).toBe(false);
    expect(readdirSync(path.join(tmp, 'state', 'netns'))).toEqual([]);
    expect(existsSync(path.join(tmp, 'state', 'pods', `${nodeNs}_web_${uid}`))).toBe(false);
    const links = inNode('ip', '-o', 'link', 'show')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(':')[1]?.trim());
    expect(links.sort()).toEqual(['lo', 'nkbr0']);
    expect(inNode('ip', 'route', 'show')).not.toContain(podIP);
    expect(existsSync(path.join(tmp, 'ipam', `${PREFIX}net`, podIP))).toBe(false);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(tmp);
    // Other suites may add or remove their own named netns meanwhile (nx runs projects in
    // parallel), so only names that could be this pod's count as a leak.
    expect(
      namedNetns().filter(
        (n) =>
          !hostNetnsBefore.includes(n) && n !== nodeNs && (n.startsWith(PREFIX) || n.includes(uid)),
      ),
    ).toEqual([]);
  });
});
