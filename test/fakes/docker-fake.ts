// The in-memory Docker port (src/adapters/in-memory-docker.ts) under the names the tests know it by:
// one implementation, shared with `turtle-sentinel demo`'s simulated deployment.
export {
  createInMemoryDocker as createDockerFake,
  runningContainer,
  type InMemoryContainer as FakeContainer,
  type InMemoryDocker as DockerFake,
} from '../../src/adapters/in-memory-docker.ts';
