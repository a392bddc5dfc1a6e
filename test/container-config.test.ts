// The config the image carries (deploy/sentinel.yaml) is valid and names the container's paths, and those
// paths are the ones the Dockerfile and the compose file actually provide: the broken deployment
// resolved `rules: rules` to /config/rules and kept state outside the volume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configPaths, loadConfig } from '../src/config/load-config.ts';
import { loadCompose } from './docker/compose.ts';

const repo = new URL('..', import.meta.url).pathname;
const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');

test('deploy/sentinel.yaml: valid, container paths, listening on all interfaces of the container', async () => {
  const loaded = await loadConfig(`${repo}deploy/sentinel.yaml`);
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
  const paths = configPaths(loaded.config, loaded.baseDir);
  assert.equal(paths.root, '/deployment');
  assert.equal(paths.logsDir, '/deployment/logs');
  assert.deepEqual(paths.rules, ['/opt/turtle-sentinel/rules']);
  assert.equal(paths.stateDir, '/var/lib/turtle-sentinel');
  assert.equal(loaded.config.http.host, '0.0.0.0');
  assert.equal(loaded.config.http.port, 9464);
  assert.equal(loaded.config.docker.socketPath, '/var/run/docker.sock');
});

test('the Dockerfile puts the rules, the config and the state where deploy/sentinel.yaml and the compose file expect them', () => {
  assert.match(dockerfile, /^WORKDIR \/opt\/turtle-sentinel$/m);
  assert.match(dockerfile, /^COPY rules \.\/rules$/m);
  assert.match(dockerfile, /^COPY deploy\/sentinel\.yaml \/etc\/turtle-sentinel\/sentinel\.yaml$/m);
  assert.match(dockerfile, /SENTINEL_CONFIG=\/etc\/turtle-sentinel\/sentinel\.yaml/);
  assert.match(dockerfile, /^VOLUME \/var\/lib\/turtle-sentinel$/m);
  assert.match(dockerfile, /^ARG NODE_IMAGE=node:20-bookworm-slim$/m);

  const project = loadCompose(`${repo}docker-compose.sentinel.yaml`, {});
  assert.equal(project.name, 'turtle-sentinel');
  const service = project.services[0]!;
  const targets = service.volumes.map((v) => v.split(':')[1]);
  assert.deepEqual(targets, ['/var/run/docker.sock', '/etc/turtle-sentinel/sentinel.yaml', '/deployment', '/var/lib/turtle-sentinel']);
  assert.deepEqual(service.volumes[1], `./deploy/sentinel.yaml:/etc/turtle-sentinel/sentinel.yaml:ro`);
  assert.deepEqual(service.volumes[2], '../turtle_trading:/deployment');
  assert.deepEqual(service.ports, ['127.0.0.1:9464:9464']);
  assert.equal(service.build?.context, repo.replace(/\/$/, ''));
  assert.equal(service.build?.args.NODE_IMAGE, 'node:20-bookworm-slim');
  assert.equal(service.user, '0:0');
  assert.equal(service.readOnly, true);
  assert.deepEqual(service.envFiles, [`${repo}sentinel.env`]);
});
