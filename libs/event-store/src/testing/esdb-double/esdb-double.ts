import { Server, ServerCredentials } from '@grpc/grpc-js';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { DoubleLog, type DoubleEvent } from './esdb-double-log';
import { createStreamsDouble, type StreamsDoubleOptions } from './esdb-double-streams';

/**
 * An in-process stand-in for an EventStoreDB node, FOR TESTS ONLY: a real gRPC server (insecure,
 * 127.0.0.1, random port) speaking the Streams service with the message definitions the
 * `@eventstore/db-client` package ships, so the real client — and the adapter on top of it —
 * runs unchanged against it. See docs/adr/0003-eventstoredb-adapter-and-test-double.md for what
 * it does and does not imitate.
 */
export interface EsdbDoubleOptions {
  /** Default 1 MiB, the server's default MaxAppendSize. */
  maxAppendSize?: number;
  /** Write a few server-owned `$` events first, as a fresh node has (default true). */
  seedSystemEvents?: boolean;
  /** De-duplicate `any` / `stream_exists` writes by id (default true); false imitates the server's id cache having forgotten. */
  dedupeAny?: boolean;
}

export interface EsdbDouble {
  /** Connection string for the client: `esdb://127.0.0.1:PORT?tls=false`. */
  readonly url: string;
  readonly port: number;
  /** Stops serving (drops every connection and open subscription) — also how a test simulates an outage. Data is kept. */
  stop(): Promise<void>;
  /** Serves again on the same port with the same data, like a node coming back after a restart. */
  restart(): Promise<void>;
  /** Writes a server-owned `$` event (e.g. `$statsCollected`), which adapters must skip. */
  appendSystemEvent(streamName?: string, type?: string): DoubleEvent;
  /** Number of records in `$all`, system records included. */
  readonly logLength: number;
}

export async function startEsdbDouble(options: EsdbDoubleOptions = {}): Promise<EsdbDouble> {
  const log = new DoubleLog({ dedupeAny: options.dedupeAny ?? true });
  if (options.seedSystemEvents ?? true) {
    log.appendSystemEvent('$scavenges', '$scavengeIndexInitialized');
    log.appendSystemEvent('$$$scavenges', '$metadata');
    log.appendSystemEvent('$projections-$all', '$ProjectionsInitialized');
  }
  const streamsOptions: StreamsDoubleOptions = {
    maxAppendSize: options.maxAppendSize ?? 1_048_576,
    defaultSearchWindow: 32,
  };

  let server: Server | undefined;
  let lifetime: AbortController | undefined;

  const listen = async (port: number): Promise<number> => {
    const controller = new AbortController();
    const next = new Server();
    next.addService(StreamsService, createStreamsDouble(log, streamsOptions, controller.signal));
    const bound = await new Promise<number>((resolve, reject) => {
      next.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error, actual) =>
        error ? reject(error) : resolve(actual),
      );
    });
    server = next;
    lifetime = controller;
    return bound;
  };

  const port = await listen(0);

  const stop = async (): Promise<void> => {
    const current = server;
    server = undefined;
    lifetime?.abort();
    lifetime = undefined;
    if (!current) return;
    current.forceShutdown();
  };

  return {
    url: `esdb://127.0.0.1:${port}?tls=false`,
    port,
    stop,
    async restart() {
      await stop();
      // The port was ours a moment ago; binding can race the OS releasing it, so retry briefly.
      for (let attempt = 0; ; attempt++) {
        try {
          await listen(port);
          return;
        } catch (error) {
          if (attempt >= 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    },
    appendSystemEvent: (streamName, type) => log.appendSystemEvent(streamName, type),
    get logLength() {
      return log.length;
    },
  };
}
