// oidc-provider's storage for the benchmark: every model in plain Maps, in this process.
//
// Why not the bundled MemoryAdapter: it is an LRU of 1,000 entries, so 10,000 refresh
// tokens cannot stay live in it, and it rescans a grant's whole member list on every
// write (all tokens of all sign-ins of the run share one grant here, the signed-in
// person's), so it would slow down as the run goes on. This one is shaped like
// oidc-provider's example Redis adapter: an entry per token with its expiry, and a set of
// token keys per grant for revokeByGrantId.

const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

const entries = new Map(); // "Model:id" -> { payload, expiresAt (ms) }
const grants = new Map(); // grantId -> Set of "Model:id"
const sessionUids = new Map(); // a session's uid -> its id
const userCodes = new Map(); // a device flow's user code -> its id

function forget(key) {
  const entry = entries.get(key);
  if (!entry) return;
  entries.delete(key);
  const { grantId } = entry.payload;
  if (grantId) grants.get(grantId)?.delete(key);
}

function live(key) {
  const entry = entries.get(key);
  if (entry && entry.expiresAt <= Date.now()) {
    forget(key);
    return undefined;
  }
  return entry;
}

// What Redis would do by itself: expired entries leave memory, not only when read again.
setInterval(() => {
  const now = Date.now();
  for (const [key, entry] of entries) if (entry.expiresAt <= now) forget(key);
  for (const [grantId, members] of grants) if (members.size === 0) grants.delete(grantId);
  for (const [uid, id] of sessionUids) if (!entries.has(`Session:${id}`)) sessionUids.delete(uid);
  for (const [code, id] of userCodes) if (!entries.has(`DeviceCode:${id}`)) userCodes.delete(code);
}, 60_000).unref();

export default class MapAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
    entries.set(key, { payload, expiresAt });
    if (GRANTABLE.has(this.model) && payload.grantId) {
      let members = grants.get(payload.grantId);
      if (!members) {
        members = new Set();
        grants.set(payload.grantId, members);
      }
      members.add(key);
    }
    if (this.model === 'Session') sessionUids.set(payload.uid, id);
    if (payload.userCode) userCodes.set(payload.userCode, id);
  }

  async find(id) {
    return live(this.key(id))?.payload;
  }

  async findByUid(uid) {
    const id = sessionUids.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode) {
    const id = userCodes.get(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id) {
    const entry = live(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    forget(this.key(id));
  }

  async revokeByGrantId(grantId) {
    for (const key of grants.get(grantId) ?? []) entries.delete(key);
    grants.delete(grantId);
  }
}
