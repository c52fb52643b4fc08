import type { NextFunction, Request, Response } from 'express';
import { performance } from 'perf_hooks';
import { FastHistogram, HistogramSeries } from './fast-series';

/** From a cached answer (well under a millisecond) to a multi-gigabyte upload or a long event stream. */
export const HTTP_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The route label of requests no route answered (404s, body-parser refusals): one label, whatever their URLs. */
export const UNMATCHED_ROUTE = 'unmatched';

const STARTED = Symbol('http-metrics:started');
const METHODS: Record<string, number> = { GET: 0, HEAD: 1, POST: 2, PUT: 3, PATCH: 4, DELETE: 5, OPTIONS: 6 };
const METHOD_NAMES = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'OTHER'];

type Timed = Response & { [STARTED]?: number };

/** One route label's series by status and method (key: status × 8 + method). */
class RouteSeries {
  readonly byKey = new Map<number, HistogramSeries>();

  constructor(readonly label: string) {}
}

/**
 * Request durations by method, route pattern (`/api/v1/imports/:id`, never the URL, so the number
 * of series stays bounded) and status. One `finish` listener per request, shared by all of them;
 * the series is found through the matched Express route object, so a request allocates nothing here.
 */
export class HttpMetrics {
  readonly histogram = new FastHistogram(
    'http_request_duration_seconds',
    'Time from a request reaching the app to the end of its answer, by method, route pattern and status',
    ['method', 'route', 'status'],
    HTTP_DURATION_BUCKETS,
  );

  readonly middleware: (req: Request, res: Response, next: NextFunction) => void;
  private readonly byRoute = new WeakMap<object, RouteSeries>();
  private readonly byLabel = new Map<string, RouteSeries>();
  /** Paths served by mounted apps (static files, the queue dashboard), each labelled `<path>/*`. */
  private readonly mounts = new Map<string, string>();

  constructor() {
    const record = (res: Timed) => this.record(res);
    // One function for every request: a listener gets the response as `this`.
    function onFinish(this: Timed): void {
      record(this);
    }
    this.middleware = (_req, res, next) => {
      (res as Timed)[STARTED] = performance.now();
      res.on('finish', onFinish);
      next();
    };
    this.labelMount('/api/docs');
  }

  /** Requests under `path` that no route answered are labelled `<path>/*` instead of unmatched. */
  labelMount(path: string): void {
    this.mounts.set(`${path}/`, `${path}/*`);
    this.mounts.set(path, `${path}/*`);
  }

  private record(res: Timed): void {
    const started = res[STARTED];
    if (started === undefined) return;
    const seconds = (performance.now() - started) / 1000;
    const req = res.req as Request;
    // A route of the app itself (Nest's); a mounted app's routes (baseUrl set) may carry the URL in their base.
    const route = req.baseUrl ? undefined : (req.route as { path: unknown } | undefined);
    let routeSeries = route && this.byRoute.get(route);
    if (!routeSeries) {
      routeSeries = this.routeSeries(route ? routeLabel(String(route.path)) : this.mountLabel(req.originalUrl ?? req.url));
      if (route) this.byRoute.set(route, routeSeries);
    }
    const method = METHODS[req.method] ?? 7;
    const key = res.statusCode * 8 + method;
    let series = routeSeries.byKey.get(key);
    if (!series) {
      series = this.histogram.series(METHOD_NAMES[method], routeSeries.label, String(res.statusCode));
      routeSeries.byKey.set(key, series);
    }
    series.observe(seconds);
  }

  private routeSeries(label: string): RouteSeries {
    let found = this.byLabel.get(label);
    if (!found) {
      found = new RouteSeries(label);
      this.byLabel.set(label, found);
    }
    return found;
  }

  private mountLabel(url: string): string {
    const path = url.split('?')[0];
    for (const [prefix, label] of this.mounts) {
      if (prefix.endsWith('/') ? path.startsWith(prefix) : path === prefix) return label;
    }
    return UNMATCHED_ROUTE;
  }
}

/**
 * A wildcard route is middleware registered for every path (Nest registers `forRoutes('{*path}')`
 * as one): it stays the request's route when nothing after it matched, so it means unmatched.
 */
function routeLabel(path: string): string {
  return path.includes('*') ? UNMATCHED_ROUTE : path;
}
