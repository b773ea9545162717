// A real OpenID provider for the single sign-on tests: the npm package `oidc-provider` (an
// OpenID Certified implementation), installed by scripts/install-tools.sh, configured from the
// JSON in OIDC_TEST_CONFIG:
//   { "module": ".../oidc-provider/lib/index.js", "port": 4000,
//     "clients": [{ "client_id", "client_secret", "redirect_uris": [...] }],
//     "accounts": { "<login>": { "email", "email_verified", "name" } },
//     "clock_offset_seconds": 0, "id_token_ttl_seconds": 3600 }
// Signing in: its development login form (any password), one account per login name; consent
// is given once and for all (the client is first-party). A clock offset makes every token it
// issues look issued that long ago or ahead: expired ID tokens without waiting.
import { pathToFileURL } from 'node:url';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG);
if (config.clock_offset_seconds) {
  const realNow = Date.now;
  Date.now = () => realNow() + config.clock_offset_seconds * 1000;
}
// Its warnings about development keys and interactions are what this is.
console.warn = () => {};
const { default: Provider } = await import(pathToFileURL(config.module));

const issuer = `http://127.0.0.1:${config.port}`;
const provider = new Provider(issuer, {
  clients: config.clients.map((client) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...client,
  })),
  pkce: { methods: ['S256'], required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // The ID token carries the claims of the scopes asked for (Roster reads `email` there).
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  ttl: { IdToken: config.id_token_ttl_seconds || 3600 },
  async findAccount(ctx, sub) {
    const account = config.accounts[sub];
    if (!account) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...account }) };
  },
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});
provider.listen(config.port, '127.0.0.1', () => {
  console.log(`oidc provider listening on ${issuer}`);
});
