import type { Queryable } from '../db/transaction.ts';
import { ValidationError } from '../errors.ts';
import { timeZoneNames } from './store.ts';

/**
 * The time zones PostgreSQL knows, which is what counts: the fan-out turns a subscriber's hour
 * into an instant with `AT TIME ZONE` in SQL. Node's ICU accepts names PostgreSQL's tz database
 * lacks (US/Pacific-New, SystemV/AST4). Read once per process, on first use (the list is about
 * 20 ms to read and changes only with the server's tz data).
 */
export class KnownTimeZones {
  private names: Promise<Set<string>> | undefined;

  constructor(private readonly db: Queryable) {}

  /** Throws a ValidationError naming `timezone` unless PostgreSQL knows the zone. */
  async check(zone: string): Promise<void> {
    this.names ??= timeZoneNames(this.db).then(
      (names) => new Set(names),
      (error) => {
        this.names = undefined; // try again next time
        throw error;
      },
    );
    if (!(await this.names).has(zone)) {
      throw new ValidationError(
        'timezone',
        `"${zone}" is not a time zone the database knows; choose a current IANA name such as Europe/Paris`,
      );
    }
  }
}
