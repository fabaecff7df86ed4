import { insertRowsCompiled, inListChunks, statementChunkSizes, upsertRowsCompiled } from './rows';
import { availableBackends, type TestReadStore } from './testing/read-store-test-kit';

describe('statement chunk sizes', () => {
  it('takes full chunks, then the rest in powers of two, covering every item once in order', () => {
    expect(statementChunkSizes(437, 200)).toEqual([200, 200, 32, 4, 1]);
    expect(statementChunkSizes(200, 200)).toEqual([200]);
    expect(statementChunkSizes(0, 200)).toEqual([]);
    expect(statementChunkSizes(3, 0)).toEqual([1, 1, 1]);
  });

  it('pads the last in-list to a power of two with its last item, so a lookup stays one query', () => {
    const items = Array.from({ length: 75 }, (_, i) => i);
    const lists = inListChunks(items, 50);
    expect(lists.map((c) => c.length)).toEqual([50, 32]);
    expect(lists[1]).toEqual([...items.slice(50), ...Array<number>(7).fill(74)]);
    expect(inListChunks(items.slice(0, 45), 50).map((c) => c.length)).toEqual([50]);
    expect(inListChunks(items.slice(0, 45), 40).map((c) => c.length)).toEqual([40, 8]);
    expect(inListChunks([7], 500)).toEqual([[7]]);
    expect(inListChunks([], 500)).toEqual([]);
  });
});

describe.each(availableBackends())('compiled multi-row writes on $name', (backend) => {
  let store: TestReadStore;

  beforeEach(async () => {
    store = await backend.open();
    await store.readStore.db.schema
      .createTable('rows_probe')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('select', 'text') // a reserved word: identifiers must be quoted
      .addColumn('n', 'bigint')
      .execute();
  });

  afterEach(async () => {
    await store.dispose();
  });

  async function all(): Promise<Array<{ id: string; select: string | null; n: number | null }>> {
    const rows = await store.readStore.db.selectFrom('rows_probe').selectAll().orderBy('id').execute();
    return rows.map((r) => ({ id: String(r.id), select: r.select === null ? null : String(r.select), n: r.n === null ? null : Number(r.n) }));
  }

  it('inserts in chunks of every size, undefined as null, and upserts update every other column', async () => {
    const db = store.readStore.db;
    const rows = Array.from({ length: 7 }, (_, i) => ({ id: `r${i}`, select: `v${i}`, n: i }));
    await insertRowsCompiled(db, 'rows_probe', rows, 3);
    await upsertRowsCompiled(db, 'rows_probe', ['id'], [
      { id: 'r1', select: 'changed', n: undefined },
      { id: 'r9', select: 'new', n: 9 },
    ], 3);
    expect(await all()).toEqual([
      { id: 'r0', select: 'v0', n: 0 },
      { id: 'r1', select: 'changed', n: null },
      { id: 'r2', select: 'v2', n: 2 },
      { id: 'r3', select: 'v3', n: 3 },
      { id: 'r4', select: 'v4', n: 4 },
      { id: 'r5', select: 'v5', n: 5 },
      { id: 'r6', select: 'v6', n: 6 },
      { id: 'r9', select: 'new', n: 9 },
    ]);
  });

  it('writes any row count with a few statement texts per table: full chunks, then powers of two', async () => {
    const db = store.readStore.db;
    const executed = jest.spyOn(db, 'executeQuery');
    let written = 0;
    for (let count = 1; count <= 60; count++) {
      const rows = Array.from({ length: count }, (_, i) => ({ id: `c${count}-${i}`, select: null, n: i }));
      await insertRowsCompiled(db, 'rows_probe', rows, 200);
      written += count;
    }
    await insertRowsCompiled(db, 'rows_probe', Array.from({ length: 437 }, (_, i) => ({ id: `big-${i}`, select: null, n: i })), 200);
    written += 437;
    const texts = new Set(executed.mock.calls.map(([query]) => ('sql' in query ? query.sql : query.compile().sql)));
    executed.mockRestore();
    // 200 (the full chunks), 32, 16, 8, 4, 2, 1 rows: never one text per count.
    const rowsPerText = [...texts].map((text) => (text.match(/\(\?|\(\$/g) ?? []).length).sort((a, b) => a - b);
    expect(rowsPerText).toEqual([1, 2, 4, 8, 16, 32, 200]);
    expect(await all()).toHaveLength(written);
  });

  it('does nothing on a conflict when the key is every column, and writes nothing for no rows', async () => {
    const db = store.readStore.db;
    await store.readStore.db.schema.createTable('keys_probe').addColumn('id', 'text', (c) => c.primaryKey()).execute();
    await upsertRowsCompiled(db, 'keys_probe', ['id'], [{ id: 'a' }, { id: 'b' }]);
    await upsertRowsCompiled(db, 'keys_probe', ['id'], [{ id: 'a' }, { id: 'c' }]);
    await upsertRowsCompiled(db, 'rows_probe', ['id'], []);
    const ids = (await db.selectFrom('keys_probe').select('id').orderBy('id').execute()).map((r) => String(r.id));
    expect(ids).toEqual(['a', 'b', 'c']);
    expect(await all()).toEqual([]);
  });
});
