import { ApiClient } from './api-client';
import { ExitCode } from './cli.errors';
import { ConnectionFlags, resolveConfig } from './cli-config';
import { Progress, ProgressStream } from './progress';

/** The process's streams and environment, passed in so that a command never reaches for globals. */
export interface CliIo {
  stdout: ProgressStream;
  stderr: ProgressStream;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  name: string;
  /** One line for `analytics --help`. */
  summary: string;
  help: string;
  run(args: string[], ctx: CliContext): Promise<ExitCode>;
}

/** What a command needs: output, progress and a client configured from flags and environment. */
export class CliContext {
  private apiClient: ApiClient | null = null;
  private activeProgress: Progress | null = null;
  /** Said when the user presses Ctrl-C (what goes on without us, and how to find it). */
  interruptNote = '';

  constructor(
    readonly io: CliIo,
    private readonly leadingFlags: ConnectionFlags,
  ) {}

  /** Flags given after the command win over those before it, which win over the environment. */
  client(flags: ConnectionFlags): ApiClient {
    const config = resolveConfig({ url: flags.url ?? this.leadingFlags.url, key: flags.key ?? this.leadingFlags.key }, this.io.env);
    this.apiClient = new ApiClient(config.apiRoot, config.apiKey);
    return this.apiClient;
  }

  progress(isQuiet = false): Progress {
    this.activeProgress = new Progress(this.io.stderr, {
      isTty: Boolean(this.io.stderr.isTTY),
      isQuiet,
    });
    return this.activeProgress;
  }

  /** Ends a progress line redrawn in place, so that what follows starts on a line of its own. */
  closeProgress(): void {
    this.activeProgress?.closeLine();
  }

  out(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  warn(text: string): void {
    this.io.stderr.write(`analytics: ${text}\n`);
  }

  close(): void {
    this.apiClient?.close();
  }
}
