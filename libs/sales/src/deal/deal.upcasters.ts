import type { Upcaster } from '@kam/event-store';
import type { SalesChannel } from '@kam/kernel';

/**
 * The channel a deal opened by an older client is read with. Version 1 of `DealOpened` predates
 * channels on deals: every deal then went through the field force, the only channel there was, so
 * FIELD is what those deals were. Not the rep's channel: an upcaster sees one event, never other
 * streams, and the rep's channel may have changed since (the deal's own history must not move).
 */
export const DEAL_CHANNEL_BEFORE_CHANNELS: SalesChannel = 'FIELD';

/**
 * `DealOpened` v1 → v2: v2 added `channel`. A v1 event has none and is read as FIELD; a v1 event
 * that does carry one (written by tests and tools that stamped v1 on current data) keeps it, so
 * the upcaster never rewrites a channel that was recorded.
 */
export const dealOpenedV1ToV2: Upcaster = {
  type: 'DealOpened',
  fromVersion: 1,
  upcast(data) {
    const v1 = data as Record<string, unknown>;
    return { ...v1, channel: v1.channel ?? DEAL_CHANNEL_BEFORE_CHANNELS };
  },
};

/** Every upcaster of the sales context, for the application's single registry. */
export const SALES_UPCASTERS: readonly Upcaster[] = [dealOpenedV1ToV2];
