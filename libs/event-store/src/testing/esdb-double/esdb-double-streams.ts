import { randomUUID } from 'node:crypto';
import {
  Metadata,
  status,
  type ServerReadableStream,
  type ServerWritableStream,
  type UntypedServiceImplementation,
  type sendUnaryData,
} from '@grpc/grpc-js';
import * as shared from '@eventstore/db-client/generated/shared_pb';
import * as streams from '@eventstore/db-client/generated/streams_pb';
import type { DoubleEvent, DoubleExpected, DoubleLog, ProposedEvent } from './esdb-double-log';

/**
 * The `event_store.client.streams.Streams` service of the double: Append and Read (stream reads,
 * `$all` reads, subscriptions to `$all` and to a stream), answering with the messages the real
 * server sends for what the Node client 6.x asks. Delete, Tombstone and BatchAppend answer
 * UNIMPLEMENTED; ServerFeatures is not served at all, so the client falls back to `Append`.
 */
export interface StreamsDoubleOptions {
  /** The server's MaxAppendSize (bytes of data + metadata + type over one append); default 1 MiB like EventStoreDB. */
  maxAppendSize: number;
  /** Events scanned per filter window when the client sends `count` instead of `max` (server's read batch). */
  defaultSearchWindow: number;
}

const READ_FORWARDS = 0;

type ReadCall = ServerWritableStream<streams.ReadReq, streams.ReadResp>;
type AppendCall = ServerReadableStream<streams.AppendReq, streams.AppendResp>;

export function createStreamsDouble(
  log: DoubleLog,
  options: StreamsDoubleOptions,
  lifetime: AbortSignal,
): UntypedServiceImplementation {
  // Methods left out (Delete, Tombstone, BatchAppend) get grpc-js's UNIMPLEMENTED handler.
  return {
    append: (call: AppendCall, callback: sendUnaryData<streams.AppendResp>) =>
      handleAppend(log, options, call, callback),
    read: (call: ReadCall) => {
      handleRead(log, options, call, lifetime).catch((error: unknown) => {
        if (!call.cancelled) call.emit('error', { code: status.INTERNAL, details: String(error) });
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Append: client-streaming. First message carries the options, then one ProposedMessage per event.

function handleAppend(
  log: DoubleLog,
  options: StreamsDoubleOptions,
  call: AppendCall,
  callback: sendUnaryData<streams.AppendResp>,
): void {
  let header: streams.AppendReq.Options | undefined;
  const proposed: ProposedEvent[] = [];
  let size = 0;
  let failed = false;
  const fail = (code: status, details: string, metadata?: Metadata): void => {
    if (failed) return;
    failed = true;
    callback({ code, details, metadata: metadata ?? new Metadata() });
  };

  call.on('data', (req: streams.AppendReq) => {
    if (failed) return;
    if (req.hasOptions()) {
      if (header) return fail(status.INVALID_ARGUMENT, 'options sent twice');
      header = req.getOptions();
      return;
    }
    if (!header) return fail(status.INVALID_ARGUMENT, 'proposed message before options');
    const message = req.getProposedMessage();
    if (!message) return;
    const meta = message.getMetadataMap();
    const type = meta.get('type');
    const contentType = meta.get('content-type');
    if (type === undefined || contentType === undefined) {
      const md = new Metadata();
      md.set('exception', 'missing-required-metadata-property');
      md.set('required-metadata-properties', 'type,content-type');
      return fail(status.INVALID_ARGUMENT, 'Missing required metadata property', md);
    }
    const data = message.getData_asU8();
    const customMetadata = message.getCustomMetadata_asU8();
    size += data.length + customMetadata.length + Buffer.byteLength(type, 'utf8');
    if (size > options.maxAppendSize) {
      const md = new Metadata();
      md.set('exception', 'maximum-append-size-exceeded');
      md.set('maximum-append-size', String(options.maxAppendSize));
      return fail(status.INVALID_ARGUMENT, `Maximum Append Size of ${options.maxAppendSize} Exceeded.`, md);
    }
    const id = uuidToString(message.getId());
    // The server parses the id into a Guid and fails the call when it is not one.
    if (id === undefined)
      return fail(status.UNKNOWN, 'Exception was thrown by handler. (event id is not a UUID)');
    proposed.push({ id, type, contentType, data, customMetadata });
  });

  call.on('end', () => {
    if (failed) return;
    if (!header) return fail(status.INVALID_ARGUMENT, 'no options');
    const streamName = streamNameOf(header.getStreamIdentifier());
    const expected = expectedOf(header);
    const outcome = log.append(streamName, expected, proposed);
    const resp = new streams.AppendResp();
    if (outcome.kind === 'success') {
      const success = new streams.AppendResp.Success();
      if (outcome.currentRevision < 0n) success.setNoStream(new shared.Empty());
      else success.setCurrentRevision(outcome.currentRevision.toString());
      if (outcome.position < 0n) success.setNoPosition(new shared.Empty());
      else {
        const position = new streams.AppendResp.Position();
        position.setCommitPosition(outcome.position.toString());
        position.setPreparePosition(outcome.position.toString());
        success.setPosition(position);
      }
      resp.setSuccess(success);
    } else {
      // A conflict is an answer, not a gRPC error: the real server reports it in the response.
      const wrong = new streams.AppendResp.WrongExpectedVersion();
      if (outcome.currentRevision === undefined) wrong.setCurrentNoStream(new shared.Empty());
      else wrong.setCurrentRevision(outcome.currentRevision.toString());
      switch (outcome.expected.kind) {
        case 'any':
          wrong.setExpectedAny(new shared.Empty());
          break;
        case 'no_stream':
          wrong.setExpectedNoStream(new shared.Empty());
          break;
        case 'stream_exists':
          wrong.setExpectedStreamExists(new shared.Empty());
          break;
        case 'revision':
          wrong.setExpectedRevision(outcome.expected.revision.toString());
          break;
      }
      resp.setWrongExpectedVersion(wrong);
    }
    callback(null, resp);
  });

  call.on('error', () => {
    failed = true;
  });
}

function expectedOf(header: streams.AppendReq.Options): DoubleExpected {
  if (header.hasRevision()) return { kind: 'revision', revision: BigInt(header.getRevision()) };
  if (header.hasNoStream()) return { kind: 'no_stream' };
  if (header.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
}

// ---------------------------------------------------------------------------------------------
// Read: one server-streaming method for stream reads, $all reads and both kinds of subscriptions.

async function handleRead(
  log: DoubleLog,
  options: StreamsDoubleOptions,
  call: ReadCall,
  lifetime: AbortSignal,
): Promise<void> {
  const opts = call.request.getOptions();
  if (!opts) {
    call.emit('error', { code: status.INVALID_ARGUMENT, details: 'no options' });
    return;
  }
  const abort = new AbortController();
  const onGone = (): void => abort.abort();
  call.once('cancelled', onGone);
  call.once('close', onGone);
  lifetime.addEventListener('abort', onGone, { once: true });
  try {
    const writer = new Writer(call, abort.signal);
    const filter = filterOf(opts, options);
    if (opts.hasSubscription()) {
      if (opts.hasAll()) await subscribeAll(log, opts.getAll()!, filter, writer, abort.signal);
      else await subscribeStream(log, opts.getStream()!, writer, abort.signal);
    } else if (opts.hasAll()) {
      await readAll(log, opts, filter, writer);
    } else {
      await readStream(log, opts, writer);
    }
    if (!abort.signal.aborted) call.end();
  } finally {
    lifetime.removeEventListener('abort', onGone);
  }
}

async function readStream(log: DoubleLog, opts: streams.ReadReq.Options, writer: Writer): Promise<void> {
  const streamOptions = opts.getStream()!;
  const identifier = streamOptions.getStreamIdentifier();
  const name = streamNameOf(identifier);
  const events = log.stream(name);
  if (!events || events.length === 0) {
    const notFound = new streams.ReadResp.StreamNotFound();
    notFound.setStreamIdentifier(identifier);
    const resp = new streams.ReadResp();
    resp.setStreamNotFound(notFound);
    await writer.send(resp);
    return;
  }
  const forwards = opts.getReadDirection() === READ_FORWARDS;
  let count = countOf(opts);
  const last = events.length - 1;
  let index: number;
  if (streamOptions.hasRevision()) {
    const revision = BigInt(streamOptions.getRevision());
    index = revision > BigInt(last) ? (forwards ? events.length : last) : Number(revision);
  } else if (streamOptions.hasEnd()) {
    index = forwards ? events.length : last;
  } else {
    index = forwards ? 0 : -1;
  }
  while (count > 0n && index >= 0 && index < events.length) {
    if (!(await writer.send(eventResp(events[index]!)))) return;
    count -= 1n;
    index += forwards ? 1 : -1;
  }
}

async function readAll(
  log: DoubleLog,
  opts: streams.ReadReq.Options,
  filter: Filter | undefined,
  writer: Writer,
): Promise<void> {
  const all = opts.getAll()!;
  const forwards = opts.getReadDirection() === READ_FORWARDS;
  let count = countOf(opts);
  let index: number;
  if (all.hasPosition()) {
    const position = BigInt(all.getPosition()!.getCommitPosition());
    // Forwards includes the event at the position; backwards starts strictly before it (as the server does).
    index = forwards ? log.indexAtOrAfter(position) : log.indexAtOrAfter(position) - 1;
  } else if (all.hasEnd()) {
    index = forwards ? log.length : log.length - 1;
  } else {
    index = forwards ? 0 : -1;
  }
  while (count > 0n && index >= 0 && index < log.length) {
    const event = log.at(index)!;
    index += forwards ? 1 : -1;
    if (filter && !filter.matches(event)) continue;
    if (!(await writer.send(eventResp(event)))) return;
    count -= 1n;
  }
}

async function subscribeAll(
  log: DoubleLog,
  all: streams.ReadReq.Options.AllOptions,
  filter: Filter | undefined,
  writer: Writer,
  signal: AbortSignal,
): Promise<void> {
  if (!(await writer.send(confirmation()))) return;
  let index: number;
  if (all.hasPosition()) index = log.indexAfter(BigInt(all.getPosition()!.getCommitPosition()));
  else if (all.hasEnd()) index = log.length;
  else index = 0;

  let scanned = 0;
  let lastScanned: DoubleEvent | undefined;
  let caughtUpSent = false;
  while (!signal.aborted) {
    while (index < log.length) {
      const event = log.at(index++)!;
      lastScanned = event;
      if (!filter || filter.matches(event)) {
        if (!(await writer.send(eventResp(event)))) return;
      }
      if (filter && ++scanned >= filter.checkpointInterval) {
        scanned = 0;
        if (!(await writer.send(checkpoint(event.position)))) return;
      }
    }
    if (!caughtUpSent) {
      caughtUpSent = true;
      if (filter && scanned > 0 && lastScanned) {
        scanned = 0;
        if (!(await writer.send(checkpoint(lastScanned.position)))) return;
      }
      if (!(await writer.send(caughtUp()))) return;
    }
    await log.waitForAppend(signal);
  }
}

async function subscribeStream(
  log: DoubleLog,
  streamOptions: streams.ReadReq.Options.StreamOptions,
  writer: Writer,
  signal: AbortSignal,
): Promise<void> {
  if (!(await writer.send(confirmation()))) return;
  const name = streamNameOf(streamOptions.getStreamIdentifier());
  let next: number;
  if (streamOptions.hasRevision()) next = Number(BigInt(streamOptions.getRevision()) + 1n);
  else if (streamOptions.hasEnd()) next = log.stream(name)?.length ?? 0;
  else next = 0;
  let caughtUpSent = false;
  while (!signal.aborted) {
    const events = log.stream(name) ?? [];
    while (next < events.length) {
      if (!(await writer.send(eventResp(events[next++]!)))) return;
    }
    if (!caughtUpSent) {
      caughtUpSent = true;
      if (!(await writer.send(caughtUp()))) return;
    }
    await log.waitForAppend(signal);
  }
}

// ---------------------------------------------------------------------------------------------
// Filters: prefixes or a regex, on the event type or the stream name (server-side `$all` filtering).

interface Filter {
  matches(event: DoubleEvent): boolean;
  /** Events scanned between two checkpoints: checkpoint_interval_multiplier × search window. */
  checkpointInterval: number;
}

function filterOf(opts: streams.ReadReq.Options, options: StreamsDoubleOptions): Filter | undefined {
  if (!opts.hasFilter()) return undefined;
  const f = opts.getFilter()!;
  const onType = f.hasEventType();
  const expression = onType ? f.getEventType() : f.getStreamIdentifier();
  if (!expression) return undefined;
  const prefixes = expression.getPrefixList();
  const regex = expression.getRegex() ? new RegExp(expression.getRegex()) : undefined;
  const window = f.hasMax() ? f.getMax() : options.defaultSearchWindow;
  const multiplier = Math.max(1, f.getCheckpointintervalmultiplier());
  return {
    checkpointInterval: window * multiplier,
    matches(event) {
      const subject = onType ? event.type : event.streamName;
      if (prefixes.length > 0 && !prefixes.some((p) => subject.startsWith(p))) return false;
      if (regex && !regex.test(subject)) return false;
      return true;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Messages.

function eventResp(event: DoubleEvent): streams.ReadResp {
  const record = new streams.ReadResp.ReadEvent.RecordedEvent();
  const id = new shared.UUID();
  id.setString(event.id);
  record.setId(id);
  const identifier = new shared.StreamIdentifier();
  identifier.setStreamName(new Uint8Array(Buffer.from(event.streamName, 'utf8')));
  record.setStreamIdentifier(identifier);
  record.setStreamRevision(event.revision.toString());
  record.setCommitPosition(event.position.toString());
  record.setPreparePosition(event.position.toString());
  const meta = record.getMetadataMap();
  meta.set('type', event.type);
  meta.set('content-type', event.contentType);
  meta.set('created', event.created.toString());
  record.setData(event.data);
  record.setCustomMetadata(event.customMetadata);
  const read = new streams.ReadResp.ReadEvent();
  read.setEvent(record);
  read.setCommitPosition(event.position.toString());
  const resp = new streams.ReadResp();
  resp.setEvent(read);
  return resp;
}

function confirmation(): streams.ReadResp {
  const c = new streams.ReadResp.SubscriptionConfirmation();
  c.setSubscriptionId(randomUUID());
  const resp = new streams.ReadResp();
  resp.setConfirmation(c);
  return resp;
}

function caughtUp(): streams.ReadResp {
  const resp = new streams.ReadResp();
  resp.setCaughtUp(new streams.ReadResp.CaughtUp());
  return resp;
}

function checkpoint(position: bigint): streams.ReadResp {
  const c = new streams.ReadResp.Checkpoint();
  c.setCommitPosition(position.toString());
  c.setPreparePosition(position.toString());
  const resp = new streams.ReadResp();
  resp.setCheckpoint(c);
  return resp;
}

// ---------------------------------------------------------------------------------------------
// Helpers.

/** Writes with back-pressure: waits for 'drain' so a slow subscriber slows the double down, as HTTP/2 flow control does. */
class Writer {
  constructor(
    private readonly call: ReadCall,
    private readonly signal: AbortSignal,
  ) {}

  async send(message: streams.ReadResp): Promise<boolean> {
    if (this.signal.aborted || this.call.cancelled) return false;
    if (!this.call.write(message)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.call.off('drain', done);
          this.signal.removeEventListener('abort', done);
          resolve();
        };
        this.call.once('drain', done);
        this.signal.addEventListener('abort', done, { once: true });
      });
    }
    return !this.signal.aborted && !this.call.cancelled;
  }
}

function countOf(opts: streams.ReadReq.Options): bigint {
  return opts.hasCount() ? BigInt(opts.getCount()) : BigInt(Number.MAX_SAFE_INTEGER);
}

function streamNameOf(identifier: shared.StreamIdentifier | undefined): string {
  if (!identifier) return '';
  return Buffer.from(identifier.getStreamName_asU8()).toString('utf8');
}

const UUID_HEX = /^[0-9a-f]{32}$/;

/** The id as the server stores and returns it: a Guid, formatted lowercase with hyphens; undefined when not a UUID. */
function uuidToString(uuid: shared.UUID | undefined): string | undefined {
  if (!uuid) return undefined;
  if (uuid.hasStructured()) {
    const s = uuid.getStructured()!;
    const buffer = Buffer.alloc(16);
    buffer.writeBigInt64BE(BigInt(s.getMostSignificantBits()), 0);
    buffer.writeBigInt64BE(BigInt(s.getLeastSignificantBits()), 8);
    const hex = buffer.toString('hex');
    return formatGuid(hex);
  }
  const hex = uuid
    .getString()
    .replace(/^\{|\}$/g, '')
    .replace(/-/g, '')
    .toLowerCase();
  return UUID_HEX.test(hex) ? formatGuid(hex) : undefined;
}

function formatGuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
