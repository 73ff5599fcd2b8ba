export {
  CONNECTION_PRAGMAS,
  openDatabase,
  migrateDatabase,
  type Db,
  type Sqlite,
} from './connection';
export * as tables from './schema';
