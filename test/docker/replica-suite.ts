// The set-up every real-engine test file repeats, once: clear leftovers and build the replica images
// before the suite, remove the deployment a test made (after each test or at the end), and remove
// the test's containers, networks and images after the suite. Call it inside `describe`.
import { after, afterEach, before } from 'node:test';
import type Docker from 'dockerode';
import { removeTestObjects } from './engine.ts';
import { buildReplicaImage, createReplicaDeployment, type ReplicaDeployment, type ReplicaOptions, type ReplicaVersion } from './replica.ts';

export interface ReplicaSuiteOptions {
  /** Images built before the suite, in this order, with these tags (none given: compose's names). */
  build: Array<{ version: ReplicaVersion; tags?: string[] }>;
  /** Remove the deployment and every test container after each test, not only at the end. */
  cleanEach?: boolean;
}

export interface ReplicaSuite {
  /** Image IDs built before the suite, by version ('' for a version not built). */
  images: Record<ReplicaVersion, string>;
  /** The deployment of the running test, if it made one. */
  replica: ReplicaDeployment | undefined;
  /** Create a deployment; it is removed with the test (cleanEach) or at the end. */
  deploy(options: ReplicaOptions): Promise<ReplicaDeployment>;
  /** Remove the deployment now (a test's own clean-up). */
  release(): Promise<void>;
}

export function replicaSuite(docker: Docker, options: ReplicaSuiteOptions): ReplicaSuite {
  const suite: ReplicaSuite = {
    images: { 'v3.2.0': '', 'v3.2.1': '', supercronic: '' },
    replica: undefined,
    async deploy(replicaOptions) {
      suite.replica = await createReplicaDeployment(docker, replicaOptions);
      return suite.replica;
    },
    async release() {
      const replica = suite.replica;
      suite.replica = undefined;
      await replica?.cleanup();
    },
  };
  before(async () => {
    // Leftovers of a crashed run first.
    await removeTestObjects(docker);
    for (const { version, tags } of options.build) {
      suite.images[version] = (await buildReplicaImage(docker, version, tags ? { tags } : {})).imageId;
    }
  });
  if (options.cleanEach) {
    afterEach(async () => {
      await suite.release();
      await removeTestObjects(docker);
    });
  }
  after(async () => {
    await suite.release();
    await removeTestObjects(docker, { images: true });
  });
  return suite;
}
