import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { envSchema } from '../../src/config.js';
import { DEPLOY, REPO, RUNTIME_VARIABLES, hasLiteralCredentials, isSecretName, knownVariables, parseDockerfile, readYamlDocuments } from '../helpers/deploy-files.js';

let known: Set<string>;
beforeAll(async () => {
  known = new Set([...(await knownVariables()), ...RUNTIME_VARIABLES]);
});
const unknown = (names: string[]) => names.filter((n) => !known.has(n));
const DEFAULT_DRAIN_SECONDS = envSchema.shape.SWITCHBOARD_DRAIN_SECONDS.parse(undefined);

describe('the variables the configuration knows', () => {
  it('come from the hub schema and every channel schema', () => {
    for (const name of ['DATABASE_URL', 'SWITCHBOARD_DRAIN_SECONDS', 'SLACK_BOT_TOKEN', 'TELEGRAM_MODE', 'DISCORD_PUBLIC_KEY', 'SMTP_URL', 'SQS_RESPONSE_QUEUE_URL']) {
      expect(known.has(name), name).toBe(true);
    }
    expect(known.has('SLACK_BOT_TOKENS')).toBe(false);
  });
});

describe('Dockerfile', () => {
  const stages = parseDockerfile(readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8'));
  const final = stages.at(-1)!;
  const ops = (op: string) => final.instructions.filter((i) => i.op === op).map((i) => i.args);

  it('is multi-stage: the runtime copies the build from an earlier stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const earlier = stages.slice(0, -1).map((s) => s.name);
    const copiedFrom = ops('COPY').map((a) => /--from=(\S+)/.exec(a)?.[1]).filter(Boolean);
    expect(copiedFrom.length).toBeGreaterThan(0);
    expect(copiedFrom.every((f) => earlier.includes(f))).toBe(true);
  });

  it('runs `node dist/src/cli.js serve` as a non-root user, with a /healthz HEALTHCHECK', () => {
    const user = ops('USER').at(-1);
    expect(user).toBeDefined();
    expect(user!.split(':')[0]).not.toMatch(/^(root|0)$/);
    expect(JSON.parse(ops('CMD').at(-1)!)).toEqual(['node', 'dist/src/cli.js', 'serve']);
    expect(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).bin.switchboard).toBe('dist/src/cli.js');
    expect(ops('HEALTHCHECK').at(-1)).toMatch(/CMD .*\/healthz/);
    expect(ops('EXPOSE')).toContain('8080');
  });

  it('copies from the build context only paths that exist and .dockerignore keeps', () => {
    const ignored = readFileSync(join(REPO, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    const sources = stages.flatMap((s) => s.instructions)
      .filter((i) => i.op === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) => i.args.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1));
    expect(sources).toContain('migrations');
    for (const src of sources) {
      expect(existsSync(join(REPO, src)), src).toBe(true);
      expect(ignored, src).not.toContain(src);
    }
  });
});

describe('compose.yaml', () => {
  const text = readFileSync(join(DEPLOY, 'compose.yaml'), 'utf8');
  const [compose] = readYamlDocuments(join(DEPLOY, 'compose.yaml'));
  const services = Object.entries<any>(compose.services);
  const hubImage = services.find(([name]) => name === 'migrate')![1].image;
  const hubs = services.filter(([, s]) => s.image === hubImage && !s.command);
  const envOf = (s: any): Record<string, string> =>
    Array.isArray(s.environment) ? Object.fromEntries(s.environment.map((e: string) => e.split(/=(.*)/s))) : { ...s.environment };

  it('runs Postgres, Redis, a migration and two hub replicas that wait for it', () => {
    expect(compose.services.postgres.image).toMatch(/^postgres:/);
    expect(compose.services.redis.image).toMatch(/^redis:/);
    expect(compose.services.migrate.command).toEqual(['node', 'dist/src/cli.js', 'migrate']);
    expect(hubs).toHaveLength(2);
    for (const [, hub] of hubs) {
      expect(hub.depends_on.migrate.condition).toBe('service_completed_successfully');
      expect(Object.keys(envOf(hub))).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'PUBLIC_URL']));
      expect(parseInt(hub.stop_grace_period, 10)).toBeGreaterThan(Number(envOf(hub).SWITCHBOARD_DRAIN_SECONDS ?? DEFAULT_DRAIN_SECONDS));
    }
  });

  it('sets and interpolates only variables the configuration knows', () => {
    for (const [name, service] of services) {
      const names = Object.keys(envOf(service));
      if (service.image === hubImage) expect(unknown(names), name).toEqual([]);
      else if (name === 'postgres') expect(names.filter((n) => !n.startsWith('POSTGRES_'))).toEqual([]);
      else expect(names, name).toEqual([]);
    }
    const interpolated = [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
    expect(interpolated.length).toBeGreaterThan(0);
    expect(unknown(interpolated).filter((n) => n !== 'POSTGRES_PASSWORD')).toEqual([]);
  });

  it('takes every secret from the environment, never a literal', () => {
    for (const [name, service] of services) {
      for (const [key, value] of Object.entries(envOf(service))) {
        const v = String(value);
        expect(hasLiteralCredentials(v), `${name}.${key}`).toBe(false);
        if (isSecretName(key) && !key.endsWith('_URL')) expect(v, `${name}.${key}`).toMatch(/^\$\{[A-Z0-9_]+(:?[-?][^}]*)?\}$/);
      }
    }
  });
});

describe('Kubernetes manifests', () => {
  const dir = join(DEPLOY, 'kubernetes');
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  const docs = files.flatMap((f) => readYamlDocuments(join(dir, f)).map((doc) => ({ file: f, doc })));
  const byKind = (kind: string) => docs.filter((d) => d.doc.kind === kind).map((d) => d.doc);
  const deployment = byKind('Deployment')[0];
  const job = byKind('Job')[0];
  const pod = deployment.spec.template.spec;
  const hub = pod.containers[0];
  const configMap = byKind('ConfigMap')[0];
  const containers = [...pod.containers, ...job.spec.template.spec.containers];

  it('parse, and each names its kind; the kustomization lists files that exist', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const { file, doc } of docs) {
      expect(doc.apiVersion, file).toBeTruthy();
      if (doc.kind !== 'Kustomization') expect(doc.metadata?.name, file).toBeTruthy();
    }
    for (const r of byKind('Kustomization')[0].resources) expect(existsSync(join(dir, r)), r).toBe(true);
    expect(byKind('Secret')).toEqual([]);
  });

  it('Deployment: probes /readyz and /healthz on the container port, runs as non-root, has resources', () => {
    const port = hub.ports[0];
    const onPort = (probe: any) => probe.httpGet.port === port.name || probe.httpGet.port === port.containerPort;
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(hub.readinessProbe.httpGet.path).toBe('/readyz');
    expect(hub.livenessProbe.httpGet.path).toBe('/healthz');
    expect(onPort(hub.readinessProbe) && onPort(hub.livenessProbe)).toBe(true);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(hub.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(hub.resources.requests).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
    expect(hub.resources.limits.memory).toBeTruthy();
    expect(hub.args ?? ['node', 'dist/src/cli.js', 'serve']).toEqual(['node', 'dist/src/cli.js', 'serve']);
  });

  it('Deployment: the grace period covers the preStop pause and the drain', () => {
    const pause = Number(hub.lifecycle.preStop.exec.command.at(-1));
    const drain = Number(configMap.data.SWITCHBOARD_DRAIN_SECONDS ?? DEFAULT_DRAIN_SECONDS);
    expect(pause).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(pause + drain + 5);
  });

  it('the PodDisruptionBudget and the Service select the Deployment\'s pods', () => {
    const podLabels = deployment.spec.template.metadata.labels;
    const pdb = byKind('PodDisruptionBudget')[0];
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(podLabels).toMatchObject(pdb.spec.selector.matchLabels);
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
    const service = byKind('Service')[0];
    expect(podLabels).toMatchObject(service.spec.selector);
    expect(service.spec.ports[0].targetPort).toBe(hub.ports[0].name);
  });

  it('the Job runs the migration with the hub\'s image', () => {
    const migrate = job.spec.template.spec.containers[0];
    expect(migrate.command).toEqual(['node', 'dist/src/cli.js', 'migrate']);
    expect(migrate.image).toBe(hub.image);
    expect(job.spec.template.spec.restartPolicy).not.toBe('Always');
    expect(job.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
  });

  it('set only variables the configuration knows', () => {
    const names = [...Object.keys(configMap.data), ...containers.flatMap((c) => (c.env ?? []).map((e: any) => e.name))];
    expect(names).toContain('DATABASE_URL');
    expect(unknown(names)).toEqual([]);
  });

  it('take secrets by reference: secretKeyRef or envFrom, never a literal', () => {
    expect(Object.keys(configMap.data).filter(isSecretName)).toEqual([]);
    for (const c of containers) {
      for (const e of c.env ?? []) {
        if (isSecretName(e.name)) expect(e.value, e.name).toBeUndefined();
        if (isSecretName(e.name)) expect(e.valueFrom?.secretKeyRef?.name, e.name).toBeTruthy();
        if (e.value !== undefined) expect(hasLiteralCredentials(String(e.value)), e.name).toBe(false);
      }
    }
    expect(hub.envFrom.filter((f: any) => f.secretRef).length).toBeGreaterThan(0);
  });
});
