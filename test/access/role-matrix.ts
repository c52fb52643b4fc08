/**
 * Who may call each route: the one place the access rules are written down as expectations.
 * The role-matrix e2e spec walks every route of the OpenAPI document with every kind of caller
 * against this table, fails on a route missing from it, and checks the README prints it.
 *
 * public: no credentials needed · viewer < analyst < admin: the lowest organization role that
 * may call it (with an API key or a login) · platform: the bootstrap key's platform-level role.
 */
export type Access = 'public' | 'viewer' | 'analyst' | 'admin' | 'platform';

export const ROLE_MATRIX: Record<string, Access> = {
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  'GET /metrics': 'platform',
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/refresh': 'public',
  'POST /api/v1/auth/logout': 'public',
  'POST /api/v1/auth/password': 'public',
  'GET /api/v1/auth/me': 'viewer',
  'POST /api/v1/organizations': 'platform',
  'GET /api/v1/organizations/current': 'viewer',
  'PUT /api/v1/organizations/{id}/rate-limits': 'platform',
  'PUT /api/v1/organizations/{id}/quotas': 'platform',
  'POST /api/v1/api-keys': 'admin',
  'GET /api/v1/api-keys': 'admin',
  'DELETE /api/v1/api-keys/{id}': 'admin',
  'POST /api/v1/users': 'admin',
  'GET /api/v1/users': 'admin',
  'GET /api/v1/users/{id}': 'admin',
  'PATCH /api/v1/users/{id}': 'admin',
  'DELETE /api/v1/users/{id}': 'admin',
  'POST /api/v1/users/{id}/password-token': 'admin',
  'GET /api/v1/audit-events': 'admin',
  'GET /api/v1/kinds': 'viewer',
  'POST /api/v1/imports': 'analyst',
  'GET /api/v1/imports': 'viewer',
  'POST /api/v1/imports/{kind}': 'analyst',
  'GET /api/v1/imports/{id}': 'viewer',
  'DELETE /api/v1/imports/{id}': 'analyst',
  'GET /api/v1/imports/{id}/events': 'viewer',
  'GET /api/v1/imports/{id}/rejects': 'analyst',
  'POST /api/v1/uploads': 'analyst',
  'GET /api/v1/performance-stats/{importId}': 'viewer',
  'GET /api/v1/analytics/zone-leaderboard': 'viewer',
  'GET /api/v1/analytics/category-distribution': 'viewer',
  'GET /api/v1/analytics/dormant-merchants': 'viewer',
  'GET /api/v1/analytics/hourly-pattern': 'viewer',
  'GET /api/v1/analytics/anomalies': 'viewer',
  'GET /api/v1/analytics/customer-retention': 'viewer',
  'GET /api/v1/analytics/full-report': 'viewer',
  'GET /api/v1/sales/monthly-summary': 'viewer',
  'GET /api/v1/sales/top-products': 'viewer',
  'GET /api/v1/sales/region-performance': 'viewer',
  'GET /api/v1/sales/category-discounts': 'viewer',
  'GET /api/v1/sales/anomalies': 'viewer',
  'GET /api/v1/sales/top-transactions': 'viewer',
  'GET /api/v1/sales/data-quality': 'viewer',
  'POST /api/v1/sales/demo-runs': 'analyst',
  'GET /api/v1/marketing/roi': 'viewer',
  'GET /api/v1/marketing/breakdown': 'viewer',
  'GET /api/v1/marketing/trends': 'viewer',
  'GET /api/v1/marketing/anomalies': 'viewer',
  'GET /api/v1/marketing/insights': 'viewer',
  'GET /api/v1/marketing/insights/history': 'viewer',
  'GET /api/v1/analytics/roi': 'viewer',
  'GET /api/v1/analytics/trends': 'viewer',
  'GET /api/v1/insights/summary': 'viewer',
  'POST /api/v1/data/ingest': 'analyst',
  'GET /api/v1/messaging/delivery': 'viewer',
  'GET /api/v1/messaging/dashboard': 'viewer',
  'GET /api/v1/messaging/failures': 'viewer',
  'GET /api/v1/messaging/engagement': 'viewer',
  'GET /api/v1/messaging/system': 'viewer',
  'POST /api/v1/messaging/reports/{type}': 'analyst',
  'GET /api/v1/messaging/reports/{id}': 'viewer',
  'PUT /api/v1/messaging/webhooks/whatsapp/config': 'admin',
  'GET /api/v1/messaging/webhooks/whatsapp/{orgSlug}': 'public',
  'POST /api/v1/messaging/webhooks/whatsapp/{orgSlug}': 'public',
  'POST /api/v1/store-monitoring/data': 'analyst',
  'DELETE /api/v1/store-monitoring/data': 'analyst',
  'GET /api/v1/store-monitoring/data/{table}': 'viewer',
  'POST /api/v1/store-monitoring/trigger_report': 'analyst',
  'GET /api/v1/store-monitoring/get_report/{reportId}': 'viewer',
  'GET /api/v1/store-monitoring/reports/{reportId}/download': 'viewer',
  'GET /api/v1/report-sources': 'viewer',
  'POST /api/v1/reports': 'analyst',
  'GET /api/v1/reports': 'viewer',
  'GET /api/v1/reports/{id}': 'viewer',
  'DELETE /api/v1/reports/{id}': 'analyst',
  'GET /api/v1/reports/{id}/download': 'viewer',
  'POST /api/v1/report-templates': 'analyst',
  'GET /api/v1/report-templates': 'viewer',
  'GET /api/v1/report-templates/{id}': 'viewer',
  'PATCH /api/v1/report-templates/{id}': 'analyst',
  'DELETE /api/v1/report-templates/{id}': 'analyst',
  'POST /api/v1/report-schedules': 'analyst',
  'GET /api/v1/report-schedules': 'viewer',
  'GET /api/v1/report-schedules/{id}': 'viewer',
  'PATCH /api/v1/report-schedules/{id}': 'analyst',
  'DELETE /api/v1/report-schedules/{id}': 'analyst',
  'POST /api/v1/report-schedules/{id}/run-now': 'analyst',
  'GET /api/v1/report-schedules/{id}/runs': 'viewer',
  'GET /api/v1/report-links/{id}': 'public',
};

const CALLERS = ['none', 'viewer', 'analyst', 'admin', 'other org admin', 'platform'] as const;

/** What each caller gets: ✓ allowed, 401 no credentials, 403 role too low, 404 another organization's resource. */
export function expectedCell(access: Access, caller: (typeof CALLERS)[number], route: string): string {
  const rank = { public: -1, viewer: 0, analyst: 1, admin: 2, platform: 3 }[access];
  if (access === 'public') return '✓';
  if (caller === 'none') return '401';
  if (access === 'platform') return caller === 'platform' ? '✓' : '403';
  const role = caller === 'other org admin' || caller === 'platform' ? 2 : { viewer: 0, analyst: 1, admin: 2 }[caller];
  if (role < rank) return '403';
  const outsider = caller === 'other org admin' || caller === 'platform';
  return outsider && /\{(id|importId|reportId)\}/.test(route) ? '404' : '✓';
}

/** The matrix as the README prints it. */
export function renderRoleMatrix(): string {
  const lines = [`| route | ${CALLERS.join(' | ')} |`, `|---|${CALLERS.map(() => ':-:').join('|')}|`];
  for (const [route, access] of Object.entries(ROLE_MATRIX)) {
    lines.push(`| \`${route}\` | ${CALLERS.map((c) => expectedCell(access, c, route)).join(' | ')} |`);
  }
  return lines.join('\n');
}

export { CALLERS };
