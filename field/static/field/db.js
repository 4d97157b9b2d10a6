// IndexedDB, one database per signed-in user ("pcgd-field:<username>").
//
// Stores: meta (key → value: cursor, round, device id, rules…), households and
// residents (the roster plus local edits), outbox (operations waiting for the
// server, in the order they were made), drafts (open household forms, saved on
// every change), conflicts (open conflicts seen on the server) and photos (form
// photos waiting for upload). Upgrades only ever add stores or indexes: a new app
// version never drops the outbox or a draft.

export const DB_VERSION = 1;

function upgrade(db, oldVersion) {
  if (oldVersion < 1) {
    db.createObjectStore("meta", { keyPath: "key" });
    db.createObjectStore("households", { keyPath: "id" }).createIndex("village", "village");
    db.createObjectStore("residents", { keyPath: "id" }).createIndex("household", "household");
    db.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true }).createIndex("entity", "entity_id");
    db.createObjectStore("drafts", { keyPath: "id" });
    db.createObjectStore("conflicts", { keyPath: "id" });
    db.createObjectStore("photos", { keyPath: "id" }).createIndex("household", "household");
  }
  // Version 2 and later: add here, never delete a store that holds the surveyor's work.
}

export function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export function openDb(username) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(`pcgd-field:${username}`, DB_VERSION);
    req.onupgradeneeded = (event) => upgrade(req.result, event.oldVersion);
    req.onsuccess = () => {
      const db = req.result;
      // Another tab opened a newer version: let it upgrade, then reload on the new code.
      db.onversionchange = () => { db.close(); location.reload(); };
      resolve(db);
    };
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error("blocked: close the app's other tabs"));
  });
}

/**
 * Run fn(stores) in one transaction over the named stores; resolves with fn's result
 * once the transaction has committed. "strict" durability for writes: the outbox is
 * on disk when the promise resolves, not merely in the OS's write cache.
 */
export function transact(db, names, mode, fn) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(names, mode, mode === "readwrite" ? { durability: "strict" } : undefined);
    const stores = Object.fromEntries(names.map((name) => [name, tx.objectStore(name)]));
    let result;
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
    Promise.resolve()
      .then(() => fn(stores, tx))
      .then((value) => { result = value; })
      .catch((error) => { try { tx.abort(); } catch { /* already finished */ } reject(error); });
  });
}

export const get = (store, key) => request(store.get(key));
export const getAll = (store, query) => request(store.getAll(query));
export const put = (store, value) => request(store.put(value));
export const del = (store, key) => request(store.delete(key));
export const count = (store) => request(store.count());
export const byIndex = (store, index, key) => request(store.index(index).getAll(key));
