// The rollback engine's configuration; its schema lives with the other config schemas.
export { rollbackConfigSchema, defaultRollbackConfig, type RollbackConfig } from '../../config/rollback-schema.ts';
