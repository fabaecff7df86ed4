/**
 * The sales upcasters alone (`@kam/sales/upcasters`): what the projection worker needs to read old
 * events, without the sales module's Nest and GraphQL side.
 */
export { SALES_UPCASTERS } from './deal/deal.upcasters';
