/**
 * True when a database error is a uniqueness violation: PostgreSQL's unique_violation (23505,
 * which covers primary keys too) or SQLite's unique and primary-key constraint codes.
 */
export function isUniqueViolation(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
