import { insertRowsCompiled, upsertRowsCompiled } from './rows';
import { availableBackends, type TestReadStore } from './testing/read-store-test-kit';

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
