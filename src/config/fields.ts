// Field schemas shared by sentinel.yaml and the rule kinds' params (which live with their kinds in core/rules/).
import { z } from 'zod';

export const containerName = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'not a valid container name');

/** Which jobs a rule looks at: job ids (log file names) or script names; empty = every profiled job. */
export const jobSelector = z.array(z.string().min(1)).default([]);
