// The background's side of the state services portal's plug-in interfaces:
// which origins they serve, and the relay of their content scripts' agent
// calls (port "zavera-portal"). Built into background.js before it.
//
// An origin is served when it is one of the portal's own (origins.js), when
// the extension's managed storage lists it in statePortalOrigins (set by an
// administrator's browser policy), or, for a loopback origin only, when
// the agent's hello on a session of that origin says statePortal (the
// agent's configuration lists it: `make run` lists the demo portal). Other
// origins are never put to the agent, so that visiting an arbitrary site
// never starts Zavera. A content script of any other origin gets no
// answer to its calls but origin_not_allowed.

// The agent methods the portal interfaces use; anything else is refused
// before it reaches the agent.
const PORTAL_METHODS = new Set([
  'tokens', 'certificates', 'sign', 'signBatch', 'verify', 'documentOpen', 'documentChunk',
  'documentCancel', 'hashStart', 'hashUpdate', 'hashFinish', 'info',
]);

// An answer of the agent about a loopback origin holds this long.
const PORTAL_ANSWER_MS = 60000;
const portalAnswers = new Map(); // origin → {allowed, until}

function portalRefusal() {
  return { code: 1002, message: 'origin not allowed', data: { reason: 'origin_not_allowed' } };
}

// managedPortalOrigins reads statePortalOrigins from the managed storage
// (empty where the browser has none or no policy sets it). The list is
// read once and kept until the managed storage changes: every chunk of an
// upload passes here, and a read is a round trip to the browser.
let managedOrigins = null; // Promise of the list, or null until read
let managedWatched = false;
async function managedPortalOrigins() {
  if (!managedWatched && api.storage && api.storage.onChanged) {
    managedWatched = true;
    api.storage.onChanged.addListener((_, area) => {
      if (area === 'managed') managedOrigins = null;
    });
  }
  if (!managedOrigins) managedOrigins = readManagedPortalOrigins();
  return managedOrigins;
}

async function readManagedPortalOrigins() {
  const storage = api.storage && api.storage.managed;
  if (!storage) return [];
  try {
    const got = await storage.get('statePortalOrigins');
    const list = got && Array.isArray(got.statePortalOrigins) ? got.statePortalOrigins : [];
    return list.map(canonicalOrigin).filter(Boolean);
  } catch (_) {
    managedOrigins = null; // read again next time
    return [];
  }
}

// agentSaysPortal asks the agent, through hello on session, whether its
// configuration lists the session's origin.
async function agentSaysPortal(session) {
  const cached = portalAnswers.get(session.origin);
  if (cached && cached.until > Date.now()) return cached.allowed;
  if (!session.ready) {
    session.ready = session.raw('hello', { protocols: [1], client: CLIENT });
    session.ready.catch(() => { session.ready = null; });
  }
  let allowed = false;
  try {
    const hello = await session.ready;
    allowed = !!(hello && hello.statePortal === true);
  } catch (_) {
    return false;
  }
  portalAnswers.set(session.origin, { allowed, until: Date.now() + PORTAL_ANSWER_MS });
  return allowed;
}

// portalAllowed decides for origin; session is the one the calls would
// use (the agent is asked on it), or null to make a passing one.
async function portalAllowed(origin, session) {
  if (!origin) return false;
  if (isStatePortalOrigin(origin)) return true;
  if ((await managedPortalOrigins()).includes(origin)) return true;
  if (!isLoopbackOrigin(origin)) return false;
  if (session) return agentSaysPortal(session);
  const passing = new Session(origin, -1, 'portal');
  try {
    return await agentSaysPortal(passing);
  } finally {
    passing.close();
  }
}
