import type { Logger } from 'pino';
import type { Notification } from './campaigns/notifications';
import type { Db, Sqlite } from './db';

/** What every feature function is handed: built once by createLeadsplit, never imported. */
export interface Context {
  db: Db;
  sqlite: Sqlite;
  logger: Logger;
  /** The current time; tests pass a clock they control. */
  clock: () => Date;
  /** Absolute URL at which the plugin is reachable from the outside, without a trailing slash. */
  publicUrl: string;
  /** Who emails come from, unless a campaign says otherwise. */
  sender: Sender;
  /** Signs conversion tokens and postbacks, salts IP hashes. */
  secret: string;
  /** Tells the marketer what happened by itself (a verdict, a finished rollout). */
  notify: (notification: Notification) => void;
}

export interface Sender {
  email: string;
  name: string;
  /** The sender's postal address, shown in every email's footer as the law asks. */
  postalAddress: string;
}
