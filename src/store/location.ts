// Where a store lives, said by the location's form alone: a postgres:// URL is PostgreSQL, anything
// else a SQLite file. Nothing here loads a database driver (the CLI asks before it opens anything).

/** `postgres://…` or `postgresql://…` means PostgreSQL; anything else is a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(location.trim());
}

/** True when a postgres:// URL carries a password (refused where it would be written down). */
export function urlHasPassword(location: string): boolean {
  return /^postgres(?:ql)?:\/\/[^:/@]*:[^@]*@/i.test(location.trim());
}
