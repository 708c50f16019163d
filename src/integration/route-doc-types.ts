/** One route's OpenAPI description (see ROUTE_DOCS). */
export interface RouteDoc {
  readonly tag: 'auth' | 'email' | 'profile' | 'sessions' | 'organization' | 'admin' | 'mfa' | 'integration' | 'operations' | 'oidc';
  readonly summary: string;
  readonly description?: string;
  /** `read`: session cookie; `write`: session cookie plus X-CSRF-Token. */
  readonly auth?: 'read' | 'write';
  /** Status code → description. Error codes (4xx/5xx) are documented with the error envelope. */
  readonly responses: Readonly<Record<number, string>>;
}

